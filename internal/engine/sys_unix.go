//go:build linux || darwin

package engine

import (
	"errors"

	"golang.org/x/sys/unix"
)

// dial starts a non-blocking connect to the endpoint's socket. It returns the descriptor and
// whether the connection is already established (possible on loopback).
func dial(ep *Endpoint) (fd int, connected bool, err error) {
	var sa unix.Sockaddr
	domain := unix.AF_INET
	addr := ep.Addr
	switch {
	case ep.Unix != "":
		domain, sa = unix.AF_UNIX, &unix.SockaddrUnix{Name: ep.Unix}
	case addr.Addr().Is4() || addr.Addr().Is4In6():
		sa = &unix.SockaddrInet4{Port: int(addr.Port()), Addr: addr.Addr().Unmap().As4()}
	default:
		domain = unix.AF_INET6
		sa6 := &unix.SockaddrInet6{Port: int(addr.Port()), Addr: addr.Addr().As16()}
		if z := addr.Addr().Zone(); z != "" {
			if ifi, err := interfaceIndex(z); err == nil {
				sa6.ZoneId = uint32(ifi) //nolint:gosec // G115: interface indexes are positive kernel ints (< 2^31)
			}
		}
		sa = sa6
	}
	fd, err = newSocket(domain)
	if err != nil {
		return -1, false, err
	}
	if domain != unix.AF_UNIX {
		// Requests are written whole; Nagle would only delay them.
		_ = unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	}
	err = unix.Connect(fd, sa)
	switch {
	case err == nil:
		return fd, true, nil
	case errors.Is(err, unix.EINPROGRESS), errors.Is(err, unix.EINTR):
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

// readSocket reads once into buf (level-triggered: one read per readiness event), retrying only
// a call that a signal interrupted.
func readSocket(fd int, buf []byte) (int, unix.Errno) {
	for {
		n, errno := rawRead(fd, buf)
		if errno != unix.EINTR {
			return n, errno
		}
	}
}

// writeSocket writes out until it is all sent or the socket would block, and returns what is
// left; an errno other than EAGAIN and EINTR is returned with it.
func writeSocket(fd int, out []byte) ([]byte, unix.Errno) {
	for len(out) > 0 {
		n, errno := rawWrite(fd, out)
		switch errno {
		case 0:
			out = out[n:]
		case unix.EINTR:
		case unix.EAGAIN:
			return out, 0
		default:
			return out, errno
		}
	}
	return out, 0
}
