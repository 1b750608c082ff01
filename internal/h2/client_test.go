package h2

import (
	"bytes"
	"strconv"
	"testing"

	"volley/internal/h1"
	"volley/internal/wire"
)

func getText(path string) wire.Request {
	return wire.Request{Text: []byte("GET " + path + " HTTP/1.1\r\nHost: example\r\n\r\n"), Heads: []bool{false}}
}

// readyClient is a Client past the server's SETTINGS.
func readyClient(t *testing.T, streams int) *Client {
	t.Helper()
	c := Protocol{Streams: streams, Limits: h1.Limits{}}.NewConn("http", false).(*Client)
	c.Start()
	if c.Slots() != 0 || c.Reason() == "" {
		t.Fatal("no slot before the server's SETTINGS, and a reason")
	}
	if _, ev, _, err := c.Feed(settings()); err != nil || ev != wire.Ready {
		t.Fatalf("SETTINGS: %v %v", ev, err)
	}
	if c.Slots() != streams {
		t.Fatalf("slots %d, want %d", c.Slots(), streams)
	}
	c.Written(len(c.Output()))
	return c
}

// The HTTP/2 form of a request is made once per distinct request and found again by its text,
// and a connection keeps at most preparedCap of them, however many requests a script makes.
func TestClientPreparesEachRequestOnce(t *testing.T) {
	c := readyClient(t, 1)
	for i := range 3 * preparedCap {
		if err := c.Submit(0, getText("/"+strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
		c.Written(len(c.Output()))
		c.conn.Cancel(0)
	}
	if c.cached != preparedCap {
		t.Fatalf("%d prepared requests kept, want %d", c.cached, preparedCap)
	}
	first := getText("/a")
	p1, _ := c.prepare(first.Text)
	p2, _ := c.prepare(bytes.Clone(first.Text))
	if p1 != p2 {
		t.Fatal("an equal request text must find its prepared form")
	}
}

func TestClientRequestErrors(t *testing.T) {
	c := readyClient(t, 1)
	two := getText("/")
	two.Text, two.Heads = append(two.Text, two.Text...), []bool{false, false}
	var re *wire.RequestError
	if err := c.Submit(0, two); err == nil || !asRequestError(err, &re) {
		t.Fatalf("a pipelined batch: %v, want a RequestError", err)
	}
	bad := wire.Request{Text: []byte("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"), Heads: []bool{false}}
	if err := c.Submit(0, bad); err == nil || !asRequestError(err, &re) {
		t.Fatalf("a connection-specific header: %v, want a RequestError", err)
	}
}

func asRequestError(err error, re **wire.RequestError) bool {
	r, ok := err.(*wire.RequestError) //nolint:errorlint // Submit returns it unwrapped
	*re = r
	return ok
}

// GOAWAY closes the connection to new streams; a stream above its last identifier is refused,
// and a stream reset by the server fails alone, with the code named.
func TestClientEvents(t *testing.T) {
	c := readyClient(t, 3)
	for i := range 3 {
		if err := c.Submit(i, getText("/")); err != nil {
			t.Fatal(err)
		}
	}
	_, ev, slot, err := c.Feed(AppendRSTStream(nil, id(0), CodeRefusedStream))
	if err != nil || ev != wire.Failed || slot != 0 || c.Reason() != "http2: stream reset by the server (REFUSED_STREAM)" {
		t.Fatalf("reset: %v %d %v %q", ev, slot, err, c.Reason())
	}
	_, ev, _, err = c.Feed(AppendGoAway(nil, id(1), CodeNo))
	if err != nil || ev != wire.Closing || !c.Closing() || c.Slots() != 0 || c.Reason() != "" {
		t.Fatalf("GOAWAY: %v %v closing %v slots %d %q", ev, err, c.Closing(), c.Slots(), c.Reason())
	}
	if c.Refused(1) != 0 || c.Refused(2) != 1 || c.Pending(1) != 1 || c.Pending(2) != 0 {
		t.Fatal("stream 3 is still answered, stream 5 is refused")
	}
	if _, _, err := c.Lost(nil); err == nil {
		t.Fatal("losing the connection with stream 3 open is an error")
	}
	if err := c.Submit(0, getText("/")); err != wire.ErrNoSlot { //nolint:errorlint // the sentinel itself
		t.Fatalf("Submit after GOAWAY: %v, want ErrNoSlot", err)
	}
}
