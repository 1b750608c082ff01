package h2

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strconv"

	"volley/internal/h1"
	"volley/internal/wire"
)

// Protocol is HTTP/2 as the engine drives it: a slot per stream a connection may open.
type Protocol struct {
	Streams   int       // --streams: slots per connection; the server's MAX_CONCURRENT_STREAMS caps it
	Limits    h1.Limits // bounds of a response, as for HTTP/1.1
	Authority string    // :authority when a request has no Host
}

func (Protocol) Name() string { return "http2" }
func (p Protocol) Slots() int { return max(p.Streams, 1) }
func (Protocol) ALPN() string { return "h2" }

// Greet sends the h2c preface with empty SETTINGS and reads the answer, which must start with
// the server's SETTINGS.
func (Protocol) Greet(rw io.ReadWriter) error {
	hello := AppendFrameHeader([]byte(Preface), 0, FrameSettings, 0, 0)
	if _, err := rw.Write(hello); err != nil {
		return err
	}
	var b [64]byte
	n, err := io.ReadAtLeast(rw, b[:], HeaderLen)
	if n >= HeaderLen {
		if fh := ParseFrameHeader(b[:]); fh.Type == FrameSettings && fh.Flags&FlagAck == 0 && fh.Stream == 0 {
			return nil
		}
		return errors.New("no HTTP/2 with prior knowledge (h2c): it answered the preface with " + strconv.QuoteToASCII(string(b[:n])))
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return errors.New("no HTTP/2 with prior knowledge (h2c): no answer to the preface")
	}
	return errors.New("no HTTP/2 with prior knowledge (h2c): it closed the connection after the preface")
}

func (p Protocol) NewConn(scheme string, capture bool) wire.Conn {
	c := &Client{scheme: scheme, authority: p.Authority}
	c.conn.Init(Config{Streams: p.Streams, Limits: p.Limits, Capture: capture})
	return c
}

// preparedCap is how many distinct requests a connection keeps in HTTP/2 form: enough for the
// usual few payloads of a targets file or a script, so that a request repeated costs nothing.
const preparedCap = 8

type prepared struct {
	src []byte // the request text it was made from
	req Request
}

// Client adapts Conn to the engine's wire.Conn: it turns request text into frames' content,
// once per distinct request, and names the events.
type Client struct {
	conn              Conn
	scheme, authority string
	cache             [preparedCap]prepared
	cached, victim    int
	lost              bool
	reason            string
}

func (c *Client) Start() {
	c.conn.Start()
	c.lost, c.reason = false, ""
}

// Slots is 0 until the server's SETTINGS, then --streams capped by the server, and 0 again
// after GOAWAY.
func (c *Client) Slots() int {
	if c.lost || !c.conn.CanOpen() {
		return 0
	}
	return c.conn.MaxStreams()
}

func (c *Client) Submit(slot int, r wire.Request) error {
	if len(r.Heads) != 1 {
		return &wire.RequestError{Msg: "--http2: a batch of " + strconv.Itoa(len(r.Heads)) +
			" pipelined requests; HTTP/2 sends one request per stream (see --streams)"}
	}
	req, err := c.prepare(r.Text)
	if err != nil {
		return &wire.RequestError{Msg: "--http2: " + err.Error()}
	}
	if err := c.conn.Submit(slot, req); err != nil {
		if errors.Is(err, ErrNoStreams) {
			return wire.ErrNoSlot
		}
		return err
	}
	return nil
}

// prepare returns the HTTP/2 form of text. On a miss it works on a copy: a script may reuse
// the buffer of its request while a body still waits for the window.
func (c *Client) prepare(text []byte) (*Request, error) {
	for i := range c.cache[:c.cached] {
		if p := &c.cache[i]; bytes.Equal(p.src, text) {
			return &p.req, nil
		}
	}
	src := bytes.Clone(text)
	req, err := Prepare(src, c.scheme, c.authority)
	if err != nil {
		return nil, err
	}
	i := c.cached
	if i == preparedCap {
		i, c.victim = c.victim, (c.victim+1)%preparedCap
	} else {
		c.cached++
	}
	c.cache[i] = prepared{src: src, req: req}
	return &c.cache[i].req, nil
}

func (c *Client) Pending(slot int) int {
	if c.conn.streams[slot].state == ssOpen {
		return 1
	}
	return 0
}

func (c *Client) Output() []byte { return c.conn.Output() }
func (c *Client) Written(n int)  { c.conn.Written(n) }

func (c *Client) Feed(b []byte) (int, wire.Event, int, error) {
	n, ev, slot, err := c.conn.Feed(b)
	if err != nil {
		return n, wire.None, slot, err
	}
	switch ev {
	case Ready:
		return n, wire.Ready, slot, nil
	case Response:
		return n, wire.Response, slot, nil
	case Reset:
		c.reason = "http2: stream reset by the server (" + c.conn.ResetCode().String() + ")"
		return n, wire.Failed, slot, nil
	case GoAway:
		c.reason = ""
		if code := c.conn.GoAwayCode(); code != CodeNo {
			c.reason = "http2: the server sent GOAWAY (" + code.String() + ")"
		}
		return n, wire.Closing, slot, nil
	}
	return n, wire.None, slot, nil
}

// Lost: streams still open when the connection ends are lost, unless GOAWAY refused them.
func (c *Client) Lost(cause error) (wire.Event, int, error) {
	c.lost = true
	open := c.conn.Open()
	if open == 0 {
		return wire.None, -1, nil
	}
	reason := "connection closed by the server"
	if cause != nil {
		reason = cause.Error()
	}
	return wire.None, -1, errors.New(reason + " with " + strconv.Itoa(open) + " streams unanswered")
}

func (c *Client) Status(slot int) int           { return c.conn.Status(slot) }
func (c *Client) Headers(slot int) []wire.Field { return c.conn.Headers(slot) }
func (c *Client) Body(slot int) []byte          { return c.conn.Body(slot) }

// Reason explains the last Failed or Closing event, or why the connection is not ready.
func (c *Client) Reason() string {
	if c.reason == "" && !c.conn.settingsSeen {
		return "http2: no SETTINGS from the server"
	}
	return c.reason
}

func (c *Client) Closing() bool { return c.lost || c.conn.goaway || c.conn.err != nil }

func (c *Client) Refused(slot int) int {
	if c.conn.Refused(slot) {
		return 1
	}
	return 0
}

// Cancel resets the slot's stream; the connection goes on.
func (c *Client) Cancel(slot int) bool {
	c.conn.Cancel(slot)
	return true
}
