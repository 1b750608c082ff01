//go:build linux

package engine

import (
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"volley/internal/testserver"
)

// pinScript records the OS thread it was pinned to and whether any call came from another:
// the script package times hook calls by the CPU clock of the thread its Thread was pinned to.
type pinScript struct {
	delayScript
	pins   atomic.Int32
	tid    atomic.Int32
	calls  atomic.Int32
	strays atomic.Int32
}

func (s *pinScript) Pin() {
	s.pins.Add(1)
	s.tid.Store(int32(unix.Gettid())) //nolint:gosec // G115: Linux thread ids are below 2^22
}

func (s *pinScript) Delay() (time.Duration, error) {
	s.calls.Add(1)
	if int32(unix.Gettid()) != s.tid.Load() { //nolint:gosec // G115: as in Pin
		s.strays.Add(1)
	}
	return s.d, nil
}

// The event loop pins its script once, before any call, and makes every call from that thread.
func TestEventLoopPinsItsScript(t *testing.T) {
	srv := startServer(t, testserver.Options{})
	cfg := config(t, srv.Addr(), 1, 2, 300*time.Millisecond, request(t, "GET", "/"))
	s := &pinScript{delayScript: delayScript{d: time.Millisecond}}
	cfg.Threads[0].Script = s
	noErrors(t, runFor(t, cfg))
	if n := s.pins.Load(); n != 1 {
		t.Errorf("pinned %d times, want once", n)
	}
	if s.calls.Load() == 0 || s.strays.Load() != 0 {
		t.Errorf("%d of %d delay() calls came from another thread than the pinned one", s.strays.Load(), s.calls.Load())
	}
}
