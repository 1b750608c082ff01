package h1

import (
	"errors"
	"io"
	"syscall"

	"volley/internal/wire"
)

// Protocol is HTTP/1.1 as the engine drives it: one slot per connection, whose batch may hold
// several pipelined requests.
type Protocol struct{ Limits Limits }

func (Protocol) Name() string { return "http/1.1" }
func (Protocol) Slots() int   { return 1 }
func (Protocol) ALPN() string { return "" }

// Greet: HTTP/1.1 has no greeting; the probe's connection was enough.
func (Protocol) Greet(io.ReadWriter) error { return nil }

// NewConn makes one connection's state.
func (p Protocol) NewConn(_ string, capture bool) wire.Conn {
	c := &Client{}
	c.parser.Init(p.Limits)
	c.parser.SetCapture(capture)
	return c
}

// Client is the client side of an HTTP/1.1 connection: it writes a batch's text as it is, with
// no copy, and parses the responses in order.
type Client struct {
	parser  Parser
	out     []byte // the batch's text not yet written
	heads   []bool
	next    int    // the response being parsed, an index in heads
	restart bool   // the last Feed completed a response: the parser starts the next on the next Feed
	busy    bool   // a batch is outstanding
	sent    bool   // some of the batch was written: only then may its responses arrive
	gotData bool   // some bytes of the batch's responses arrived
	closing bool   // the server said Connection: close, or the connection ended
	refused bool   // the pending requests may be sent again (Refused)
	served  uint32 // responses on this connection
}

// Start begins a new connection.
func (c *Client) Start() {
	c.out, c.heads, c.next = nil, nil, 0
	c.restart, c.busy, c.gotData, c.closing, c.refused, c.served = false, false, false, false, false, 0
}

// Slots is 1 while the connection is free to carry another batch, 0 once it is closing.
func (c *Client) Slots() int {
	if c.closing {
		return 0
	}
	return 1
}

// Submit queues the batch; it is written as it is.
func (c *Client) Submit(_ int, r wire.Request) error {
	if c.closing {
		return wire.ErrNoSlot
	}
	c.out, c.heads, c.next = r.Text, r.Heads, 0
	c.busy, c.sent, c.gotData, c.restart = true, false, false, false
	c.parser.Start(r.Heads[0])
	return nil
}

// Pending is how many responses of the batch are still awaited.
func (c *Client) Pending(int) int {
	if !c.busy {
		return 0
	}
	return len(c.heads) - c.next
}

func (c *Client) Output() []byte { return c.out }

func (c *Client) Written(n int) {
	c.out = c.out[n:]
	c.sent = c.sent || n > 0
}

// Feed parses responses; it returns after each complete one.
func (c *Client) Feed(b []byte) (int, wire.Event, int, error) {
	if c.restart {
		c.restart = false
		c.parser.Start(c.heads[c.next])
	}
	if !c.busy || !c.sent {
		c.out = nil
		if c.served > 0 {
			return 0, wire.None, 0, errors.New("unexpected data from the server after a response")
		}
		return 0, wire.None, 0, errors.New("unexpected data from the server: no request outstanding")
	}
	c.gotData = true
	n, done, err := c.parser.Feed(b)
	if err != nil {
		c.out = nil
		return n, wire.None, 0, err
	}
	if !done {
		return n, wire.None, 0, nil
	}
	c.answered()
	return n, wire.Response, 0, nil
}

// answered moves past a complete response.
func (c *Client) answered() {
	c.served++
	c.closing = c.closing || !c.parser.KeepAlive()
	c.refused = c.closing // what was pipelined behind a closing response was never processed
	if c.next++; c.next == len(c.heads) {
		c.busy = false
	} else {
		c.restart = true
	}
}

// Lost handles the end of the connection. What the server closed between two responses of a
// batch, or as the batch went out on a connection that had answered before (the keep-alive
// race), it never processed: RFC 9112 §9.3.2 lets a client send it again.
func (c *Client) Lost(cause error) (wire.Event, int, error) {
	c.closing, c.out = true, nil
	if !c.busy {
		return wire.None, 0, nil // the server closed an idle keep-alive connection
	}
	if c.restart {
		c.restart = false
		c.parser.Start(c.heads[c.next])
	}
	if cause != nil {
		if !c.gotData && c.served > 0 && errors.Is(cause, syscall.ECONNRESET) {
			c.refused = true
			return wire.None, 0, nil
		}
		return wire.None, 0, cause
	}
	done, err := c.parser.EOF()
	switch {
	case err == nil && done:
		c.answered()
		c.refused = true
		return wire.Response, 0, nil
	case c.next > 0 && noResponseBytes(err), !c.gotData && c.served > 0:
		c.refused = true
		return wire.None, 0, nil
	case err != nil:
		return wire.None, 0, err
	}
	return wire.None, 0, errors.New("connection closed by the server before the response was complete")
}

// noResponseBytes reports whether err is the parser's "closed before the response": not one
// byte of the response in progress arrived.
func noResponseBytes(err error) bool {
	var he *Error
	return errors.As(err, &he) && he.Kind == ErrClosed
}

func (c *Client) Status(int) int           { return c.parser.Status() }
func (c *Client) Headers(int) []wire.Field { return c.parser.Headers() }
func (c *Client) Body(int) []byte          { return c.parser.Body() }
func (c *Client) Reason() string           { return "" }
func (c *Client) Closing() bool            { return c.closing }

// Refused gives back the batch's pending requests once the connection is closing and the
// server cannot have processed them.
func (c *Client) Refused(int) int {
	if !c.closing || !c.refused || !c.busy {
		return 0
	}
	n := len(c.heads) - c.next
	c.busy, c.restart = false, false
	return n
}

// Cancel: an HTTP/1.1 request cannot be abandoned without closing its connection.
func (c *Client) Cancel(int) bool { return false }
