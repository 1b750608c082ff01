package engine

import (
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// noPwait2 is set once the kernel has said it lacks epoll_pwait2 (Linux < 5.11).
var noPwait2 bool

// epollWait waits for events for at most timeout ns (negative: no events wanted, return at
// once). epoll_pwait2 takes the timeout in ns, so paced sends are not rounded to milliseconds.
func epollWait(epfd int, events []unix.EpollEvent, timeout int64) (int, error) {
	evp := uintptr(unsafe.Pointer(unsafe.SliceData(events))) //nolint:gosec // G103: x/sys has no epoll_pwait2, and a zero-timeout poll skips entersyscall; events outlives the calls
	if timeout <= 0 {
		// Nothing to sleep for: a non-blocking poll needs no scheduler hand-off.
		r, _, e := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(epfd), evp, uintptr(len(events)), 0, 0, 0)
		return result(r, e)
	}
	for {
		var r uintptr
		var e unix.Errno
		if !noPwait2 {
			ts := unix.NsecToTimespec(timeout)
			r, _, e = unix.Syscall6(unix.SYS_EPOLL_PWAIT2, uintptr(epfd), evp, uintptr(len(events)), uintptr(unsafe.Pointer(&ts)), 0, 0) //nolint:gosec // G103: x/sys has no epoll_pwait2 wrapper; ts lives on this frame for the call
			if e == unix.ENOSYS {
				noPwait2 = true
				continue
			}
		} else {
			ms := (timeout + int64(time.Millisecond) - 1) / int64(time.Millisecond)
			r, _, e = unix.Syscall6(unix.SYS_EPOLL_PWAIT, uintptr(epfd), evp, uintptr(len(events)), uintptr(ms), 0, 0)
		}
		return result(r, e)
	}
}

func result(r uintptr, e unix.Errno) (int, error) {
	switch e {
	case 0:
		return int(r), nil
	case unix.EINTR:
		return 0, nil
	default:
		return 0, e
	}
}
