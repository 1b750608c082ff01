//go:build !linux

package testserver

import (
	"errors"
	"net"
	"time"
)

// stampedReader exists on Linux only (SO_TIMESTAMPNS): elsewhere arrivals are timed when the
// connection's goroutine reads them, which is enough for the demo and looser tests.
type stampedReader struct{}

func newStampedReader(net.Conn) *stampedReader { return nil }

func (*stampedReader) read([]byte) (int, time.Time, error) {
	return 0, time.Time{}, errors.New("no kernel receive timestamps on this system")
}
