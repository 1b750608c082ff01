package engine

import (
	"strconv"

	"golang.org/x/sys/unix"

	"volley/internal/h1"
	"volley/internal/stats"
)

// A connection through an HTTP proxy to an https origin first opens a tunnel: it writes the
// origin's CONNECT request and reads the proxy's answer with an HTTP/1.1 response parser
// (stProxy), whatever the protocol spoken in the tunnel;
// a 2xx answer turns the socket into a byte stream to the origin, in which TLS then runs.

// startTunnel sends the CONNECT request on a connection whose connect just completed.
func (t *thread) startTunnel(c *conn) {
	if c.wantOut || c.state == stConnecting {
		t.poll.setOut(c.fd, false, c.idx, c.gen)
		c.wantOut = false
	}
	c.state = stProxy
	req := c.org.Connect
	for {
		n, errno := rawWrite(c.fd, req)
		if errno == unix.EINTR {
			continue
		}
		// A new socket's send buffer takes a request of a few hundred bytes whole.
		if errno != 0 || n < len(req) {
			reason := "short write"
			if errno != 0 {
				reason = errno.Error()
			}
			t.fail(c, stats.KindConnect, "proxy: sending CONNECT: "+reason)
			return
		}
		break
	}
	if c.proxy == nil {
		c.proxy = new(h1.Parser)
		c.proxy.Init(t.cfg.Limits)
	}
	c.proxy.Start(true) // a 2xx answer to CONNECT has no body; any other ends the connection
}

// tunnelReadable reads the proxy's answer to CONNECT.
func (t *thread) tunnelReadable(c *conn) {
	n, errno := readSocket(c.fd, t.buf)
	switch {
	case errno == unix.EAGAIN:
		return
	case errno != 0:
		t.fail(c, stats.KindConnect, "proxy: "+errno.Error())
		return
	case n == 0:
		t.fail(c, stats.KindConnect, "proxy: closed the connection before answering CONNECT")
		return
	}
	k, done, err := c.proxy.Feed(t.buf[:n])
	switch {
	case err != nil:
		t.fail(c, stats.KindConnect, "proxy: answer to CONNECT: "+err.Error())
	case !done:
	case c.proxy.Status() < 200 || c.proxy.Status() > 299:
		t.fail(c, stats.KindConnect, "proxy: "+tunnelRefused(c.proxy.Status()))
	case k < n:
		// The server speaks only after TLS's first message: nothing may follow the answer.
		t.fail(c, stats.KindConnect, "proxy: unexpected bytes after its answer to CONNECT")
	case c.org.TLS != nil:
		t.startHandshake(c)
	default:
		t.opened(c)
	}
}

// tunnelRefused is the reason a proxy's non-2xx answer to CONNECT gives.
func tunnelRefused(status int) string {
	reason := "CONNECT refused with status " + strconv.Itoa(status)
	if status == 407 {
		reason += " (proxy authentication required: put user:password@ in the proxy URL)"
	}
	return reason
}
