package h1

import (
	"syscall"
	"testing"

	"volley/internal/wire"
)

const (
	okResp    = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	closeResp = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"
	getReq    = "GET / HTTP/1.1\r\nHost: h\r\n\r\n"
)

// submit starts a connection and sends a batch of n GETs, all of it written.
func submit(t *testing.T, n int) *Client {
	t.Helper()
	c := Protocol{}.NewConn("http", false).(*Client)
	c.Start()
	text, heads := []byte{}, []bool{}
	for range n {
		text, heads = append(text, getReq...), append(heads, false)
	}
	if err := c.Submit(0, wire.Request{Text: text, Heads: heads}); err != nil {
		t.Fatal(err)
	}
	if string(c.Output()) != string(text) {
		t.Fatalf("output %q, want the batch's text as it is", c.Output())
	}
	c.Written(len(text))
	return c
}

// feed feeds s whole and returns the events.
func feed(t *testing.T, c *Client, s string) []wire.Event {
	t.Helper()
	var evs []wire.Event
	b := []byte(s)
	for len(b) > 0 {
		n, ev, _, err := c.Feed(b)
		if err != nil {
			t.Fatal(err)
		}
		b = b[n:]
		if ev != wire.None {
			evs = append(evs, ev)
		}
	}
	return evs
}

func TestClientPipelinedBatch(t *testing.T) {
	c := submit(t, 3)
	if got := feed(t, c, okResp+okResp); len(got) != 2 || c.Pending(0) != 1 {
		t.Fatalf("events %v, pending %d; want 2 responses, 1 pending", got, c.Pending(0))
	}
	if c.Status(0) != 200 || c.Closing() || c.Refused(0) != 0 || c.Slots() != 1 {
		t.Fatalf("status %d closing %v slots %d", c.Status(0), c.Closing(), c.Slots())
	}
	feed(t, c, okResp)
	if c.Pending(0) != 0 {
		t.Fatal("the batch is complete")
	}
	if _, _, _, err := c.Feed([]byte(okResp)); err == nil {
		t.Fatal("a response with no request outstanding must be an error")
	}
}

// What is pipelined behind a response that closes the connection was never processed: it is
// refused, to be sent again.
func TestClientConnectionCloseRefusesTheRest(t *testing.T) {
	c := submit(t, 3)
	feed(t, c, closeResp)
	if !c.Closing() || c.Slots() != 0 {
		t.Fatal("Connection: close must close the connection to new requests")
	}
	if n := c.Refused(0); n != 2 {
		t.Fatalf("refused %d, want the 2 requests behind the closing response", n)
	}
	if c.Pending(0) != 0 || c.Refused(0) != 0 {
		t.Fatal("refused requests are forgotten")
	}
	if err := c.Submit(0, wire.Request{Text: []byte(getReq), Heads: []bool{false}}); err != wire.ErrNoSlot { //nolint:errorlint // the sentinel itself
		t.Fatalf("Submit on a closing connection: %v, want ErrNoSlot", err)
	}
}

func TestClientLost(t *testing.T) {
	cases := []struct {
		name      string
		batch     int
		before    string // answered before this batch, on the same connection
		got       string // bytes of the batch's responses before the close
		cause     error
		wantEv    wire.Event
		wantErr   bool
		wantRefus int
	}{
		{"idle", 0, "", "", nil, wire.None, false, 0},
		{"keep-alive race: closed as the request went out", 1, okResp, "", nil, wire.None, false, 1},
		{"keep-alive race: reset", 1, okResp, "", syscall.ECONNRESET, wire.None, false, 1},
		{"reset on a fresh connection is an error", 1, "", "", syscall.ECONNRESET, wire.None, true, 0},
		{"closed before the first response of a new connection", 1, "", "", nil, wire.None, true, 0},
		{"closed between two pipelined responses", 3, "", okResp, nil, wire.None, false, 2},
		{"closed in a body", 2, "", "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nab", nil, wire.None, true, 0},
		{"body until close", 2, "", "HTTP/1.1 200 OK\r\n\r\nabc", nil, wire.Response, false, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var c *Client
			if tc.before != "" {
				c = submit(t, 1)
				feed(t, c, tc.before)
			}
			if tc.batch > 0 {
				if c == nil {
					c = submit(t, tc.batch)
				} else {
					req := []byte{}
					heads := []bool{}
					for range tc.batch {
						req, heads = append(req, getReq...), append(heads, false)
					}
					_ = c.Submit(0, wire.Request{Text: req, Heads: heads})
					c.Written(len(req))
				}
			} else {
				c = submit(t, 1)
				feed(t, c, okResp)
			}
			feed(t, c, tc.got)
			ev, _, err := c.Lost(tc.cause)
			if ev != tc.wantEv || (err != nil) != tc.wantErr {
				t.Fatalf("Lost: event %v error %v; want event %v, error %v", ev, err, tc.wantEv, tc.wantErr)
			}
			if !c.Closing() {
				t.Fatal("a lost connection is closing")
			}
			if n := c.Refused(0); n != tc.wantRefus {
				t.Fatalf("refused %d, want %d", n, tc.wantRefus)
			}
		})
	}
}

// A response cannot answer a request that was not written yet: bytes that arrive before are
// the server's, unasked.
func TestClientDataBeforeTheRequestIsAnError(t *testing.T) {
	c := Protocol{}.NewConn("http", false).(*Client)
	c.Start()
	if err := c.Submit(0, wire.Request{Text: []byte(getReq), Heads: []bool{false}}); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := c.Feed([]byte(okResp)); err == nil {
		t.Fatal("a response before its request was written must be an error")
	}
	if len(c.Output()) != 0 {
		t.Fatal("after an error, HTTP/1.1 has nothing to say")
	}
	if c.Cancel(0) {
		t.Fatal("HTTP/1.1 cannot abandon a request and keep the connection")
	}
}
