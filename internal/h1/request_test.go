package h1

import (
	"reflect"
	"strings"
	"testing"
)

var host = Field{Name: "Host", Value: "example.com"}

var appendCases = []struct {
	name          string
	method, path  string
	headers       []Field
	body          string
	hasBody       bool
	want, wantErr string
}{
	{"GET", "GET", "/", []Field{host, {Name: "Accept", Value: "*/*"}}, "", false,
		"GET / HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n", ""},
	{"POST with body", "POST", "/api?q=1&r=%20", []Field{host}, `{"a":1}`, true,
		"POST /api?q=1&r=%20 HTTP/1.1\r\nHost: example.com\r\nContent-Length: 7\r\n\r\n{\"a\":1}", ""},
	{"empty body is still a body", "PUT", "/x", nil, "", true,
		"PUT /x HTTP/1.1\r\nContent-Length: 0\r\n\r\n", ""},
	{"given Content-Length is replaced", "POST", "/", []Field{{Name: "content-length", Value: "99"}, host}, "ab", true,
		"POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 2\r\n\r\nab", ""},
	{"given Content-Length is dropped without body", "GET", "/", []Field{{Name: "Content-Length", Value: "5"}}, "", false,
		"GET / HTTP/1.1\r\n\r\n", ""},
	{"header order and odd values kept", "GET", "*", []Field{{Name: "X-B", Value: ""}, {Name: "X-A", Value: " a\tb "}, {Name: "X-B", Value: "\xff"}}, "", false,
		"GET * HTTP/1.1\r\nX-B: \r\nX-A:  a\tb \r\nX-B: \xff\r\n\r\n", ""},
	{"absolute-form", "GET", "http://example.com/x", nil, "", false, "GET http://example.com/x HTTP/1.1\r\n\r\n", ""},
	{"bad method", "GE T", "/", nil, "", false, "", `invalid method "GE T"`},
	{"empty method", "", "/", nil, "", false, "", `invalid method ""`},
	{"empty path", "GET", "", nil, "", false, "", `invalid path "": empty`},
	{"space in path", "GET", "/a b", nil, "", false, "", `invalid path "/a b": contains a space`},
	{"NUL in path", "GET", "/a\x00", nil, "", false, "", `invalid path "/a\x00": contains NUL`},
	{"DEL in path", "GET", "/a\x7f", nil, "", false, "", "contains DEL"},
	{"relative path", "GET", "index.html", nil, "", false, "", `must start with "/"`},
	{"bad header name", "GET", "/", []Field{{Name: "X A", Value: "1"}}, "", false, "", `invalid header name "X A"`},
	{"empty header name", "GET", "/", []Field{{Name: "", Value: "1"}}, "", false, "", `invalid header name ""`},
	{"CR in value", "GET", "/", []Field{{Name: "X-A", Value: "a\rb"}}, "", false, "", `header "X-A" value contains CR`},
	{"LF in value", "GET", "/", []Field{{Name: "X-A", Value: "a\nInjected: 1"}}, "", false, "", `header "X-A" value contains LF`},
	{"NUL in value", "GET", "/", []Field{{Name: "X-A", Value: "\x00"}}, "", false, "", `header "X-A" value contains NUL`},
	{"Transfer-Encoding", "POST", "/", []Field{{Name: "transfer-encoding", Value: "chunked"}}, "0\r\n\r\n", true, "", `"Transfer-Encoding" is not supported`},
}

func TestAppendRequest(t *testing.T) {
	for _, c := range appendCases {
		t.Run(c.name, func(t *testing.T) {
			prefix := []byte("prefix")
			got, err := AppendRequest(prefix, c.method, c.path, c.headers, []byte(c.body), c.hasBody)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want %q", err, c.wantErr)
				}
				checkMsg(err.Error(), t.Errorf)
				if string(got) != "prefix" {
					t.Errorf("dst changed on error: %q", got)
				}
				return
			}
			if err != nil || string(got) != "prefix"+c.want {
				t.Fatalf("got %q, %v\nwant %q", got, err, c.want)
			}
			heads, err := ScanRequests(got[len(prefix):], nil)
			if err != nil || !reflect.DeepEqual(heads, []bool{c.method == "HEAD"}) {
				t.Errorf("ScanRequests = %v, %v", heads, err)
			}
		})
	}
}

const get = "GET / HTTP/1.1\r\nHost: h\r\n\r\n"

var scanCases = []struct {
	name, in string
	heads    []bool
	err      string
}{
	{"one", get, []bool{false}, ""},
	{"pipelined", get + "HEAD /h HTTP/1.1\r\nHost: h\r\n\r\n" + "POST /p HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc" + get,
		[]bool{false, true, false, false}, ""},
	{"HTTP/1.0, asterisk and absolute targets", "OPTIONS * HTTP/1.0\r\n\r\nGET http://h/x HTTP/1.1\r\n\r\n", []bool{false, false}, ""},
	{"Content-Length 0", "POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", []bool{false}, ""},
	{"chunked with extensions and trailers", "POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n" + get,
		[]bool{false, false}, ""},
	{"method is case-sensitive", "head / HTTP/1.1\r\n\r\n", []bool{false}, ""},

	{"empty", "", nil, "empty request"},
	{"no blank line", "GET / HTTP/1.1\r\nHost: h\r\n", nil, "incomplete header section"},
	{"partial request line", get + "GET / HT", nil, `request 2: incomplete request line "GET / HT"`},
	{"trailing garbage line", get + "junk\r\n\r\n", nil, `request 2: invalid request line "junk"`},
	{"trailing CRLF", get + "\r\n", nil, "request 2: invalid request line"},
	{"bare LF request line", "GET / HTTP/1.1\n\r\n", nil, "bare LF"},
	{"bare LF header", "GET / HTTP/1.1\r\nX-A: a\nB: c\r\n\r\n", nil, "header section has a line ending in a bare LF"},
	{"version 1.2", "GET / HTTP/1.2\r\n\r\n", nil, `invalid HTTP version "HTTP/1.2"`},
	{"version lower-case", "GET / http/1.1\r\n\r\n", nil, "invalid HTTP version"},
	{"missing version", "GET /\r\n\r\n", nil, "invalid request line"},
	{"double space", "GET  / HTTP/1.1\r\n\r\n", nil, `invalid request target " /": contains a space`},
	{"space in target", "GET /a b HTTP/1.1\r\n\r\n", nil, `invalid request target "/a b": contains a space`},
	{"control in target", "GET /a\x01 HTTP/1.1\r\n\r\n", nil, "contains byte 0x01"},
	{"bad method", "G(T / HTTP/1.1\r\n\r\n", nil, "invalid request line"},
	{"CR in value", "GET / HTTP/1.1\r\nX-A: a\rb\r\n\r\n", nil, `header "X-A" value contains CR`},
	{"obs-fold", "GET / HTTP/1.1\r\nX-A: a\r\n b\r\n\r\n", nil, "obsolete line folding"},
	{"length and chunked", "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", nil, "both Content-Length and Transfer-Encoding"},
	{"duplicate length", "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx", nil, "duplicate Content-Length"},
	{"length list", "POST / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\nx", nil, `invalid Content-Length "1, 1"`},
	{"length too big", "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\nx", nil, "invalid Content-Length"},
	{"body short", get + "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nabc", nil, "request 2: body shorter than Content-Length (3 of 5 bytes)"},
	{"duplicate chunked", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", nil, "duplicate Transfer-Encoding"},
	{"gzip", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", nil, `unsupported Transfer-Encoding "gzip, chunked"`},
	{"chunked in 1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", nil, "HTTP/1.0 request with Transfer-Encoding"},
	{"chunked incomplete", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", nil, "incomplete chunked body (chunk of 5 bytes)"},
	{"chunked no last chunk", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n", nil, "incomplete chunked body"},
	{"chunked no final CRLF", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n", nil, "incomplete chunked body trailer section"},
	{"chunk data too long", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n0\r\n\r\n", nil, "not followed by CRLF"},
	{"chunk size overflow", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n", nil, "more than 15 hex digits"},
	{"bad trailer", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT\x00: 1\r\n\r\n", nil, "contains NUL"},
}

func TestScanRequests(t *testing.T) {
	for _, c := range scanCases {
		t.Run(c.name, func(t *testing.T) {
			heads, err := ScanRequests([]byte(c.in), make([]bool, 1, 4))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				checkMsg(err.Error(), t.Errorf)
				if len(heads) != 1 {
					t.Errorf("heads on error = %v, want the input", heads)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(heads[1:], c.heads) {
				t.Errorf("got %v, %v, want %v", heads[1:], err, c.heads)
			}
		})
	}
}

func TestRequestAllocs(t *testing.T) {
	payload := []byte("GET / HTTP/1.1\r\nHost: h\r\n\r\nPOST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n")
	heads := make([]bool, 0, 2)
	headers := []Field{{Name: "Host", Value: "h"}, {Name: "Accept", Value: "*/*"}}
	dst := make([]byte, 0, 256)
	allocs := testing.AllocsPerRun(100, func() {
		var err error
		if heads, err = ScanRequests(payload, heads[:0]); err != nil {
			t.Fatal(err)
		}
		if dst, err = AppendRequest(dst[:0], "POST", "/x", headers, payload, true); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run, want 0", allocs)
	}
}

func TestValid(t *testing.T) {
	for s, want := range map[string]bool{"GET": true, "X-Custom_1.2~!#$%&'*+^`|": true, "": false, "A B": false, "A:": false, "\xff": false, "(": false} {
		if ValidToken(s) != want {
			t.Errorf("ValidToken(%q) = %v", s, !want)
		}
	}
	for s, want := range map[string]bool{"": true, "a b\tc": true, "\x80\xff": true, "a\rb": false, "a\n": false, "\x00": false, "\x7f": false, "\x1b[m": false} {
		if ValidFieldValue(s) != want {
			t.Errorf("ValidFieldValue(%q) = %v", s, !want)
		}
	}
}

func TestPrefixLen(t *testing.T) {
	a := "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	b := "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
	payload := []byte(a + b + a)
	for n, want := range []int{0, len(a), len(a + b), len(payload), len(payload)} {
		if got := PrefixLen(payload, n); got != want {
			t.Errorf("PrefixLen(%d) = %d, want %d", n, got, want)
		}
	}
}

// A CONNECT request's target is an authority, "host:port", IP literals included; anything else
// is refused, and other methods still refuse an authority that is not a URL.
func TestConnectAuthority(t *testing.T) {
	for _, a := range []string{"127.0.0.1:443", "[::1]:8443", "example.com:443"} {
		got, err := AppendRequest(nil, "CONNECT", a, []Field{{Name: "Host", Value: a}}, nil, false)
		if err != nil || string(got) != "CONNECT "+a+" HTTP/1.1\r\nHost: "+a+"\r\n\r\n" {
			t.Errorf("CONNECT %s: %q, %v", a, got, err)
		}
	}
	for _, a := range []string{"example.com", "h:", ":443", "h:44x", "/x:443", "h:443/", "u@h:443", "h :443"} {
		if _, err := AppendRequest(nil, "CONNECT", a, nil, nil, false); err == nil {
			t.Errorf("CONNECT %q accepted", a)
		}
	}
	if _, err := AppendRequest(nil, "GET", "127.0.0.1:443", nil, nil, false); err == nil {
		t.Error("GET with an authority-form target accepted")
	}
}
