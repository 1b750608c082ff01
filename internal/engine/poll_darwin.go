package engine

import "golang.org/x/sys/unix"

// Poller names the readiness mechanism, for volley -v.
const Poller = "kqueue"

// The poller on macOS is a kqueue, used level-triggered like epoll (poll_linux.go): a read
// filter per descriptor, and a write filter enabled only while a write is partial. kqueue's
// events carry the descriptor, not the connection: the slot table says which connection a
// descriptor belongs to, and drops stale events.
type poller struct {
	fd     int
	events []unix.Kevent_t
	slots  slotTable
}

func (p *poller) open(size int) error {
	fd, err := unix.Kqueue()
	if err != nil {
		return err
	}
	unix.CloseOnExec(fd)
	p.fd, p.events = fd, make([]unix.Kevent_t, size)
	return nil
}

func (p *poller) close() {
	if p.fd >= 0 {
		unix.Close(p.fd)
		p.fd = -1
	}
}

func (p *poller) change(fd, filter, flags int) error {
	var ch [1]unix.Kevent_t
	unix.SetKevent(&ch[0], fd, filter, flags)
	_, err := unix.Kevent(p.fd, ch[:], nil, nil)
	return err
}

// add registers fd for reading, and for writing too when out.
func (p *poller) add(fd int, out bool, idx, gen int32) error {
	if err := p.change(fd, unix.EVFILT_READ, unix.EV_ADD|unix.EV_ENABLE); err != nil {
		return err
	}
	if out {
		if err := p.change(fd, unix.EVFILT_WRITE, unix.EV_ADD|unix.EV_ENABLE); err != nil {
			_ = p.change(fd, unix.EVFILT_READ, unix.EV_DELETE)
			return err
		}
	}
	p.slots.set(fd, idx, gen)
	return nil
}

// setOut arms or disarms the write readiness of a registered fd.
func (p *poller) setOut(fd int, out bool, _, _ int32) {
	if out {
		_ = p.change(fd, unix.EVFILT_WRITE, unix.EV_ADD|unix.EV_ENABLE)
	} else {
		_ = p.change(fd, unix.EVFILT_WRITE, unix.EV_DISABLE) // ENOENT when it was never armed
	}
}

// remove unregisters fd, leaving it open.
func (p *poller) remove(fd int) {
	_ = p.change(fd, unix.EVFILT_READ, unix.EV_DELETE)
	_ = p.change(fd, unix.EVFILT_WRITE, unix.EV_DELETE) // ENOENT when it was never armed
	p.forget(fd)
}

// forget drops what the poller knows of fd, before it is closed (closing removes its filters).
func (p *poller) forget(fd int) { p.slots.clear(fd) }

// event describes the i-th event of the last wait, as on Linux; evNone for one that no longer
// concerns a registered descriptor.
func (p *poller) event(i int) (idx, gen int32, in, out bool) {
	ev := &p.events[i]
	idx, gen = p.slots.lookup(int(ev.Ident)) //nolint:gosec // G115: the ident of a read or write filter is a descriptor
	in = ev.Filter == unix.EVFILT_READ || ev.Flags&(unix.EV_EOF|unix.EV_ERROR) != 0
	out = ev.Filter == unix.EVFILT_WRITE
	return idx, gen, in, out
}

// wait waits for events for at most timeout ns (0 or less: return at once).
func (p *poller) wait(timeout int64) (int, error) {
	p.slots.next()
	ts := unix.NsecToTimespec(max(timeout, 0))
	n, err := unix.Kevent(p.fd, nil, p.events, &ts)
	if err == unix.EINTR {
		return 0, nil
	}
	return n, err
}

// waker is a descriptor that a poller can wait on and another goroutine can make readable: a
// pipe, which stays readable until drained.
type waker struct{ r, w int }

func newWaker() (waker, error) {
	var fds [2]int
	if err := unix.Pipe(fds[:]); err != nil {
		return waker{-1, -1}, err
	}
	for _, fd := range fds {
		unix.CloseOnExec(fd)
		if err := unix.SetNonblock(fd, true); err != nil {
			unix.Close(fds[0])
			unix.Close(fds[1])
			return waker{-1, -1}, err
		}
	}
	return waker{fds[0], fds[1]}, nil
}

func (k waker) wake() {
	one := [1]byte{1}
	_, _ = unix.Write(k.w, one[:])
}

func (k waker) drain() {
	var b [64]byte
	for {
		if n, err := unix.Read(k.r, b[:]); n <= 0 || err != nil {
			return
		}
	}
}

func (k waker) close() {
	unix.Close(k.r)
	unix.Close(k.w)
}
