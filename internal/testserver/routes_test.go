package testserver

import (
	"io"
	"strconv"
	"strings"
	"testing"
	"time"
)

func patternOf(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteByte(byte('a' + i%26))
	}
	return b.String()
}

func TestRoutes(t *testing.T) {
	s := start(t, Options{})
	c := dial(t, s)
	tests := []struct {
		target  string
		status  int
		body    string
		ctype   string
		chunked bool
	}{
		{"/", 200, "hello\n", textPlain, false},
		{"/hello", 200, "hello\n", textPlain, false},
		{"/hello?x=1&y", 200, "hello\n", textPlain, false},
		{"http://example/hello", 200, "hello\n", textPlain, false},
		{"http://example", 200, "hello\n", textPlain, false},
		{"/bytes/0", 200, "", "application/octet-stream", false},
		{"/bytes/1", 200, "a", "application/octet-stream", false},
		{"/bytes/100", 200, patternOf(100), "application/octet-stream", false},
		{"/bytes/200000", 200, patternOf(200000), "application/octet-stream", false},
		{"/bytes/67108865", 400, "", textPlain, false},
		{"/bytes/-1", 400, "", textPlain, false},
		{"/bytes/", 400, "", textPlain, false},
		{"/bytes/1x", 400, "", textPlain, false},
		{"/chunked/0", 200, "", "application/octet-stream", true},
		{"/chunked/10", 200, patternOf(10), "application/octet-stream", true},
		{"/chunked/100000", 200, patternOf(100000), "application/octet-stream", true},
		{"/chunked/67108865", 400, "", textPlain, false},
		{"/delay/1ms", 200, "hello\n", textPlain, false},
		{"/delay/0s", 200, "hello\n", textPlain, false},
		{"/delay/2m", 400, "", textPlain, false},
		{"/delay/-1s", 400, "", textPlain, false},
		{"/delay/soon", 400, "", textPlain, false},
		{"/status/200", 200, "200 OK\n", textPlain, false},
		{"/status/201", 201, "201 Created\n", textPlain, false},
		{"/status/404", 404, "404 Not Found\n", textPlain, false},
		{"/status/503", 503, "503 Service Unavailable\n", textPlain, false},
		{"/status/599", 599, "599 Unknown\n", textPlain, false},
		{"/status/204", 204, "", "", false},
		{"/status/304", 304, "", "", false},
		{"/status/205", 205, "", "", false},
		{"/status/600", 400, "", textPlain, false},
		{"/status/099", 400, "", textPlain, false},
		{"/status/20", 400, "", textPlain, false},
		{"/nope", 404, "404 Not Found\n", textPlain, false},
		{"/hello/", 404, "404 Not Found\n", textPlain, false},
		{"*", 404, "404 Not Found\n", textPlain, false},
		{"/bytes/3?delay=1ms", 200, "abc", "application/octet-stream", false},
		{"/?a=b&delay=bad", 400, "", textPlain, false},
	}
	for _, tt := range tests {
		r := c.get(tt.target)
		if r.StatusCode != tt.status {
			t.Errorf("%s: status %d, want %d (%q)", tt.target, r.StatusCode, tt.status, r.body)
			continue
		}
		if tt.status == 400 {
			if !strings.HasPrefix(r.body, "bad request: ") {
				t.Errorf("%s: 400 body %q does not say what is wrong", tt.target, r.body)
			}
		} else if r.body != tt.body {
			t.Errorf("%s: body %.40q (%d bytes), want %.40q (%d bytes)", tt.target, r.body, len(r.body), tt.body, len(tt.body))
		}
		if got := r.Header.Get("Content-Type"); got != tt.ctype {
			t.Errorf("%s: Content-Type %q, want %q", tt.target, got, tt.ctype)
		}
		if chunked := len(r.TransferEncoding) > 0; chunked != tt.chunked {
			t.Errorf("%s: chunked %v, want %v", tt.target, chunked, tt.chunked)
		}
		if !tt.chunked && tt.status != 204 && tt.status != 304 {
			if r.ContentLength != int64(len(r.body)) {
				t.Errorf("%s: Content-Length %d, body %d bytes", tt.target, r.ContentLength, len(r.body))
			}
		}
		if (tt.status == 204 || tt.status == 304) && r.Header.Get("Content-Length") != "" {
			t.Errorf("%s: has Content-Length %q", tt.target, r.Header.Get("Content-Length"))
		}
		if r.Close {
			t.Fatalf("%s: closes the connection", tt.target)
		}
	}
	// The connection survived every route above, including the 400s.
	if got := s.Requests(); got != uint64(len(tests)) {
		t.Errorf("Requests() = %d, want %d", got, len(tests))
	}
}

func TestLargestBody(t *testing.T) {
	if testing.Short() {
		t.Skip("64 MiB")
	}
	s := start(t, Options{})
	c := dial(t, s)
	// 64 MiB built, written and checked byte by byte takes more than dial's 10 s under -race on
	// a busy machine: a longer guard against a hang.
	if err := c.nc.SetDeadline(time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	c.send("GET /bytes/67108864 HTTP/1.1\r\nHost: t\r\n\r\n")
	r := c.read("GET")
	if r.ContentLength != 64<<20 || len(r.body) != 64<<20 || r.body != patternOf(64<<20) {
		t.Fatalf("got %d bytes (Content-Length %d), want 64 MiB of the pattern", len(r.body), r.ContentLength)
	}
}

func TestChunkFraming(t *testing.T) {
	s := start(t, Options{})
	c := dial(t, s)
	c.send("GET /chunked/9000 HTTP/1.1\r\nHost: t\r\n\r\n")
	if err := c.nc.(interface{ CloseWrite() error }).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(c.br)
	if err != nil {
		t.Fatal(err)
	}
	want := "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"1000\r\n" + patternOf(4096) + "\r\n" +
		"1000\r\n" + patternOf(8192)[4096:] + "\r\n" +
		"328\r\n" + patternOf(9000)[8192:] + "\r\n" +
		"0\r\n\r\n"
	if string(raw) != want {
		t.Fatalf("chunked response framed as\n%.300q\nwant\n%.300q", raw, want)
	}
}

func TestDelayRoute(t *testing.T) {
	s := start(t, Options{})
	c := dial(t, s)
	for _, target := range []string{"/delay/30ms", "/?delay=30ms", "/bytes/5?delay=30ms"} {
		t0 := time.Now()
		r := c.get(target)
		if el := time.Since(t0); el < 30*time.Millisecond || r.StatusCode != 200 {
			t.Errorf("%s: status %d after %v, want 200 after at least 30ms", target, r.StatusCode, el)
		}
	}
	// The query overrides the path.
	t0 := time.Now()
	c.get("/delay/10s?delay=0s")
	if el := time.Since(t0); el > 5*time.Second {
		t.Errorf("?delay=0s did not override /delay/10s: took %v", el)
	}
}

func TestClose(t *testing.T) {
	s := start(t, Options{})
	c := dial(t, s)
	// /close, then a request that must not be answered.
	c.send("GET /close HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n")
	r := c.read("GET")
	if r.body != "hello\n" || !r.Close {
		t.Fatalf("/close: body %q, Close %v", r.body, r.Close)
	}
	c.expectEOF()

	c = dial(t, s)
	c.send("GET / HTTP/1.1\r\nHost: t\r\nConnection: keep-alive, Close\r\n\r\n")
	if r := c.read("GET"); !r.Close {
		t.Fatalf("Connection: close request: response Close %v", r.Close)
	}
	c.expectEOF()
}

func TestStatusInterim(t *testing.T) {
	s := start(t, Options{})
	for _, code := range []int{100, 102, 103, 199} {
		c := dial(t, s)
		c.send("GET /status/" + strconv.Itoa(code) + " HTTP/1.1\r\nHost: t\r\n\r\n")
		if r := c.read("GET"); r.StatusCode != code {
			t.Fatalf("/status/%d: first response %d, want the interim %d", code, r.StatusCode, code)
		}
		if r := c.read("GET"); r.StatusCode != 200 || r.body != "hello\n" {
			t.Fatalf("/status/%d: final response %d %q, want 200 hello", code, r.StatusCode, r.body)
		}
		// An HTTP/1.0 client gets no interim response.
		c.send("GET /status/" + strconv.Itoa(code) + " HTTP/1.0\r\n\r\n")
		if r := c.read("GET"); r.StatusCode != 200 {
			t.Fatalf("/status/%d over HTTP/1.0: status %d, want 200", code, r.StatusCode)
		}
		c.expectEOF()
	}

	c := dial(t, s)
	c.send("GET /status/101 HTTP/1.1\r\nHost: t\r\n\r\n")
	raw, _ := io.ReadAll(c.br)
	if want := "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: volley-none\r\n\r\n"; string(raw) != want {
		t.Fatalf("/status/101: got %q, want %q then close", raw, want)
	}
}

func TestHead(t *testing.T) {
	s := start(t, Options{})
	c := dial(t, s)
	for _, target := range []string{"/", "/bytes/1000", "/bytes/100000", "/chunked/100000", "/status/503", "/status/204", "/nope", "/status/100"} {
		// HEAD, then a GET on the same connection: any body byte after
		// the HEAD response would corrupt the GET's.
		c.send("HEAD " + target + " HTTP/1.1\r\nHost: t\r\n\r\nGET " + target + " HTTP/1.1\r\nHost: t\r\n\r\n")
		h := c.read("HEAD")
		if target == "/status/100" {
			h = c.read("HEAD")
		}
		if h.body != "" {
			t.Fatalf("HEAD %s: has a body", target)
		}
		g := c.read("GET")
		if target == "/status/100" {
			g = c.read("GET")
		}
		if h.StatusCode != g.StatusCode || h.Header.Get("Content-Length") != g.Header.Get("Content-Length") ||
			h.Header.Get("Content-Type") != g.Header.Get("Content-Type") ||
			h.Header.Get("Transfer-Encoding") != g.Header.Get("Transfer-Encoding") {
			t.Fatalf("HEAD %s: header %v differs from GET's %v", target, h.Header, g.Header)
		}
	}
}

func TestHTTP10(t *testing.T) {
	s := start(t, Options{})
	c := dial(t, s)
	c.send("GET / HTTP/1.0\r\n\r\n")
	r := c.read("GET")
	if r.body != "hello\n" || !r.Close {
		t.Fatalf("HTTP/1.0: body %q, Close %v", r.body, r.Close)
	}
	c.expectEOF()

	c = dial(t, s)
	for range 2 {
		c.send("GET /chunked/10 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
		r = c.read("GET")
		if r.body != patternOf(10) || r.ContentLength != 10 || r.Header.Get("Connection") != "keep-alive" {
			t.Fatalf("HTTP/1.0 keep-alive /chunked/10: body %q, Content-Length %d, Connection %q",
				r.body, r.ContentLength, r.Header.Get("Connection"))
		}
	}
}

// /echo sends back the method and the body: what a client sent, as the server read it.
func TestEcho(t *testing.T) {
	s := start(t, Options{})
	c := dial(t, s)
	big := strings.Repeat("x", maxEcho+10)
	for _, tt := range []struct{ raw, method, want string }{
		{"GET /echo HTTP/1.1\r\nHost: h\r\n\r\n", "GET", "GET\n"},
		{"POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 7\r\n\r\n{\"a\":1}", "POST", "POST\n{\"a\":1}\n"},
		{"PUT /echo?delay=1ms HTTP/1.1\r\nHost: h\r\nContent-Length: " + strconv.Itoa(len(big)) + "\r\n\r\n" + big, "PUT", "PUT\n" + big[:maxEcho] + "\n"},
		{"HEAD /echo HTTP/1.1\r\nHost: h\r\n\r\n", "HEAD", ""},
	} {
		c.send(tt.raw)
		if r := c.read(tt.method); r.StatusCode != 200 || r.body != tt.want {
			t.Errorf("%.40q: status %d, body %.40q (%d bytes), want %.40q", tt.raw, r.StatusCode, r.body, len(r.body), tt.want)
		}
	}
}
