package app

import (
	"bufio"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// rawListener serves every connection on a loopback port with handle (serveConns). It returns
// the listener's http URL.
func rawListener(t *testing.T, handle func(c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serveConns(t, ln, handle)
	return "http://" + ln.Addr().String() + "/"
}

// serveConns serves every connection ln accepts with handle, on a goroutine of its own, and
// closes the listener and every connection, then waits for the goroutines, when the test ends.
func serveConns(t *testing.T, ln net.Listener, handle func(c net.Conn)) {
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		conns  []net.Conn
		closed bool // set by the cleanup: a connection accepted after it is closed at once
	)
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		closed = true
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			if closed {
				mu.Unlock()
				_ = c.Close()
				return
			}
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() {
				defer func() { _ = c.Close() }()
				handle(c)
			})
		}
	})
}

// hostileServer answers every connection with serve, which gets the connection once the first
// request has arrived and may write forever: it stops when the connection fails.
func hostileServer(t *testing.T, serve func(c net.Conn)) string {
	t.Helper()
	return rawListener(t, func(c net.Conn) {
		if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
			return
		}
		serve(c)
	})
}

// forever writes chunk until the connection fails.
func forever(prefix, chunk string) func(net.Conn) {
	return func(c net.Conn) {
		if _, err := io.WriteString(c, prefix); err != nil {
			return
		}
		for {
			if _, err := io.WriteString(c, chunk); err != nil {
				return
			}
		}
	}
}

// A server that never stops talking, or talks too slowly, or says something a terminal would
// obey: the run still ends on time (its -d plus the end-of-run grace), exits 0 with the
// trouble counted and explained, and nothing it sent reaches the output unescaped.
func TestHostileServersEndOnTimeAndStayEscaped(t *testing.T) {
	// Bytes a header may carry (obs-text; 0x9b is a terminal's one-byte CSI) and a body of
	// escape sequences, printed by a script: they reach the output escaped.
	echo := []string{"-s", writeScript(t, `response = function(status, headers, body) print(headers["X-Evil"], body) end`)}
	cases := []struct {
		name  string
		serve func(net.Conn)
		want  string   // in the output
		args  []string // more flags
	}{
		{"endless interim responses", forever("", "HTTP/1.1 100 Continue\r\n\r\n"), "requests in", nil},
		{"endless header", forever("HTTP/1.1 200 OK\r\nX-A: ", "aaaaaaaaaaaaaaaa"), "header", nil},
		{"endless headers", forever("HTTP/1.1 200 OK\r\n", "X-A: aaaaaaaa\r\n"), "Error reasons", nil},
		{"endless chunked body", forever("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "1\r\nx\r\n"), "timeout", nil},
		{"endless body until close", forever("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", strings.Repeat("x", 4096)), "requests in", nil},
		{"one byte at a time", func(c net.Conn) {
			for _, b := range []byte("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + strings.Repeat("x", 100000)) {
				if _, err := c.Write([]byte{b}); err != nil {
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
		}, "timeout", nil},
		{"escapes in a header", forever("", "HTTP/1.1 200 OK\r\nX-Evil: \x1b]0;owned\x07\x1b[2J\r\nContent-Length: 0\r\n\r\n"), "contains byte 0x1b", nil},
		{"escapes in the reason", forever("", "HTTP/1.1 200 \x1b[31mOK\r\nContent-Length: 0\r\n\r\n"), "Error reasons", nil},
		{"escapes instead of a response", forever("", "\x1b[?1049h\x1b[31mhello\r\n\r\n"), "Error reasons", nil},
		{"escapes through a script", forever("", "HTTP/1.1 200 OK\r\nX-Evil: \x9b2J\xff\r\nContent-Length: 9\r\n\r\n\x1b]0;x\x07\x1b[m"), `\x9b2J`, echo},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			url := hostileServer(t, tc.serve)
			begin := time.Now()
			args := append([]string{"-t2", "-c4", "-d500ms", "--timeout", "300ms"}, tc.args...)
			code, out, errs := runApp(append(args, url)...)
			took := time.Since(begin)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			// -d, then at most min(--timeout, 1 s) of drain, and some slack for a busy machine.
			if took > 500*time.Millisecond+300*time.Millisecond+time.Second {
				t.Errorf("a 500ms run took %v", took)
			}
			if !strings.Contains(out+errs, tc.want) {
				t.Errorf("output lacks %q:\n%s%s", tc.want, out, errs)
			}
			for _, s := range []string{out, errs} {
				if i := strings.IndexFunc(s, func(r rune) bool {
					return r < ' ' && r != '\n' && r != '\t' || r == 0x7f || r >= 0x80 && r < 0xa0 || r == utf8.RuneError
				}); i >= 0 {
					t.Fatalf("raw control character %q in the output at %d:\n%q", s[i], i, s)
				}
			}
		})
	}
}

// A hostile script, through the whole program: whatever its hooks do, the run stops early
// with exit 1 and one escaped line naming the script, the line and the quota it broke, and
// the target never sees a request the script smuggled.
func TestHostileScriptsFailClearlyAndEarly(t *testing.T) {
	srv := startTarget(t)
	cases := []struct{ name, src, want string }{
		{"request loop", `request = function() while true do end end`, "request() ran longer than 50ms"},
		{"response loop", `response = function() while true do end end`, "response() ran longer than 50ms"},
		{"delay loop", `delay = function() while true do end end`, "delay() ran longer than 50ms"},
		{"error object that loops", `response = function() error(setmetatable({}, {__tostring = function() while true do end end})) end`, "error object is a table value"},
		{"string bomb", `response = function() local s = string.rep("x", 2^40) end`, "resulting string too large"},
		{"growth across calls", `local t = {} response = function() for i = 1, 10 do t[#t + 1] = string.rep("x", 10000) .. #t end end`, "memory quota"},
		{"header injection", `request = function() return wrk.format("GET", "/", {["X-A"] = "a\r\nX-Injected: 1"}) end`, "contains CR"},
		{"smuggling", `request = function() return "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" end`, "both Content-Length and Transfer-Encoding"},
		{"not a request", `request = function() return "\27[2J\27]0;owned\7" end`, "invalid request"},
		{"escapes in an error", `response = function() error("\27[2J\27]0;owned\7") end`, `\x1b[2J`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := srv.Requests()
			begin := time.Now()
			// The time limit is wall-clock: a call of a busy machine's descheduled thread can
			// pass 50 ms, so only the cases about it have a limit that short.
			limit := "2s"
			if strings.Contains(tc.want, "ran longer than 50ms") {
				limit = "50ms"
			}
			code, out, errs := runApp("-t2", "-c4", "-d10s", "--script-timeout", limit, "--script-memory", "32M",
				"-s", writeScript(t, tc.src), srv.URL()+"/")
			if took := time.Since(begin); took > 5*time.Second {
				t.Errorf("a hostile script held a 10s run for %v", took)
			}
			if code != ExitUsage || !strings.Contains(errs, tc.want) || !strings.Contains(errs, "script.lua:") {
				t.Fatalf("exit %d, stderr %q; want exit %d and %q", code, errs, ExitUsage, tc.want)
			}
			if strings.Count(errs, "\n") != 1 {
				t.Errorf("error is not one line: %q", errs)
			}
			if strings.ContainsAny(out+errs, "\x1b\x07") {
				t.Errorf("raw escape sequences reached the output: %q", out+errs)
			}
			if tc.name == "header injection" || tc.name == "smuggling" || tc.name == "not a request" {
				if n := srv.Requests() - before; n != 0 {
					t.Errorf("the target received %d requests", n)
				}
			}
		})
	}
}
