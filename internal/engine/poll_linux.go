package engine

import (
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Poller names the readiness mechanism, for volley -v.
const Poller = "epoll"

// The poller is each thread's readiness notifier: level-triggered epoll here, kqueue on macOS
// (poll_darwin.go). A descriptor is registered once, for reading, with writing armed only while
// a write is partial; each event names the connection slot and generation it was registered for.
type poller struct {
	fd     int
	events []unix.EpollEvent
}

const (
	pollIn  = unix.EPOLLIN | unix.EPOLLRDHUP
	pollOut = unix.EPOLLOUT
)

func (p *poller) open(size int) error {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return err
	}
	p.fd, p.events = fd, make([]unix.EpollEvent, size)
	return nil
}

func (p *poller) close() {
	if p.fd >= 0 {
		unix.Close(p.fd)
		p.fd = -1
	}
}

// add registers fd for reading, and for writing too when out.
func (p *poller) add(fd int, out bool, idx, gen int32) error {
	ev := unix.EpollEvent{Events: pollIn, Fd: idx, Pad: gen}
	if out {
		ev.Events |= pollOut
	}
	return unix.EpollCtl(p.fd, unix.EPOLL_CTL_ADD, fd, &ev)
}

// setOut arms or disarms the write readiness of a registered fd.
func (p *poller) setOut(fd int, out bool, idx, gen int32) {
	ev := unix.EpollEvent{Events: pollIn, Fd: idx, Pad: gen}
	if out {
		ev.Events |= pollOut
	}
	_ = unix.EpollCtl(p.fd, unix.EPOLL_CTL_MOD, fd, &ev)
}

// remove unregisters fd (closing it does as well).
func (p *poller) remove(fd int) { _ = unix.EpollCtl(p.fd, unix.EPOLL_CTL_DEL, fd, nil) }

// forget is called before fd is closed; epoll needs nothing.
func (p *poller) forget(int) {}

// event describes the i-th event of the last wait: the slot and generation it was registered
// for, and whether it reports readability (including hang-up and errors) or writability.
func (p *poller) event(i int) (idx, gen int32, in, out bool) {
	ev := &p.events[i]
	return ev.Fd, ev.Pad, ev.Events&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP|unix.EPOLLERR) != 0, ev.Events&unix.EPOLLOUT != 0
}

// noPwait2 is set once the kernel has said it lacks epoll_pwait2 (Linux < 5.11).
var noPwait2 bool

// wait waits for events for at most timeout ns (0 or less: return at once). epoll_pwait2
// takes the timeout in ns, so paced sends are not rounded to milliseconds.
func (p *poller) wait(timeout int64) (int, error) {
	evp := uintptr(unsafe.Pointer(unsafe.SliceData(p.events))) //nolint:gosec // G103: x/sys has no epoll_pwait2, and a zero-timeout poll skips entersyscall; events outlives the calls
	if timeout <= 0 {
		// Nothing to sleep for: a non-blocking poll needs no scheduler hand-off.
		r, _, e := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(p.fd), evp, uintptr(len(p.events)), 0, 0, 0)
		return result(r, e)
	}
	for {
		var r uintptr
		var e unix.Errno
		if !noPwait2 {
			ts := unix.NsecToTimespec(timeout)
			r, _, e = unix.Syscall6(unix.SYS_EPOLL_PWAIT2, uintptr(p.fd), evp, uintptr(len(p.events)), uintptr(unsafe.Pointer(&ts)), 0, 0) //nolint:gosec // G103: x/sys has no epoll_pwait2 wrapper; ts lives on this frame for the call
			if e == unix.ENOSYS {
				noPwait2 = true
				continue
			}
		} else {
			ms := (timeout + int64(time.Millisecond) - 1) / int64(time.Millisecond)
			r, _, e = unix.Syscall6(unix.SYS_EPOLL_PWAIT, uintptr(p.fd), evp, uintptr(len(p.events)), uintptr(ms), 0, 0)
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

// waker is a descriptor that a poller can wait on and another goroutine can make readable: an
// eventfd, which stays readable until drained.
type waker struct{ r, w int }

func newWaker() (waker, error) {
	fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	return waker{fd, fd}, err
}

func (k waker) wake() {
	one := [8]byte{1}
	_, _ = unix.Write(k.w, one[:])
}

func (k waker) drain() {
	var b [8]byte
	_, _ = unix.Read(k.r, b[:])
}

func (k waker) close() { unix.Close(k.r) }
