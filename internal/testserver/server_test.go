package testserver

import (
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestStartRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{":0", "0.0.0.0:0", "[::]:0", "10.1.2.3:0", "192.168.0.1:8080", "example.com:80", "127.0.0.1", "nohost"} {
		s, err := Start(Options{Addr: addr})
		if err == nil {
			_ = s.Close() // only cleaning up after the failure reported here
			t.Errorf("Start(%q) succeeded, want an error", addr)
			continue
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("Start(%q): error %q spans lines", addr, err)
		}
	}
	for _, addr := range []string{"127.0.0.1:0", "127.0.0.2:0", "localhost:0", "[::1]:0"} {
		s, err := Start(Options{Addr: addr})
		if err != nil {
			if addr == "[::1]:0" {
				t.Logf("no IPv6 loopback here: %v", err)
				continue
			}
			t.Errorf("Start(%q): %v", addr, err)
			continue
		}
		if !strings.HasPrefix(s.URL(), "http://") || !strings.HasSuffix(s.URL(), s.Addr()) {
			t.Errorf("URL() = %q for Addr() %q", s.URL(), s.Addr())
		}
		c := dial(t, s)
		if r := c.get("/"); r.body != "hello\n" {
			t.Errorf("%s: body %q", addr, r.body)
		}
		if err := s.Close(); err != nil {
			t.Errorf("%s: Close: %v", addr, err)
		}
	}
	for _, o := range []Options{{Delay: -time.Second}, {Delay: 2 * time.Minute}, {CloseEvery: -1}} {
		if s, err := Start(o); err == nil {
			_ = s.Close() // only cleaning up after the failure reported here
			t.Errorf("Start(%+v) succeeded, want an error", o)
		}
	}
}

func TestPipelining(t *testing.T) {
	s := start(t, Options{})
	c := dial(t, s)
	c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n" +
		"GET /bytes/5 HTTP/1.1\r\nHost: t\r\n\r\n" +
		"\r\nGET /chunked/3 HTTP/1.1\r\nHost: t\r\n\r\n") // an empty line between requests is allowed
	for _, want := range []string{"hello\n", "abcde", "abc"} {
		if r := c.read("GET"); r.body != want {
			t.Fatalf("pipelined response %q, want %q", r.body, want)
		}
	}
	if got := s.Requests(); got != 3 {
		t.Fatalf("Requests() = %d, want 3", got)
	}
	eventually(t, "3 responses", func() bool { return s.Responses() == 3 })

	// A held response keeps its place: later, undelayed requests wait.
	c.send("GET /delay/50ms HTTP/1.1\r\nHost: t\r\n\r\nGET /bytes/2 HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n")
	for _, want := range []string{"hello\n", "ab", "hello\n"} {
		if r := c.read("GET"); r.body != want {
			t.Fatalf("pipelined after a delay: response %q, want %q", r.body, want)
		}
	}

	// Many requests in one write, split at every possible place on the wire.
	var all strings.Builder
	for range 200 {
		all.WriteString("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
	}
	go func() {
		for b := []byte(all.String()); len(b) > 0; {
			n := min(len(b), 1+len(b)%37)
			_, _ = c.nc.Write(b[:n]) // a failed write shows as a failed read below
			b = b[n:]
		}
	}()
	for i := range 200 {
		if r := c.read("GET"); r.body != "hello\n" {
			t.Fatalf("response %d: %q", i, r.body)
		}
	}
	eventually(t, "all responses counted", func() bool { return s.Responses() == 206 })
	if s.Requests() != 206 || s.Connections() != 1 {
		t.Fatalf("Requests() = %d, Connections() = %d, want 206 and 1", s.Requests(), s.Connections())
	}
}

func TestRequestBodies(t *testing.T) {
	s := start(t, Options{})
	c := dial(t, s)
	big := strings.Repeat("x", 1<<20)
	c.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1048576\r\n\r\n" + big +
		"PUT /bytes/1 HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n" +
		"POST /bytes/2 HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"5;name=value\r\nhello\r\n1a \r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: yes\r\n\r\n" +
		"POST /bytes/3 HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
	for _, want := range []string{"hello\n", "a", "ab", "abc"} {
		if r := c.read("GET"); r.body != want {
			t.Fatalf("response %q, want %q", r.body, want)
		}
	}

	// Expect: 100-continue gets its interim response before the body is sent.
	c.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
	if r := c.read("POST"); r.StatusCode != 100 {
		t.Fatalf("Expect: 100-continue: got %d first", r.StatusCode)
	}
	c.send("12345")
	if r := c.read("POST"); r.StatusCode != 200 {
		t.Fatalf("after 100 Continue: got %d", r.StatusCode)
	}
	if s.Requests() != 5 {
		t.Fatalf("Requests() = %d, want 5", s.Requests())
	}
}

func TestMalformed(t *testing.T) {
	s := start(t, Options{})
	tests := []struct {
		raw    string
		status int
	}{
		{"GET / HTTP/1.1\nHost: t\n\n", 400},
		{"GET / HTTP/1.1\r\nHost: t\n\r\n", 400},
		{"GET / HTTP/1.1\r\n\r\n", 400},                       // no Host
		{"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400}, // two Hosts
		{"GET /  HTTP/1.1\r\nHost: t\r\n\r\n", 400},
		{"GET / HTTP/1.1 \r\nHost: t\r\n\r\n", 400},
		{"GET /\r\nHost: t\r\n\r\n", 400},
		{"G(T / HTTP/1.1\r\nHost: t\r\n\r\n", 400},
		{" GET / HTTP/1.1\r\nHost: t\r\n\r\n", 400},
		{"GET / http/1.1\r\nHost: t\r\n\r\n", 400},
		{"GET / HTTP/1.10\r\nHost: t\r\n\r\n", 400},
		{"GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505},
		{"PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n", 505}, // not quite the HTTP/2 preface
		{"GET hello HTTP/1.1\r\nHost: t\r\n\r\n", 400},
		{"GET /\x01 HTTP/1.1\r\nHost: t\r\n\r\n", 400},
		{"GET /\xff HTTP/1.1\r\nHost: t\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nHost : t\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nHost: t\r\n folded\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nHost: t\r\nNoColon\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nHost: t\r\n: empty\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nHost: t\r\nX: a\x00b\r\n\r\n", 400},
		{"GET / HTTP/1.1\r\nHost: t\r\nX: a\rb\r\n\r\n", 400},
		{"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1x\r\n\r\n", 400},
		{"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n", 400},
		{"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: \r\n\r\n", 400},
		{"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1, 1\r\n\r\n", 400},
		{"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
		{"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 67108865\r\n\r\n", 413},
		{"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999999999999999\r\n\r\n", 413},
		{"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
		{"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
		{"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400},
		{"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
		{"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
		{"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", 400},
		{"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n1 x\r\n", 400},
		{"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n", 400},
		{"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n1\nab\r\n", 400},
		{"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n4000001\r\n", 413},
		{"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffffff\r\n", 413},
		{"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n\r\n", 400},
		{"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" + strings.Repeat("0", 5000), 400},
		{"GET / HTTP/1.1\r\nHost: t\r\nX: " + strings.Repeat("a", 64<<10) + "\r\n\r\n", 431},
		{"GET / HTTP/1.1\r\nHost: t\r\nX: " + strings.Repeat("a", 64<<10), 431},
	}
	for _, tt := range tests {
		c := dial(t, s)
		c.send(tt.raw)
		r := c.read("GET")
		if r.StatusCode != tt.status {
			t.Errorf("%.60q: status %d, want %d", tt.raw, r.StatusCode, tt.status)
		}
		if !r.Close || strings.Count(r.body, "\n") != 1 || !strings.Contains(r.body, ": ") {
			t.Errorf("%.60q: Close %v, body %q; want close and a one-line reason", tt.raw, r.Close, r.body)
		}
		c.expectEOF()
	}
	if s.Requests() != 0 {
		t.Errorf("Requests() = %d after only malformed requests", s.Requests())
	}
	eventually(t, "every 400 counted as a response", func() bool { return s.Responses() == uint64(len(tests)) })

	// A request that is cut short is not answered.
	c := dial(t, s)
	c.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
	c.nc.(*net.TCPConn).CloseWrite()
	c.expectEOF()
}

func TestCloseEvery(t *testing.T) {
	s := start(t, Options{CloseEvery: 3})
	for range 2 {
		c := dial(t, s)
		c.send(strings.Repeat("GET / HTTP/1.1\r\nHost: t\r\n\r\n", 4))
		for i := range 3 {
			r := c.read("GET")
			if got, want := r.Close, i == 2; got != want {
				t.Fatalf("response %d: Connection: close is %v, want %v", i+1, got, want)
			}
		}
		c.expectEOF()
	}
	if s.Connections() != 2 || s.Requests() != 6 {
		t.Fatalf("Connections() = %d, Requests() = %d; want 2 and 6", s.Connections(), s.Requests())
	}
	eventually(t, "6 responses", func() bool { return s.Responses() == 6 })
}

func TestCounters(t *testing.T) {
	s := start(t, Options{})
	const conns, each = 8, 250
	var wg sync.WaitGroup
	for range conns {
		c := dial(t, s)
		wg.Go(func() {
			for i := range each {
				// Alternate single and pipelined pairs.
				if i%2 == 0 {
					c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
					c.read("GET")
				} else {
					c.send("GET /bytes/10 HTTP/1.1\r\nHost: t\r\n\r\nHEAD / HTTP/1.1\r\nHost: t\r\n\r\n")
					c.read("GET")
					c.read("HEAD")
				}
			}
		})
	}
	wg.Wait()
	want := uint64(conns * (each/2 + each))
	if s.Requests() != want || s.Connections() != conns {
		t.Fatalf("Requests() = %d, Connections() = %d; want %d and %d", s.Requests(), s.Connections(), want, conns)
	}
	eventually(t, "every response counted", func() bool { return s.Responses() == want })
}

func TestDelayAccuracy(t *testing.T) {
	const delay = 20 * time.Millisecond
	s := start(t, Options{Delay: delay})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var observed []time.Duration
	for range 2 {
		c := dial(t, s)
		wg.Go(func() {
			for range 10 {
				t0 := time.Now()
				c.get("/")
				mu.Lock()
				observed = append(observed, time.Since(t0))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, d := range observed {
		if d < delay {
			t.Fatalf("a response came after %v, before the %v delay", d, delay)
		}
	}
	eventually(t, "20 delays measured", func() bool { return s.DelaySummary().Count == 20 })
	sum := s.DelaySummary()
	delays := s.Delays()
	if len(delays) != 20 || sum.Min < delay || sum.P50 < delay || sum.Max < sum.P99 || sum.Mean < delay {
		t.Fatalf("measured delays %v, summary %+v; want 20, all at least %v", delays, sum, delay)
	}
	for _, d := range delays {
		if d < delay {
			t.Fatalf("measured delay %v below %v", d, delay)
		}
	}
	t.Logf("requested %v: measured %+v", delay, sum)

	// ?delay=0s overrides the default; undelayed responses are not measured.
	c := dial(t, s)
	c.get("/?delay=0s")
	if n := s.DelaySummary().Count; n != 20 {
		t.Fatalf("an undelayed response was measured: count %d", n)
	}
}

func TestFreeze(t *testing.T) {
	s := start(t, Options{})
	c := dial(t, s)
	c.get("/")
	s.Freeze(300 * time.Millisecond)
	t0 := time.Now()
	c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
	eventually(t, "the request to be counted", func() bool { return s.Requests() == 2 })
	time.Sleep(100 * time.Millisecond)
	if s.Responses() != 1 {
		t.Fatalf("a response went out during the freeze")
	}
	c.read("GET")
	if el := time.Since(t0); el < 300*time.Millisecond {
		t.Fatalf("frozen response came after %v, want at least 300ms", el)
	}
	if sum := s.DelaySummary(); sum.Count != 1 || sum.Min < 200*time.Millisecond {
		t.Fatalf("the freeze was measured as %+v", sum)
	}
	// After the freeze, responses are immediate again.
	t0 = time.Now()
	c.get("/")
	if el := time.Since(t0); el > time.Second {
		t.Fatalf("response after the freeze took %v", el)
	}

	// Freeze(0) releases held responses at once, both those that wait in a
	// read deadline and those of a half-closed connection.
	s.Freeze(time.Minute)
	c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
	c2 := dial(t, s)
	c2.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
	c2.nc.(*net.TCPConn).CloseWrite()
	eventually(t, "both requests", func() bool { return s.Requests() == 5 })
	t0 = time.Now()
	s.Freeze(0)
	c.read("GET")
	c2.read("GET")
	if el := time.Since(t0); el > time.Second {
		t.Fatalf("Freeze(0) released responses after %v", el)
	}
	c2.expectEOF()
}

func TestArrivals(t *testing.T) {
	s := start(t, Options{RecordArrivals: true})
	c := dial(t, s)
	// The second request arrives while the first one's response is held:
	// its arrival must be when it was sent, not when the first one left.
	// Measured against when the test sent it, in the server's clock (Origin), so that a busy
	// machine's late wake-up moves both alike.
	c.send("GET /delay/300ms HTTP/1.1\r\nHost: t\r\n\r\n")
	time.Sleep(50 * time.Millisecond)
	before := time.Now()
	c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
	after := time.Now()
	c.read("GET")
	c.read("GET")
	a := s.Arrivals()
	if len(a) != 2 {
		t.Fatalf("Arrivals() = %v, want 2", a)
	}
	if lo, hi := before.Sub(s.Origin()), after.Sub(s.Origin()); a[1] < lo-time.Millisecond || a[1] > hi+10*time.Millisecond {
		t.Fatalf("the second request arrived at %v, sent between %v and %v", a[1], lo, hi)
	}
	if s2 := start(t, Options{}); len(s2.Arrivals()) != 0 {
		t.Fatal("arrivals recorded without RecordArrivals")
	}
}

func TestCloseStopsEverything(t *testing.T) {
	before := runtime.NumGoroutine()
	s, err := Start(Options{Delay: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	for _, raw := range []string{
		"",                                  // idle
		"GET / HTTP/1.1\r\nHost: t\r\n",     // mid-head
		"GET / HTTP/1.1\r\nHost: t\r\n\r\n", // held for a minute
		"GET /bytes/67108864?delay=0s HTTP/1.1\r\nHost: t\r\n\r\n",                                      // blocked writing
		"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nab",                                   // mid-body
		"GET / HTTP/1.1\r\nHost: t\r\n\r\n" + strings.Repeat("GET / HTTP/1.1\r\nHost: t\r\n\r\n", 2000), // queue full
	} {
		nc, err := net.Dial("tcp", s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		if _, err := io.WriteString(nc, raw); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, nc)
	}
	eventually(t, "all connections", func() bool { return s.Connections() == uint64(len(conns)) })
	time.Sleep(50 * time.Millisecond)
	c := conns[len(conns)-1]
	c.(*net.TCPConn).CloseWrite() // this one now drains its queue with timers
	time.Sleep(20 * time.Millisecond)
	t0 := time.Now()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(t0); el > 2*time.Second {
		t.Fatalf("Close took %v", el)
	}
	for _, nc := range conns {
		if err := nc.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
			t.Fatal(err)
		}
		// Closing a socket with unread input resets it: that is closed too.
		if _, err := io.Copy(io.Discard, nc); err != nil && !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("a connection was not closed: %v", err)
		}
	}
	if _, err := net.Dial("tcp", s.Addr()); err == nil {
		t.Fatal("still accepting after Close")
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	settleGoroutines(t, before)
}
