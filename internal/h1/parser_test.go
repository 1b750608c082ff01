package h1

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unsafe"
)

const hello = "HTTP/1.1 200 OK\r\n" +
	"Server: nginx/1.18.0\r\n" +
	"Date: Wed, 27 Nov 2024 10:18:00 GMT\r\n" +
	"Content-Type: text/plain\r\n" +
	"Content-Length: 13\r\n" +
	"Connection: keep-alive\r\n" +
	"\r\n" +
	"Hello, world!"

func ok(status int, keep bool, bodyN int64, body string) resp {
	return resp{Status: status, Keep: keep, BodyN: bodyN, Body: body}
}

const chunkedHello = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1;name=val;x=\"q\"\r\n \r\n5 ; ext\r\nworld\r\n0\r\nX-Trailer: t\r\nX-Other: u\r\n\r\n"

var acceptedCases = []struct {
	name  string
	in    string
	heads uint8
	eof   bool
	want  []resp
}{
	{"nginx hello", hello, 0, false, []resp{ok(200, true, 13, "Hello, world!")}},
	{"HTTP/1.0 closes by default", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi", 0, false, []resp{ok(200, false, 2, "hi")}},
	{"HTTP/1.0 keep-alive", "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nhi", 0, false, []resp{ok(200, true, 2, "hi")}},
	{"HTTP/1.0 keep-alive and close", "HTTP/1.0 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n", 0, false, []resp{ok(200, false, 0, "")}},
	{"Connection close in a list", "HTTP/1.1 200 OK\r\nconnection: Upgrade,CLOSE\r\nContent-Length: 0\r\n\r\n", 0, false, []resp{ok(200, false, 0, "")}},
	{"HTTP/1.1 minor 9 is 1.1", "HTTP/1.9 200 OK\r\nContent-Length: 0\r\n\r\n", 0, false, []resp{ok(200, true, 0, "")}},
	{"no reason", "HTTP/1.1 200\r\nContent-Length: 1\r\n\r\nx", 0, false, []resp{ok(200, true, 1, "x")}},
	{"empty reason", "HTTP/1.1 404 \r\nContent-Length: 1\r\n\r\nx", 0, false, []resp{ok(404, true, 1, "x")}},
	{"reason with tab and obs-text", "HTTP/1.1 500 Erreur\tinterne \xe9\r\nContent-Length: 0\r\n\r\n", 0, false, []resp{ok(500, true, 0, "")}},
	{"status 999", "HTTP/1.1 999 Odd\r\nContent-Length: 0\r\n\r\n", 0, false, []resp{ok(999, true, 0, "")}},
	{"empty value, tabs, odd case", "HTTP/1.1 200 OK\r\nX-Empty:\r\nX-Tab:\t a \t\r\ncontent-LENGTH:\t3 \r\n\r\nabc", 0, false, []resp{ok(200, true, 3, "abc")}},
	{"repeated identical lengths", "HTTP/1.1 200 OK\r\nContent-Length: 3, 3,3\r\nContent-Length: 003\r\n\r\nabc", 0, false, []resp{ok(200, true, 3, "abc")}},
	{"chunked with extensions and trailers", chunkedHello, 0, false, []resp{ok(200, true, 11, "hello world")}},
	{"chunked hex digits and 15-digit size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: CHUNKED\r\n\r\nA\r\n0123456789\r\n00000000000000b\r\nabcdefghijk\r\n000\r\n\r\n", 0, false, []resp{ok(200, true, 21, "0123456789abcdefghijk")}},
	{"final chunked after another coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n\x1f\x8b\r\n0\r\n\r\n", 0, false, []resp{ok(200, true, 2, "\x1f\x8b")}},
	{"HEAD ignores the length", "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nz", 1, false,
		[]resp{ok(200, true, 0, ""), ok(201, true, 1, "z")}},
	{"HEAD ignores chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 1, false, []resp{ok(200, true, 0, "")}},
	{"204 and 304 have no body", "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n!", 0, false,
		[]resp{ok(204, true, 0, ""), ok(304, true, 0, ""), ok(200, true, 1, "!")}},
	{"interim responses are skipped", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\nContent-Length: 7\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 0, false,
		[]resp{ok(200, true, 2, "ok")}},
	{"1xx framing fields do not leak", "HTTP/1.1 103 Early Hints\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n.", 0, false,
		[]resp{ok(200, true, 1, ".")}},
	{"until close", "HTTP/1.1 200 OK\r\nServer: old\r\n\r\nabc\r\ndef", 0, true, []resp{ok(200, false, 8, "abc\r\ndef")}},
	{"until close, empty", "HTTP/1.0 200 OK\r\n\r\n", 0, true, []resp{ok(200, false, 0, "")}},
	{"pipelined", hello + hello + "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", 0, false,
		[]resp{ok(200, true, 13, "Hello, world!"), ok(200, true, 13, "Hello, world!"), ok(404, false, 0, "")}},
	{"zero length then next", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, false,
		[]resp{ok(200, true, 0, ""), ok(200, true, 0, "")}},
	{"largest content length", "HTTP/1.1 200 OK\r\nContent-Length: 4611686018427387904\r\n\r\n", 1, false, []resp{ok(200, true, 0, "")}},
}

func TestParseAccepted(t *testing.T) {
	for _, c := range acceptedCases {
		t.Run(c.name, func(t *testing.T) {
			got := checkSplits(t, Limits{}, true, c.heads, []byte(c.in), c.eof)
			if got.Kind != 0 {
				t.Fatalf("error %v: %s", got.Kind, got.Msg)
			}
			for i := range got.Resps {
				got.Resps[i].Fields = nil
			}
			if !reflect.DeepEqual(got.Resps, c.want) {
				t.Errorf("got  %v\nwant %v", got.Resps, c.want)
			}
			// Without capture only the kept body differs.
			plain := checkSplits(t, Limits{}, false, c.heads, []byte(c.in), c.eof)
			for i := range plain.Resps {
				if plain.Resps[i].Body != "" || plain.Resps[i].BodyN != c.want[i].BodyN {
					t.Errorf("without capture, response %d: %v", i, plain.Resps[i])
				}
			}
		})
	}
}

var rejectedCases = []struct {
	name  string
	in    string
	heads uint8
	lim   Limits
	kind  ErrorKind
	msg   string // substring
}{
	{"HTTP/2", "HTTP/2 200 OK\r\n\r\n", 0, Limits{}, ErrSyntax, "unsupported HTTP version"},
	{"HTTP/0.9-ish garbage", "<html>hello</html>\r\n", 0, Limits{}, ErrSyntax, `invalid status line "<html>hello</html>"`},
	{"lower-case version", "http/1.1 200 OK\r\n\r\n", 0, Limits{}, ErrSyntax, "invalid status line"},
	{"two-digit status", "HTTP/1.1 20 OK\r\n\r\n", 0, Limits{}, ErrSyntax, "invalid status line"},
	{"four-digit status", "HTTP/1.1 2000 OK\r\n\r\n", 0, Limits{}, ErrSyntax, "invalid status line"},
	{"status below 100", "HTTP/1.1 099 Low\r\n\r\n", 0, Limits{}, ErrSyntax, "invalid status line"},
	{"double space", "HTTP/1.1  200 OK\r\n\r\n", 0, Limits{}, ErrSyntax, "invalid status line"},
	{"bare LF status", "HTTP/1.1 200 OK\nContent-Length: 0\n\n", 0, Limits{}, ErrSyntax, "bare LF"},
	{"NUL in reason", "HTTP/1.1 200 O\x00K\r\n\r\n", 0, Limits{}, ErrSyntax, `invalid status line "HTTP/1.1 200 O\x00K"`},
	{"CR alone in reason", "HTTP/1.1 200 O\rK\r\n\r\n", 0, Limits{}, ErrSyntax, "invalid status line"},
	{"blank line before status", "\r\nHTTP/1.1 200 OK\r\n\r\n", 0, Limits{}, ErrSyntax, "invalid status line"},
	{"101 upgrade", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", 0, Limits{}, ErrUnexpected, "101"},
	{"obs-fold", "HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 0\r\n\r\n", 0, Limits{}, ErrSyntax, "obsolete line folding"},
	{"space before colon", "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n", 0, Limits{}, ErrSyntax, "whitespace between header name and colon"},
	{"control in name", "HTTP/1.1 200 OK\r\nX\x01A: 1\r\n\r\n", 0, Limits{}, ErrSyntax, `header name "X\x01" contains byte 0x01`},
	{"non-token in name", "HTTP/1.1 200 OK\r\nX(A): 1\r\n\r\n", 0, Limits{}, ErrSyntax, `contains character '('`},
	{"empty name", "HTTP/1.1 200 OK\r\n: 1\r\n\r\n", 0, Limits{}, ErrSyntax, "empty header name"},
	{"no colon", "HTTP/1.1 200 OK\r\nGarbage\r\n\r\n", 0, Limits{}, ErrSyntax, "without colon"},
	{"NUL in value", "HTTP/1.1 200 OK\r\nX-A: a\x00b\r\n\r\n", 0, Limits{}, ErrSyntax, `header "X-A" value contains NUL`},
	{"CR in value", "HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n", 0, Limits{}, ErrSyntax, `header "X-A" value contains CR`},
	{"DEL in value", "HTTP/1.1 200 OK\r\nX-A: a\x7fb\r\n\r\n", 0, Limits{}, ErrSyntax, "value contains DEL"},
	{"bare LF header", "HTTP/1.1 200 OK\r\nX-A: a\nContent-Length: 0\r\n\r\n", 0, Limits{}, ErrSyntax, "bare LF"},
	{"bare LF end of head", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\n", 0, Limits{}, ErrSyntax, "bare LF"},
	{"length not digits", "HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n", 0, Limits{}, ErrFraming, `invalid Content-Length "0x10"`},
	{"length negative", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 0, Limits{}, ErrFraming, "invalid Content-Length"},
	{"length plus", "HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\n", 0, Limits{}, ErrFraming, "invalid Content-Length"},
	{"length empty", "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", 0, Limits{}, ErrFraming, "invalid Content-Length"},
	{"length empty element", "HTTP/1.1 200 OK\r\nContent-Length: 1,\r\n\r\n", 0, Limits{}, ErrFraming, "invalid Content-Length"},
	{"length inner space", "HTTP/1.1 200 OK\r\nContent-Length: 1 1\r\n\r\n", 0, Limits{}, ErrFraming, "invalid Content-Length"},
	{"length above 2^62", "HTTP/1.1 200 OK\r\nContent-Length: 4611686018427387905\r\n\r\n", 0, Limits{}, ErrFraming, "invalid Content-Length"},
	{"length overflowing int64", "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n", 0, Limits{}, ErrFraming, "invalid Content-Length"},
	{"conflicting list", "HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n", 0, Limits{}, ErrFraming, "conflicting Content-Length"},
	{"conflicting fields", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 0, Limits{}, ErrFraming, "conflicting Content-Length"},
	{"length and chunked", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 0, Limits{}, ErrFraming, "both Content-Length and Transfer-Encoding"},
	{"length and chunked on HEAD", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 1, Limits{}, ErrFraming, "both"},
	{"gzip only", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", 0, Limits{}, ErrFraming, "final coding must be chunked"},
	{"chunked not final", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 0, Limits{}, ErrFraming, "not the final"},
	{"chunked twice", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 0, Limits{}, ErrFraming, "not the final"},
	{"empty coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: ,chunked\r\n\r\n", 0, Limits{}, ErrFraming, "invalid Transfer-Encoding"},
	{"coding parameters", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked;q=1\r\n\r\n", 0, Limits{}, ErrFraming, "invalid Transfer-Encoding"},
	{"chunked in HTTP/1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 0, Limits{}, ErrFraming, "HTTP/1.0"},
	{"chunk size not hex", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\ng\r\n", 0, Limits{}, ErrFraming, `invalid chunk size line "g"`},
	{"chunk size empty", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", 0, Limits{}, ErrFraming, "invalid chunk size line"},
	{"chunk size 16 digits", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0000000000000001\r\nx\r\n0\r\n\r\n", 0, Limits{}, ErrFraming, "more than 15 hex digits"},
	{"chunk size huge", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", 0, Limits{}, ErrFraming, "more than 15 hex digits"},
	{"chunk size negative", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n", 0, Limits{}, ErrFraming, "invalid chunk size line"},
	{"chunk extension with control", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;a\x01\r\nx\r\n0\r\n\r\n", 0, Limits{}, ErrFraming, "invalid chunk size line"},
	{"chunk size junk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1x\r\nx\r\n0\r\n\r\n", 0, Limits{}, ErrFraming, "invalid chunk size line"},
	{"chunk size bare LF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\nx\r\n0\r\n\r\n", 0, Limits{}, ErrFraming, "bare LF"},
	{"chunk data too long", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n0\r\n\r\n", 0, Limits{}, ErrFraming, "not followed by CRLF"},
	{"chunk data bare LF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\n0\r\n\r\n", 0, Limits{}, ErrFraming, "not followed by CRLF"},
	{"bad trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T : 1\r\n\r\n", 0, Limits{}, ErrSyntax, "whitespace"},
	{"trailer bare LF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\n", 0, Limits{}, ErrSyntax, "bare LF"},
	{"header section too large", "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("b", 100) + "\r\n\r\n", 0, Limits{MaxHeaderBytes: 100}, ErrTooLarge, "larger than 100 bytes"},
	{"line without LF too large", "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("b", 200), 0, Limits{MaxHeaderBytes: 100}, ErrTooLarge, "larger than 100 bytes"},
	{"1xx count toward the limit", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", 0, Limits{MaxHeaderBytes: 80}, ErrTooLarge, "larger than 80"},
	{"too many headers", "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", 0, Limits{MaxHeaders: 3}, ErrTooLarge, "more than 3 header fields"},
	{"trailers too large", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: " + strings.Repeat("t", 80) + "\r\n\r\n", 0, Limits{MaxHeaderBytes: 80}, ErrTooLarge, "trailer section is larger than 80"},
	{"too many trailers", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\nB: 2\r\n\r\n", 0, Limits{MaxHeaders: 1}, ErrTooLarge, "more than 1 header fields"},
	{"chunk size line too long", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" + strings.Repeat("e", 100) + "\r\nx\r\n0\r\n\r\n", 0, Limits{MaxHeaderBytes: 100}, ErrTooLarge, "chunk size line is longer than 100"},
	{"quoted bytes are escaped", "HTTP/1.1 200 OK\r\nX\x1b[31m: 1\r\n\r\n", 0, Limits{}, ErrSyntax, `header name "X\x1b"`},
	{"quoted bytes are bounded", "\x1b[2J" + strings.Repeat("\u202e", 50) + "\r\n", 0, Limits{}, ErrSyntax,
		`invalid status line "\x1b[2J\u202e\u202e\u202e\u202e\u202e\u202e\u202e\u202e\u202e\u202e\u202e\u202e"...`},
}

func TestParseRejected(t *testing.T) {
	for _, c := range rejectedCases {
		t.Run(c.name, func(t *testing.T) {
			got := checkSplits(t, c.lim, false, c.heads, []byte(c.in), true)
			if got.Kind != c.kind || !strings.Contains(got.Msg, c.msg) {
				t.Errorf("got %v %q, want %v containing %q", got.Kind, got.Msg, c.kind, c.msg)
			}
		})
	}
}

var eofCases = []struct {
	name, in string
	kind     ErrorKind
	msg      string
}{
	{"in status line", "HTTP/1.1 20", ErrTruncated, "middle of the response header"},
	{"in headers", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n", ErrTruncated, "middle of the response header"},
	{"after interim", "HTTP/1.1 100 Continue\r\n\r\n", ErrTruncated, "middle of the response header"},
	{"in body", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc", ErrTruncated, "after 3 of 5 body bytes"},
	{"in chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", ErrTruncated, "chunked body"},
	{"in trailers", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n", ErrTruncated, "chunked body"},
}

func TestParseEOF(t *testing.T) {
	for _, c := range eofCases {
		t.Run(c.name, func(t *testing.T) {
			got := checkSplits(t, Limits{}, false, 0, []byte(c.in), true)
			if got.Kind != c.kind || !strings.Contains(got.Msg, c.msg) {
				t.Errorf("got %v %q, want %v containing %q", got.Kind, got.Msg, c.kind, c.msg)
			}
		})
	}

	var p Parser
	if done, err := p.EOF(); done || err != nil {
		t.Errorf("EOF on a fresh parser = %v, %v", done, err)
	}
	p.Start(false)
	if _, err := p.EOF(); !isKind(err, ErrClosed) {
		t.Errorf("EOF before any byte = %v, want ErrClosed", err)
	}
	// The error is sticky until the next Start.
	if _, _, err := p.Feed([]byte(hello)); err == nil {
		t.Error("Feed after an error succeeded")
	}
	p.Start(false)
	if _, done, err := p.Feed([]byte(hello)); !done || err != nil {
		t.Errorf("Feed after Start = %v, %v", done, err)
	}
	// Idle after a complete response: EOF is nothing, but unexpected data is an error.
	if done, err := p.EOF(); done || err != nil {
		t.Errorf("EOF when idle = %v, %v", done, err)
	}
	if _, _, err := p.Feed([]byte("x")); !isKind(err, ErrUnexpected) {
		t.Errorf("Feed when idle = %v, want ErrUnexpected", err)
	}
}

func TestCapture(t *testing.T) {
	in := "HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n" +
		"HTTP/1.1 200 OK\r\nServer: nginx\r\ncontent-length: 10\r\nX-Multi: a\r\nX-Multi: b\r\n\r\n0123456789" +
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\nX-Trailer: no\r\n\r\n"
	got := checkSplits(t, Limits{MaxBodyKeep: 4}, true, 0, []byte(in), false)
	want := []resp{
		{Status: 200, Keep: true, BodyN: 10, Body: "0123", Fields: []Field{{Name: "Server", Value: "nginx"}, {Name: "content-length", Value: "10"}, {Name: "X-Multi", Value: "a"}, {Name: "X-Multi", Value: "b"}}},
		{Status: 200, Keep: true, BodyN: 6, Body: "abcd", Fields: []Field{{Name: "Transfer-Encoding", Value: "chunked"}}},
	}
	if got.Kind != 0 || !reflect.DeepEqual(got.Resps, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestParserSmall(t *testing.T) {
	if s := unsafe.Sizeof(Parser{}); s > 96 {
		t.Errorf("Parser is %d bytes; per-connection state must stay small", s)
	}
	// A long header line split across reads is gathered, then its buffer released.
	var p Parser
	p.Start(false)
	line := "HTTP/1.1 200 OK\r\nX-Long: " + strings.Repeat("l", 10000) + "\r\nContent-Length: 0\r\n\r\n"
	for i := 0; i < len(line); i += 1000 {
		if _, _, err := p.Feed([]byte(line[i:min(i+1000, len(line))])); err != nil {
			t.Fatal(err)
		}
	}
	if !p.Idle() || cap(p.pend) > pendKeepMax {
		t.Errorf("idle %v, pending buffer capacity %d", p.Idle(), cap(p.pend))
	}
}

func TestParseAllocs(t *testing.T) {
	var p Parser
	p.Init(DefaultLimits())
	in := []byte(hello)
	chunked := []byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
	allocs := testing.AllocsPerRun(100, func() {
		for _, b := range [][]byte{in, chunked} {
			p.Start(false)
			if _, done, err := p.Feed(b); !done || err != nil {
				t.Fatal(done, err)
			}
		}
		// Split at every line: the pending buffer is reused.
		p.Start(false)
		for i := 0; i < len(in); i += 7 {
			if _, _, err := p.Feed(in[i:min(i+7, len(in))]); err != nil {
				t.Fatal(err)
			}
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run, want 0", allocs)
	}
}

// isKind reports whether err is an *Error of kind k.
func isKind(err error, k ErrorKind) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == k
}

// A captured field equal to the one at the same place in the response before reuses its
// strings; anything else is new, and the fields handed out stay right either way.
func TestCapturedFieldsReuseTheLastResponsesStrings(t *testing.T) {
	var p Parser
	p.Init(DefaultLimits())
	p.SetCapture(true)
	feed := func(resp string) []Field {
		t.Helper()
		p.Start(false)
		if _, done, err := p.Feed([]byte(resp)); !done || err != nil {
			t.Fatalf("done %v, err %v", done, err)
		}
		return slices.Clone(p.Headers())
	}
	a := feed("HTTP/1.1 200 OK\r\nServer: x\r\nDate: 1\r\nContent-Length: 0\r\n\r\n")
	b := feed("HTTP/1.1 200 OK\r\nServer: x\r\nDate: 2\r\nContent-Length: 0\r\n\r\n")
	c := feed("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nServer: y\r\n\r\n")
	want := [][]Field{
		{{Name: "Server", Value: "x"}, {Name: "Date", Value: "1"}, {Name: "Content-Length", Value: "0"}},
		{{Name: "Server", Value: "x"}, {Name: "Date", Value: "2"}, {Name: "Content-Length", Value: "0"}},
		{{Name: "Content-Length", Value: "0"}, {Name: "Server", Value: "y"}},
	}
	for i, got := range [][]Field{a, b, c} {
		if !slices.Equal(got, want[i]) {
			t.Errorf("response %d: fields %q, want %q", i+1, got, want[i])
		}
	}
	same := func(x, y string) bool { return unsafe.StringData(x) == unsafe.StringData(y) } //nolint:gosec // G103: compares where two strings' bytes live, to see that one was reused
	if !same(a[0].Name, b[0].Name) || !same(a[0].Value, b[0].Value) || !same(a[2].Value, b[2].Value) {
		t.Error("unchanged fields were allocated again")
	}
	if same(a[1].Value, b[1].Value) {
		t.Error("a changed value shares the old one's bytes")
	}
	again := []byte("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nServer: y\r\n\r\n")
	allocs := testing.AllocsPerRun(100, func() {
		p.Start(false)
		_, _, _ = p.Feed(again)
	})
	if allocs > 0 {
		t.Errorf("%v allocations per response with the same headers", allocs)
	}
}
