package h2

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/http2/hpack"

	"volley/internal/h1"
)

// block HPACK-encodes name/value pairs, as a server would after volley's SETTINGS: without the
// dynamic table.
func block(kv ...string) []byte {
	var b bytes.Buffer
	e := hpack.NewEncoder(&b)
	e.SetMaxDynamicTableSizeLimit(ourTableSize)
	for i := 0; i+1 < len(kv); i += 2 {
		_ = e.WriteField(hpack.HeaderField{Name: kv[i], Value: kv[i+1]})
	}
	return b.Bytes()
}

func settings(kv ...uint32) []byte {
	var p []byte
	for i := 0; i+1 < len(kv); i += 2 {
		p = AppendSetting(p, uint16(kv[i]), kv[i+1]) //nolint:gosec // G115: the tests' setting identifiers are small
	}
	return AppendFrame(nil, FrameSettings, 0, 0, p)
}

type result struct {
	events []string
	err    string
}

// feed gives the connection b in pieces of at most piece bytes, collecting events.
func feed(c *Conn, b []byte, piece int) result {
	var r result
	for len(b) > 0 {
		p := b[:min(piece, len(b))]
		b = b[len(p):]
		for len(p) > 0 {
			n, ev, slot, err := c.Feed(p)
			p = p[n:]
			if err != nil {
				r.err = err.Error()
				return r
			}
			switch ev {
			case Ready:
				r.events = append(r.events, "ready")
			case Response:
				r.events = append(r.events, "response "+itoa(slot)+" "+itoa(c.Status(slot)))
			case Reset:
				r.events = append(r.events, "reset "+itoa(slot)+" "+c.ResetCode().String())
			case GoAway:
				r.events = append(r.events, "goaway "+c.GoAwayCode().String())
			}
		}
	}
	return r
}

func itoa(i int) string {
	return string(rune('0'+i/100%10)) + string(rune('0'+i/10%10)) + string(rune('0'+i%10))
}

// started is a connection past the server's SETTINGS with a GET on each of its slots.
func started(t testing.TB, streams int, lim h1.Limits, serverSettings []byte) *Conn {
	c := new(Conn)
	c.Init(Config{Streams: streams, Limits: lim, Capture: true})
	c.Start()
	if !bytes.HasPrefix(c.Output(), []byte(Preface)) {
		t.Fatal("no preface")
	}
	if r := feed(c, serverSettings, 1<<20); r.err != "" || len(r.events) != 1 {
		t.Fatalf("settings: %+v", r)
	}
	req, err := Prepare([]byte("GET /x HTTP/1.1\r\nHost: example\r\nUser-Agent: t\r\n\r\n"), "http", "")
	if err != nil {
		t.Fatal(err)
	}
	for i := range streams {
		if err := c.Submit(i, &req); err != nil {
			t.Fatal(err)
		}
	}
	c.Written(len(c.Output()))
	return c
}

// id is the stream identifier of slot i's first stream.
func id(i int) uint32 { return uint32(2*i + 1) } //nolint:gosec // G115: the tests' slots are few

func ok200(stream uint32, body string) []byte {
	b := AppendFrame(nil, FrameHeaders, FlagEndHeaders, stream, block(":status", "200", "content-length", itoa(len(body))[3-len(itoa(len(body))):]))
	return AppendFrame(b, FrameData, FlagEndStream, stream, []byte(body))
}

func TestResponsesInAnyPieces(t *testing.T) {
	var in []byte
	in = append(in, ok200(id(1), "")...)
	in = AppendFrame(in, FramePing, 0, 0, []byte("12345678"))
	in = append(in, ok200(id(0), "hello")...)
	// padded DATA and HEADERS with priority, as some servers send
	hb := block(":status", "404", "x-a", "b")
	p := append([]byte{2}, 0, 0, 0, 0, 16)
	p = append(append(p, hb...), 0, 0)
	in = AppendFrame(in, FrameHeaders, FlagEndHeaders|FlagPadded|FlagPriority, id(2), p)
	in = AppendFrame(in, FrameData, FlagEndStream|FlagPadded, id(2), []byte{3, 'o', 'k', 0, 0, 0})
	want := "response 001 200,response 000 200,response 002 404"
	for _, piece := range []int{1 << 20, 1, 2, 7, 10} {
		c := started(t, 3, h1.Limits{}, settings())
		r := feed(c, in, piece)
		if r.err != "" || strings.Join(r.events, ",") != want {
			t.Fatalf("pieces of %d: %+v", piece, r)
		}
		if string(c.Body(0)) != "hello" || string(c.Body(2)) != "ok" || len(c.Headers(2)) != 1 || c.Headers(2)[0].Name != "x-a" {
			t.Fatalf("kept %q %q %+v", c.Body(0), c.Body(2), c.Headers(2))
		}
		if !bytes.Contains(c.Output(), AppendFrame(nil, FramePing, FlagAck, 0, []byte("12345678"))) {
			t.Fatal("PING not acknowledged")
		}
	}
}

func TestSlotsFindTheirStreams(t *testing.T) {
	c := started(t, 4, h1.Limits{}, settings())
	// answer slot 2 only, then reuse it: its next stream is above every stream opened so far
	feed(c, ok200(id(2), ""), 99)
	req, _ := Prepare([]byte("GET / HTTP/1.1\r\nHost: h\r\n\r\n"), "http", "")
	if err := c.Submit(2, &req); err != nil {
		t.Fatal(err)
	}
	next := ParseFrameHeader(c.Output()).Stream
	if next <= id(3) || (next>>1)%4 != 2 {
		t.Fatalf("slot 2's next stream is %d", next)
	}
	if r := feed(c, ok200(next, "x"), 5); r.err != "" || r.events[0] != "response 002 200" {
		t.Fatalf("%+v", r)
	}
}

// Bodies go out as the socket takes them: with every window wide open, no more than pumpMax
// bytes of them (and a frame) are queued at once, and each Written of the whole queue brings
// the next part, until every body has gone.
func TestBodiesAreQueuedAsTheSocketTakesThem(t *testing.T) {
	c := new(Conn)
	c.Init(Config{Streams: 4})
	c.Start()
	feed(c, append(settings(uint32(SettingInitialWindowSize), 1<<31-1), AppendWindowUpdate(nil, 0, 1<<31-1-65535)...), 1<<20)
	c.Written(len(c.Output()))
	const size = 3 << 20
	req, err := Prepare([]byte("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3145728\r\n\r\n"+strings.Repeat("b", size)), "http", "")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if err := c.Submit(i, &req); err != nil {
			t.Fatal(err)
		}
	}
	total := 0
	for rounds := 0; len(c.Output()) > 0; rounds++ {
		if n := len(c.Output()); n > pumpMax+HeaderLen+minMaxFrameSize {
			t.Fatalf("%d bytes queued at once", n)
		}
		if rounds > 4*size/minMaxFrameSize {
			t.Fatal("the bodies never finish")
		}
		total += len(c.Output())
		c.Written(len(c.Output()))
	}
	if total < 4*size {
		t.Fatalf("%d bytes sent, want the 4 bodies' %d", total, 4*size)
	}
}

func TestSendWaitsForTheWindow(t *testing.T) {
	c := new(Conn)
	c.Init(Config{Streams: 1})
	c.Start()
	feed(c, settings(uint32(SettingInitialWindowSize), 1000, uint32(SettingMaxFrameSize), 1<<14), 99)
	c.Written(len(c.Output()))
	body := strings.Repeat("b", 3000)
	req, err := Prepare([]byte("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3000\r\n\r\n"+body), "http", "")
	if err != nil || len(req.Body) != 3000 {
		t.Fatal(err, len(req.Body))
	}
	if err := c.Submit(0, &req); err != nil {
		t.Fatal(err)
	}
	sent := func() (n int, end bool) {
		out := c.Output()
		for len(out) >= HeaderLen {
			fh := ParseFrameHeader(out)
			if fh.Type == FrameData {
				n += int(fh.Length)
				end = end || fh.Flags&FlagEndStream != 0
			}
			out = out[HeaderLen+int(fh.Length):]
		}
		c.Written(len(c.Output()))
		return n, end
	}
	if n, end := sent(); n != 1000 || end {
		t.Fatalf("sent %d bytes before any WINDOW_UPDATE (end %v)", n, end)
	}
	feed(c, AppendWindowUpdate(nil, 1, 5000), 99)
	if n, end := sent(); n != 2000 || !end {
		t.Fatalf("sent %d more bytes after the WINDOW_UPDATE (end %v)", n, end)
	}
}

func TestGoAwayRefusesStreamsAboveTheLast(t *testing.T) {
	c := started(t, 3, h1.Limits{}, settings())
	r := feed(c, AppendGoAway(nil, id(1), CodeNo), 3)
	if r.err != "" || r.events[0] != "goaway NO_ERROR" {
		t.Fatalf("%+v", r)
	}
	if c.Refused(0) || c.Refused(1) || !c.Refused(2) || c.CanOpen() {
		t.Fatal("streams 1 and 3 are processed, 5 is not, and no stream opens")
	}
	if r := feed(c, append(ok200(id(0), ""), ok200(id(1), "")...), 4); r.err != "" || len(r.events) != 2 {
		t.Fatalf("%+v", r)
	}
	if c.Open() != 0 {
		t.Fatal(c.Open())
	}
}

func TestResetsAndLateFrames(t *testing.T) {
	c := started(t, 2, h1.Limits{}, settings())
	c.Cancel(0) // timed out: its late response is ignored
	in := AppendRSTStream(nil, id(1), CodeRefusedStream)
	in = append(in, ok200(id(0), "late")...)
	r := feed(c, in, 5)
	if r.err != "" || strings.Join(r.events, ",") != "reset 001 REFUSED_STREAM" {
		t.Fatalf("%+v", r)
	}
	// A slot whose streams time out again and again: every late answer is ignored, however
	// many streams the slot has opened since.
	req, _ := Prepare([]byte("GET / HTTP/1.1\r\nHost: h\r\n\r\n"), "http", "")
	var cancelled []uint32
	for range 5 {
		if err := c.Submit(0, &req); err != nil {
			t.Fatal(err)
		}
		cancelled = append(cancelled, c.lastOpened)
		c.Cancel(0)
	}
	if err := c.Submit(0, &req); err != nil {
		t.Fatal(err)
	}
	in = nil
	for _, id := range cancelled {
		in = append(in, ok200(id, "late")...)
	}
	in = append(in, ok200(c.lastOpened, "")...)
	if r := feed(c, in, 7); r.err != "" || strings.Join(r.events, ",") != "response 000 200" {
		t.Fatalf("%+v", r)
	}
}

// Every hostile behaviour is a connection error whose message names it.
func TestHostileServers(t *testing.T) {
	big := strings.Repeat("v", 1500)
	resp := func(kv ...string) []byte {
		return AppendFrame(nil, FrameHeaders, FlagEndHeaders|FlagEndStream, id(0), block(kv...))
	}
	var contFlood []byte
	contFlood = AppendFrame(contFlood, FrameHeaders, 0, id(0), block(":status", "200"))
	for range 2000 {
		contFlood = AppendFrame(contFlood, FrameContinuation, 0, id(0), nil)
	}
	// one field longer than the whole list may be, split over CONTINUATION frames
	contBig := AppendFrame(nil, FrameHeaders, 0, id(0), append(block(":status", "200"), 0x40, 1, 'a', 0x7f, 0x81, 0x20))
	for range 10 {
		contBig = AppendFrame(contBig, FrameContinuation, 0, id(0), make([]byte, 1000))
	}
	// an HPACK bomb: one large entry in the dynamic table, then referenced again and again —
	// but volley allows no dynamic table
	var bomb bytes.Buffer
	be := hpack.NewEncoder(&bomb)
	_ = be.WriteField(hpack.HeaderField{Name: ":status", Value: "200"})
	_ = be.WriteField(hpack.HeaderField{Name: "x-big", Value: big})
	for range 100 {
		bomb.WriteByte(0x80 | 62) // indexed: dynamic table entry 1
	}
	// Huffman coding makes 700 'a's 438 bytes: a list over the bound from a block under it
	long := strings.Repeat("a", 700)
	flood := func(f []byte, n int) []byte { return bytes.Repeat(f, n) }
	window := AppendFrame(nil, FrameHeaders, FlagEndHeaders, id(0), block(":status", "200"))
	window = AppendFrame(window, FrameData, 0, id(0), make([]byte, 1500)) // volley gave 1000 (below)
	cases := []struct {
		name    string
		streams int
		in      []byte
		want    string
	}{
		{"http/1.1 answer", 1, []byte("HTTP/1.1 400 Bad Request\r\n\r\n"), "did not answer the connection preface with SETTINGS"},
		{"push", 1, AppendFrame(nil, FramePushPromise, FlagEndHeaders, id(0), []byte{0, 0, 0, 2}), "PUSH_PROMISE"},
		{"frame too large", 1, AppendFrameHeader(nil, 16385, FrameData, 0, id(0)), "over SETTINGS_MAX_FRAME_SIZE"},
		{"endless continuation", 1, contFlood, "flood of frames that carry nothing"},
		{"huge continuation", 1, contBig, "a response header field over 2048 bytes"},
		{"hpack bomb", 1, AppendFrame(nil, FrameHeaders, FlagEndHeaders, id(0), bomb.Bytes()), "HPACK: decoding error: invalid indexed representation index 62"},
		{"long header list", 1, resp(":status", "200", "a", long, "b", long, "c", long), "decoded response header list over 2048 bytes"},
		{"too many fields", 1, resp(":status", "200", "a", "1", "b", "1", "c", "1", "d", "1", "e", "1"), "more than 4 response header fields"},
		{"ping flood", 1, flood(AppendFrame(nil, FramePing, 0, 0, make([]byte, 8)), 1500), "PING or SETTINGS flood"},
		{"settings flood", 1, flood(settings(), 1500), "PING or SETTINGS flood"},
		{"empty data flood", 1, append(AppendFrame(nil, FrameHeaders, FlagEndHeaders, id(0), block(":status", "200")), flood(AppendFrame(nil, FrameData, 0, id(0), nil), 1500)...), "flood of frames that carry nothing"},
		{"window overflow", 1, AppendWindowUpdate(AppendWindowUpdate(nil, 0, 1<<31-1), 0, 1<<31-1), "WINDOW_UPDATE overflows the connection's window"},
		{"stream window overflow", 1, AppendWindowUpdate(nil, id(0), 1<<31-1), "overflows a stream's window"},
		{"zero increment", 1, AppendWindowUpdate(nil, 0, 0), "increment of 0"},
		{"data beyond the window", 1, window, "DATA beyond the stream's flow-control window"},
		{"data before headers", 1, AppendFrame(nil, FrameData, 0, id(0), []byte("x")), "DATA frame before the response's HEADERS"},
		{"headers on a closed stream", 1, append(resp(":status", "200"), resp(":status", "200")...), "HEADERS frame on closed stream 1"},
		{"headers on an idle stream", 1, AppendFrame(nil, FrameHeaders, FlagEndHeaders, 9, block(":status", "200")), "never opened"},
		{"duplicate status", 1, resp(":status", "200", ":status", "204"), "duplicate :status"},
		{"invalid status", 1, resp(":status", "2x0"), "invalid :status"},
		{"no status", 1, resp("a", "b"), "no :status"},
		{"pseudo after regular", 1, resp("a", "b", ":status", "200"), "after regular fields"},
		{"upper-case name", 1, resp(":status", "200", "X-A", "b"), "upper-case header name"},
		{"control in value", 1, resp(":status", "200", "a", "b\r\nc"), "value contains"},
		{"connection header", 1, resp(":status", "200", "connection", "close"), "connection-specific"},
		{"interrupted header block", 1, append(AppendFrame(nil, FrameHeaders, 0, id(0), block(":status", "200")), AppendFrame(nil, FramePing, 0, 0, make([]byte, 8))...), "in the middle of a header block"},
		{"push enabled", 1, settings(uint32(SettingEnablePush), 1), "ENABLE_PUSH"},
		{"frame size setting", 1, settings(uint32(SettingMaxFrameSize), 100), "SETTINGS_MAX_FRAME_SIZE of 100"},
		{"bad hpack", 1, AppendFrame(nil, FrameHeaders, FlagEndHeaders, id(0), []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}), "HPACK"},
	}
	lim := h1.Limits{MaxHeaderBytes: 2048, MaxHeaders: 4}
	for _, tc := range cases {
		if tc.want == "" {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			var c *Conn
			if tc.name == "http/1.1 answer" {
				c = new(Conn)
				c.Init(Config{Streams: 1, Limits: lim})
				c.Start()
			} else {
				c = started(t, tc.streams, lim, settings())
			}
			c.streams[0].recvWin = 1000
			r := feed(c, tc.in, 1000)
			if !strings.Contains(r.err, tc.want) {
				t.Fatalf("got %+v, want an error with %q", r, tc.want)
			}
			if len(c.Output()) > maxOut+1<<16 {
				t.Fatalf("%d bytes queued", len(c.Output()))
			}
		})
	}
}

// A server that resets every stream it is given gets a few hundred, not an endless loop.
func TestMassReset(t *testing.T) {
	c := started(t, 1, h1.Limits{}, settings())
	req, _ := Prepare([]byte("GET / HTTP/1.1\r\nHost: h\r\n\r\n"), "http", "")
	for i := range 200 {
		r := feed(c, AppendRSTStream(nil, c.lastOpened, CodeRefusedStream), 100)
		if r.err != "" {
			if !strings.Contains(r.err, "streams reset en masse") || i < 100 {
				t.Fatalf("after %d resets: %s", i, r.err)
			}
			return
		}
		if err := c.Submit(0, &req); err != nil {
			t.Fatal(err)
		}
	}
	t.Fatal("200 resets in a row accepted")
}

func TestContentLengthMustMatch(t *testing.T) {
	c := started(t, 1, h1.Limits{}, settings())
	in := AppendFrame(nil, FrameHeaders, FlagEndHeaders, id(0), block(":status", "200", "content-length", "9"))
	in = AppendFrame(in, FrameData, FlagEndStream, id(0), []byte("short"))
	if r := feed(c, in, 100); !strings.Contains(r.err, "content-length said 9") {
		t.Fatalf("%+v", r)
	}
}

func TestPrepare(t *testing.T) {
	r, err := Prepare([]byte("POST /p?q HTTP/1.1\r\nHost: h:1\r\nX-Mixed: V\r\nContent-Length: 2\r\n\r\nab"), "https", "dflt")
	if err != nil {
		t.Fatal(err)
	}
	fields, err := hpack.NewDecoder(4096, nil).DecodeFull(r.Block)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fields {
		got = append(got, f.Name+"="+f.Value)
	}
	if strings.Join(got, " ") != ":method=POST :scheme=https :authority=h:1 :path=/p?q x-mixed=V content-length=2" || string(r.Body) != "ab" {
		t.Fatalf("%v %q", got, r.Body)
	}
	for _, h := range []string{"Connection: close", "Keep-Alive: 1", "Proxy-Connection: x", "Upgrade: h2c", "TE: gzip", "Transfer-Encoding: chunked"} {
		if _, err := Prepare([]byte("GET / HTTP/1.1\r\nHost: h\r\n"+h+"\r\n\r\n"), "http", ""); err == nil || !strings.Contains(err.Error(), "connection-specific") {
			t.Errorf("%s: %v", h, err)
		}
	}
	if _, err := Prepare([]byte("GET / HTTP/1.1\r\nTE: trailers\r\n\r\n"), "http", "h"); err != nil {
		t.Error(err)
	}
	r, err = Prepare([]byte("GET http://other:8/x HTTP/1.1\r\n\r\n"), "https", "h")
	if err != nil {
		t.Fatal(err)
	}
	fields, _ = hpack.NewDecoder(4096, nil).DecodeFull(r.Block)
	if fields[1].Value != "http" || fields[2].Value != "other:8" || fields[3].Value != "/x" {
		t.Fatalf("absolute form: %v", fields)
	}
}
