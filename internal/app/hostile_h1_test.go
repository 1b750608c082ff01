package app

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"
)

// readRequestHead reads one request head (volley's GETs and HEADs have no body); false when
// the connection ended first.
func readRequestHead(br *bufio.Reader) bool {
	_, err := readHead(br)
	return err == nil
}

// respondEach answers every request of a connection with resp, and closes the connection
// after the first answer when closeAfter; heads counts the request heads read.
func respondEach(resp string, closeAfter bool, heads *atomic.Int64) func(net.Conn) {
	return func(c net.Conn) {
		br := bufio.NewReader(c)
		for readRequestHead(br) {
			heads.Add(1)
			if _, err := io.WriteString(c, resp); err != nil || closeAfter {
				return
			}
		}
	}
}

const okResponse = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

// gzipBomb is a gzip body of 64 MiB of zeros: volley counts what it reads and never inflates it.
func gzipBomb(t *testing.T) string {
	t.Helper()
	var b bytes.Buffer
	w, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(make([]byte, 64<<20)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Servers that break HTTP/1.1 in every way the red-team pass tried, each through the whole
// program: the run ends on time (its -d plus the end-of-run drain), exits 0 with the trouble
// counted under a named reason, counts only final responses to requests it sent, and nothing
// the server said reaches the output unescaped. The responses are in
// internal/h1/testdata/fuzz/FuzzResponseParser too.
func TestHostileHTTP1Servers(t *testing.T) {
	bomb := gzipBomb(t)
	const none, some = 0, 1 // how many requests the run may count
	cases := []struct {
		name     string
		resp     string           // the answer to every request, unless serve is set
		serve    func(net.Conn)   // the connection's handler instead
		early    string           // written as soon as the connection is accepted, before resp
		close    bool             // close the connection after the first answer
		args     []string         // more flags
		want     string           // in the output
		requests int              // none, or some
		exact    bool             // the run counts exactly the requests the server read
		atMost   bool             // the run counts at most the requests the server read
		check    func(out string) // anything else
	}{
		{name: "huge status line", serve: forever("HTTP/1.1 200 ", strings.Repeat("A", 4096)), want: "response header section is larger than 65536 bytes"},
		{name: "header flood", serve: forever("HTTP/1.1 200 OK\r\n", strings.Repeat("X-A: b\r\n", 64)), want: "more than 256 header fields"},
		{name: "one endless header", serve: forever("HTTP/1.1 200 OK\r\nX-A: ", strings.Repeat("a", 4096)), want: "response header section is larger than 65536 bytes"},
		{name: "obs-fold", resp: "HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 2\r\n\r\nok", want: "obsolete line folding"},
		{name: "bare LF", resp: "HTTP/1.1 200 OK\nContent-Length: 2\n\nok", want: `response line ends in a bare LF: "HTTP/1.1 200 OK\n"`},
		{name: "bare LF ends the head", resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\nok", want: `bare LF: "\n"`},
		{name: "NUL in a value", resp: "HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 2\r\n\r\nok", want: `header "X-A" value contains NUL`},
		{name: "NUL in a name", resp: "HTTP/1.1 200 OK\r\nX\x00A: b\r\nContent-Length: 2\r\n\r\nok", want: `header name "X\x00" contains NUL`},
		{name: "status 000", resp: "HTTP/1.1 000 Zero\r\nContent-Length: 2\r\n\r\nok", want: `invalid status line "HTTP/1.1 000 Zero"`},
		{name: "status 99", resp: "HTTP/1.1 99 Low\r\nContent-Length: 2\r\n\r\nok", want: `invalid status line "HTTP/1.1 99 Low"`},
		{name: "status 099", resp: "HTTP/1.1 099 Low\r\nContent-Length: 2\r\n\r\nok", want: `invalid status line`},
		{name: "status 1000", resp: "HTTP/1.1 1000 High\r\nContent-Length: 2\r\n\r\nok", want: `invalid status line "HTTP/1.1 1000 High"`},
		{name: "status abc", resp: "HTTP/1.1 abc Text\r\nContent-Length: 2\r\n\r\nok", want: `invalid status line "HTTP/1.1 abc Text"`},
		{name: "100 Continue then 200", resp: "HTTP/1.1 100 Continue\r\n\r\n" + okResponse, requests: some, exact: true},
		{name: "103 Early Hints then 200", resp: "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n" + okResponse, requests: some, exact: true},
		{name: "many 1xx then 200", resp: strings.Repeat("HTTP/1.1 102 Processing\r\n\r\n", 50) + okResponse, requests: some, exact: true},
		{name: "1xx with a length is still interim", resp: "HTTP/1.1 100 Continue\r\nContent-Length: 2\r\n\r\n" + okResponse, requests: some, exact: true},
		{name: "101 Switching Protocols", resp: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello", close: true, want: "server switched protocols (101)"},
		{name: "conflicting Content-Length", resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok!", want: "conflicting Content-Length values"},
		{name: "conflicting Content-Length list", resp: "HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n\r\nok!", want: "conflicting Content-Length values"},
		{name: "repeated equal Content-Length", resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok", requests: some, exact: true},
		{name: "Content-Length and chunked", resp: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", want: "response has both Content-Length and Transfer-Encoding"},
		{name: "chunked and Content-Length", resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n2\r\nok\r\n0\r\n\r\n", want: "response has both Content-Length and Transfer-Encoding"},
		{name: "Transfer-Encoding gzip", resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nok", want: "unsupported Transfer-Encoding"},
		{name: "negative Content-Length", resp: "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\nok", want: `invalid Content-Length "-1"`},
		{name: "Content-Length past int64", resp: "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\nok", want: "invalid Content-Length"},
		{name: "chunk size overflow", resp: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nok\r\n0\r\n\r\n", want: "chunk size has more than 15 hex digits"},
		{name: "chunk extension flood", serve: forever("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1", strings.Repeat(";a=b", 1024)), want: "chunk size line is longer than 65536 bytes"},
		{name: "endless chunks with long extensions", serve: forever("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "1;"+strings.Repeat("a", 30000)+"\r\nx\r\n"), want: "timeout"},
		{name: "trailer flood", serve: forever("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n", strings.Repeat("X-T: t\r\n", 64)), want: "more than 256 header fields"},
		{name: "one endless trailer", serve: forever("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: ", strings.Repeat("t", 4096)), want: "trailer section is larger than 65536 bytes"},
		{name: "endless body without a length", serve: forever("HTTP/1.1 200 OK\r\n\r\n", strings.Repeat("x", 4096)), want: "timeout"},
		{name: "endless body with a huge length", serve: forever("HTTP/1.1 200 OK\r\nContent-Length: 4611686018427387903\r\n\r\n", strings.Repeat("x", 4096)), want: "timeout"},
		{name: "gzip bomb is counted, not inflated", resp: "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + strconv.Itoa(len(bomb)) + "\r\n\r\n" + bomb, requests: some, exact: true},
		{name: "escapes in the reason", resp: "HTTP/1.1 200 \x1b[31mOK\x1b]0;owned\x07\r\nContent-Length: 2\r\n\r\nok", want: `invalid status line "HTTP/1.1 200 \x1b[31mOK\x1b]0;owned\a"`},
		{name: "escapes in the status code", resp: "HTTP/1.1 2\x1b[2J00 OK\r\nContent-Length: 2\r\n\r\nok", want: `"HTTP/1.1 2\x1b[2J00 OK"`},
		{name: "escapes in a header", resp: "HTTP/1.1 200 OK\r\nX-E: \x1b[2J\r\nContent-Length: 2\r\n\r\nok", want: `header "X-E" value contains byte 0x1b`},
		{name: "C1 and bidi bytes in a 500's reason", resp: "HTTP/1.1 500 \xe2\x80\xae\x9b2J\xff\r\nContent-Length: 2\r\n\r\nok", want: "Non-2xx or 3xx responses", requests: some, exact: true},
		{name: "not HTTP at all", resp: "\x1b[?1049h\x1b[31mhello\r\n\r\n", close: true, want: `invalid status line "\x1b[?1049h\x1b[31mhello"`},
		{name: "HTTP/2 frames to an HTTP/1.1 request", resp: "\x00\x00\x12\x04\x00\x00\x00\x00\x00", close: true, want: "connection closed in the middle of the response header"},
		{name: "HTTP/1.0 body until close", resp: "HTTP/1.0 200 OK\r\n\r\nhello", close: true, requests: some, exact: true},
		{name: "head cut short", resp: "HTTP/1.1 200 OK\r\nContent-Le", close: true, want: "connection closed in the middle of the response header"},
		{name: "body cut short", resp: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nok", close: true, want: "connection closed after 2 of 10 body bytes"},
		{name: "204 with a body", resp: "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nhello", want: "unexpected data from the server after a response", requests: some, atMost: true},
		{name: "HEAD answered with a body", resp: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", args: []string{"-m", "HEAD"}, want: "unexpected data from the server after a response", requests: some, atMost: true},
		{name: "two responses to one request", resp: okResponse + okResponse, want: "unexpected data from the server after a response", requests: some},
		{name: "a response and junk", resp: okResponse + "junk", want: "unexpected data from the server after a response", requests: some, atMost: true},
		{name: "an answer before the request", early: okResponse, resp: okResponse, want: "unexpected data from the server after a response", requests: some},
		{name: "an answer, then close, before the request", early: okResponse, close: true, requests: some, atMost: true},
		{name: "slowloris", serve: func(c net.Conn) {
			for i := range len(okResponse) {
				if _, err := io.WriteString(c, okResponse[i:i+1]); err != nil {
					return
				}
				time.Sleep(time.Second)
			}
		}, want: "timeout"},
		{name: "never answers", serve: func(c net.Conn) { _, _ = io.Copy(io.Discard, c) }, want: "timeout"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var heads atomic.Int64
			serve := tc.serve
			if serve == nil {
				each := respondEach(tc.resp, tc.close, &heads)
				serve = func(c net.Conn) {
					if _, err := io.WriteString(c, tc.early); err == nil {
						each(c)
					}
				}
			} else {
				inner := serve
				serve = func(c net.Conn) {
					if readRequestHead(bufio.NewReader(c)) {
						heads.Add(1)
						inner(c)
					}
				}
			}
			url := rawListener(t, serve)
			jsonFile := filepath.Join(t.TempDir(), "r.json")
			args := append([]string{"-t1", "-c2", "-d300ms", "--timeout", "200ms", "--json", jsonFile}, tc.args...)
			begin := time.Now()
			code, out, errs := runApp(append(args, url)...)
			took := time.Since(begin)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			// -d, then at most --timeout of drain, and slack for a busy machine.
			if took > 300*time.Millisecond+200*time.Millisecond+1500*time.Millisecond {
				t.Errorf("a 300ms run took %v", took)
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("output lacks %q:\n%s%s", tc.want, out, errs)
			}
			for _, s := range []string{out, errs} {
				if i := strings.IndexFunc(s, func(r rune) bool {
					return r < ' ' && r != '\n' && r != '\t' || r == 0x7f || r >= 0x80 && r < 0xa0 || r == utf8.RuneError || r == '\u202e'
				}); i >= 0 {
					t.Fatalf("raw control character %q in the output at %d:\n%q", s[i], i, s)
				}
			}
			res := readResult(t, jsonFile)
			switch {
			case tc.requests == none && res.Requests != 0:
				t.Errorf("%d requests counted; the server never sent a valid final response", res.Requests)
			case tc.requests == some && res.Requests == 0:
				t.Errorf("no request counted:\n%s", out)
			}
			// Every request the server read was answered at once, and the run waits for the
			// answers it asked for: it counts them all, and 1xx responses never. Where the
			// server's bytes after a response spoil the next one, it counts fewer; where the
			// server sends more responses than requests, HTTP/1.1 cannot tell which answers which.
			read := heads.Load()
			counted := int64(res.Requests) //nolint:gosec // G115: counts of a 300ms run
			if tc.exact && counted != read || tc.atMost && counted > read {
				t.Errorf("counted %d requests; the server read %d and answered each once", counted, read)
			}
		})
	}
}

// result is the part of the JSON result these tests read.
type result struct {
	Requests uint64 `json:"requests"`
}

func readResult(t *testing.T, path string) result {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r result
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// What a hostile server sends as fast as it can, on many connections, cannot grow volley's
// memory past its per-connection bounds: the binary's peak resident set against each is
// compared with its peak against a well-behaved server, measured in the same test.
func TestHostileHTTP1MemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary for seconds")
	}
	const conns = 200
	run := func(serve func(net.Conn)) child {
		url := rawListener(t, func(c net.Conn) {
			if readRequestHead(bufio.NewReader(c)) {
				serve(c)
			}
		})
		return runBinary(t, "-t2", "-c"+strconv.Itoa(conns), "-d1s", "--timeout", "500ms", url)
	}
	var heads atomic.Int64
	ok := respondEach(okResponse, false, &heads)
	reference := run(func(c net.Conn) {
		if _, err := io.WriteString(c, okResponse); err == nil {
			ok(c)
		}
	})
	if reference.code != 0 {
		t.Fatalf("reference run: exit %d: %s", reference.code, reference.stderr)
	}
	// Each connection may hold one header section (64 KiB by default) and its read buffer;
	// the rest is the garbage collector's headroom.
	bound := reference.rss + 2*conns*(64<<10) + 32<<20
	for _, tc := range []struct {
		name  string
		serve func(net.Conn)
	}{
		{"one endless header", forever("HTTP/1.1 200 OK\r\nX-A: ", strings.Repeat("a", 16<<10))},
		{"endless status line", forever("HTTP/1.1 200 ", strings.Repeat("A", 16<<10))},
		{"endless chunks with long extensions", forever("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "1;"+strings.Repeat("a", 60000)+"\r\nx\r\n")},
		{"one endless trailer", forever("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: ", strings.Repeat("t", 16<<10))},
		{"endless body", forever("HTTP/1.1 200 OK\r\n\r\n", strings.Repeat("x", 16<<10))},
	} {
		c := run(tc.serve)
		t.Logf("%s: peak RSS %d KiB (reference %d KiB), %v", tc.name, c.rss>>10, reference.rss>>10, c.took)
		if c.code != 0 {
			t.Errorf("%s: exit %d: %s", tc.name, c.code, c.stderr)
		}
		if c.rss > bound {
			t.Errorf("%s: peak RSS %d KiB, more than %d KiB (reference %d KiB)", tc.name, c.rss>>10, bound>>10, reference.rss>>10)
		}
	}
}

// A server that accepts connections and never says a word cannot hold the run: the setup
// before it gives up after its 5 s and says which step timed out, in one line, exit 2 (it was
// "context deadline exceeded" or "read tcp 127.0.0.1:…: i/o timeout", by chance).
func TestSilentServerFailsTheSetupClearly(t *testing.T) {
	url := rawListener(t, func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
	args := []string{"-d1s", "--timeout", "100ms", "https" + strings.TrimPrefix(url, "http")}
	begin := time.Now()
	code, out, errs := runApp(args...)
	if took := time.Since(begin); took > 8*time.Second {
		t.Errorf("took %v", took)
	}
	checkOneLine(t, args, code, ExitNoStart, out, errs, ": the TLS handshake timed out after 5s (the server accepted the connection, then did not answer)")
}
