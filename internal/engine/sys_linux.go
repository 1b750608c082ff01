package engine

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// The hot path reads and writes non-blocking sockets with raw system calls: they never block,
// so telling the Go scheduler about them (entersyscall/exitsyscall) would be pure overhead.

func rawRead(fd int, p []byte) (int, unix.Errno) {
	r, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p))) //nolint:gosec // G103: raw read(2) on a non-blocking socket, no entersyscall on the hot path; p outlives the call
	if e != 0 {
		return 0, e
	}
	return int(r), 0
}

func rawWrite(fd int, p []byte) (int, unix.Errno) {
	r, _, e := unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p))) //nolint:gosec // G103: raw write(2) on a non-blocking socket, no entersyscall on the hot path; p outlives the call
	if e != 0 {
		return 0, e
	}
	return int(r), 0
}

// newSocket opens a non-blocking, close-on-exec stream socket in one call.
func newSocket(domain int) (int, error) {
	return unix.Socket(domain, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
}

// preciseTimers asks the kernel to wake this thread on time: the default 50 µs timer slack
// would show up as pacing error in rate mode.
func preciseTimers() { _ = unix.Prctl(unix.PR_SET_TIMERSLACK, 1, 0, 0, 0) }
