package engine

import (
	"net/netip"
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

// dial starts a non-blocking connect. It returns the descriptor and whether the connection is
// already established (possible on loopback).
func dial(addr netip.AddrPort) (fd int, connected bool, err error) {
	var sa unix.Sockaddr
	domain := unix.AF_INET
	if addr.Addr().Is4() || addr.Addr().Is4In6() {
		sa = &unix.SockaddrInet4{Port: int(addr.Port()), Addr: addr.Addr().Unmap().As4()}
	} else {
		domain = unix.AF_INET6
		sa6 := &unix.SockaddrInet6{Port: int(addr.Port()), Addr: addr.Addr().As16()}
		if z := addr.Addr().Zone(); z != "" {
			if ifi, err := interfaceIndex(z); err == nil {
				sa6.ZoneId = uint32(ifi) //nolint:gosec // G115: interface indexes are positive kernel ints (< 2^31)
			}
		}
		sa = sa6
	}
	fd, err = unix.Socket(domain, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, false, err
	}
	// Requests are written whole; Nagle would only delay them.
	_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	err = unix.Connect(fd, sa)
	switch err {
	case nil:
		return fd, true, nil
	case unix.EINPROGRESS, unix.EINTR:
		return fd, false, nil
	default:
		unix.Close(fd)
		return -1, false, err
	}
}

func socketError(fd int) error {
	v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return err
	}
	if v != 0 {
		return unix.Errno(v)
	}
	return nil
}
