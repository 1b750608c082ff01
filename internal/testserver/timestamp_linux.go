package testserver

import (
	"encoding/binary"
	"io"
	"net"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// stampedReader reads with the kernel's receive timestamp (SO_TIMESTAMPNS): when this
// connection's goroutine gets to run can be long after the request arrived, since many
// connections' requests arrive at once; the kernel's timestamp is when it really did. Latency
// accuracy tests compare volley against delays measured from that instant.
type stampedReader struct {
	rc  syscall.RawConn
	oob []byte
}

func newStampedReader(nc net.Conn) *stampedReader {
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return nil
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
	}); err != nil || serr != nil {
		return nil
	}
	return &stampedReader{rc: rc, oob: make([]byte, unix.CmsgSpace(16))}
}

// read reads into p and returns when the first of its bytes reached the machine, as a wall
// clock time (zero when the kernel gave none).
func (r *stampedReader) read(p []byte) (n int, at time.Time, err error) {
	var oobn int
	rerr := r.rc.Read(func(fd uintptr) bool {
		n, oobn, _, _, err = unix.Recvmsg(int(fd), p, r.oob, 0)
		return err != unix.EAGAIN
	})
	if rerr != nil {
		return 0, time.Time{}, rerr
	}
	if err != nil {
		return 0, time.Time{}, err
	}
	if n == 0 && len(p) > 0 {
		return 0, time.Time{}, io.EOF
	}
	msgs, perr := unix.ParseSocketControlMessage(r.oob[:oobn])
	if perr == nil {
		for _, m := range msgs {
			if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SO_TIMESTAMPNS && len(m.Data) >= 16 {
				// struct timespec holds two signed 64-bit fields: the conversions reinterpret their bits.
				sec := int64(binary.NativeEndian.Uint64(m.Data[0:8]))   //nolint:gosec // G115: two's-complement reinterpretation, not a narrowing
				nsec := int64(binary.NativeEndian.Uint64(m.Data[8:16])) //nolint:gosec // G115: two's-complement reinterpretation, not a narrowing
				at = time.Unix(sec, nsec)
			}
		}
	}
	return n, at, nil
}
