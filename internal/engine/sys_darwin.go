package engine

import (
	"errors"
	"syscall"

	"golang.org/x/sys/unix"
)

// On macOS system calls go through libSystem (the Go runtime's rule there), so reads and writes
// use x/sys's wrappers rather than raw syscall numbers.

func rawRead(fd int, p []byte) (int, unix.Errno) {
	n, err := unix.Read(fd, p)
	return n, errnoOf(err)
}

func rawWrite(fd int, p []byte) (int, unix.Errno) {
	n, err := unix.Write(fd, p)
	return n, errnoOf(err)
}

func errnoOf(err error) unix.Errno {
	if err == nil {
		return 0
	}
	var e unix.Errno
	if errors.As(err, &e) {
		return e
	}
	return unix.EIO
}

// newSocket opens a non-blocking, close-on-exec stream socket that does not raise SIGPIPE when
// written after the peer has gone (macOS has no MSG_NOSIGNAL, and no SOCK_NONBLOCK flag).
func newSocket(domain int) (int, error) {
	syscall.ForkLock.RLock()
	fd, err := unix.Socket(domain, unix.SOCK_STREAM, 0)
	if err == nil {
		unix.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return -1, err
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return -1, err
	}
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_NOSIGPIPE, 1)
	return fd, nil
}

// preciseTimers: macOS has no timer slack to lower; kevent's timeout is in ns already.
func preciseTimers() {}
