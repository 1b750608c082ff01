package engine

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"volley/internal/h1"
	"volley/internal/stats"
	"volley/internal/testserver"
)

func TestConnectionsForSpreadsRemainder(t *testing.T) {
	for _, tc := range []struct{ threads, conns int }{{1, 1}, {2, 3}, {3, 10}, {4, 4}, {7, 100}} {
		sum, lo, hi := 0, tc.conns, 0
		for i := 0; i < tc.threads; i++ {
			n := ConnectionsFor(i, tc.threads, tc.conns)
			sum += n
			lo, hi = min(lo, n), max(hi, n)
		}
		if sum != tc.conns || hi-lo > 1 {
			t.Errorf("%d threads, %d connections: sum %d, spread %d..%d", tc.threads, tc.conns, sum, lo, hi)
		}
	}
}

func request(t testing.TB, method, path string) []byte {
	t.Helper()
	b, err := h1.AppendRequest(nil, method, path, []h1.Field{{Name: "Host", Value: "127.0.0.1"}}, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func config(t testing.TB, addr string, threads, conns int, d time.Duration, req []byte) Config {
	t.Helper()
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Connections: conns, Duration: d, Timeout: time.Second, Limits: h1.DefaultLimits()}
	for range threads {
		cfg.Threads = append(cfg.Threads, Thread{Addr: ap, Request: req, Heads: []bool{false}})
	}
	return cfg
}

// closeServer stops a built-in target; failing to stop is a test failure.
func closeServer(t testing.TB, srv *testserver.Server) {
	t.Helper()
	if err := srv.Close(); err != nil {
		t.Errorf("closing the test server: %v", err)
	}
}

func runFor(t testing.TB, cfg Config) *Result {
	t.Helper()
	begin := time.Now()
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	// A guard against hangs, not a timing: the drain at the end may take its whole grace, and a
	// busy machine adds to the setup.
	if took := time.Since(begin); took > cfg.Duration+drainGrace+time.Second {
		t.Errorf("run took %v for a %v test", took, cfg.Duration)
	}
	return res
}

func TestRunAgainstBuiltinTarget(t *testing.T) {
	srv, err := testserver.Start(testserver.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer closeServer(t, srv)
	res := runFor(t, config(t, srv.Addr(), 2, 10, 500*time.Millisecond, request(t, "GET", "/")))
	if res.Requests == 0 {
		t.Fatal("no requests completed")
	}
	if got := res.Latency.Count(); got < 0 || uint64(got) != res.Requests {
		t.Errorf("latency samples %d != requests %d", got, res.Requests)
	}
	if e := res.Errors; e.Connect+e.Read+e.Write+e.Timeout+e.Status != 0 {
		t.Errorf("errors against a healthy target: %+v", e)
	}
	// The server received every completed request, plus at most one in flight per connection.
	if got := srv.Requests(); got < res.Requests || got > res.Requests+10 {
		t.Errorf("server saw %d requests, volley reported %d", got, res.Requests)
	}
	if res.Rate.Count() == 0 {
		t.Error("no Req/Sec samples")
	}
}

func TestReconnectsWhenServerCloses(t *testing.T) {
	srv, err := testserver.Start(testserver.Options{Addr: "127.0.0.1:0", CloseEvery: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer closeServer(t, srv)
	res := runFor(t, config(t, srv.Addr(), 1, 4, 300*time.Millisecond, request(t, "GET", "/")))
	if res.Requests < 30 {
		t.Fatalf("only %d requests", res.Requests)
	}
	if e := res.Errors; e.Connect+e.Read+e.Write+e.Timeout != 0 {
		t.Errorf("closing after a response is a reconnect, not an error: %+v", e)
	}
	if srv.Connections() < 10 {
		t.Errorf("expected reconnects, server accepted %d connections", srv.Connections())
	}
}

// rawServer answers every request on a connection with handle's bytes. Its cleanup closes the
// listener and every open connection, and waits for the accept loop and every handler to return,
// so that no server goroutine outlives the test (and the WaitGroup never grows while it is waited
// for: the accept loop holds a count of its own until it has returned).
func rawServer(t *testing.T, handle func(c net.Conn, r *bufio.Reader)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		conns  = map[net.Conn]struct{}{}
		closed bool // set by the cleanup: a connection accepted after it is closed at once
	)
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[c] = struct{}{}
			if closed {
				c.Close()
			}
			mu.Unlock()
			wg.Go(func() {
				defer func() {
					mu.Lock()
					delete(conns, c)
					mu.Unlock()
					c.Close()
				}()
				handle(c, bufio.NewReader(c))
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		closed = true
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// readRequest consumes one request head (no bodies in these tests).
func readRequest(r *bufio.Reader) bool {
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return false
		}
		if line == "\r\n" {
			return true
		}
	}
}

func respondEach(resp string) func(net.Conn, *bufio.Reader) {
	return func(c net.Conn, r *bufio.Reader) {
		for readRequest(r) {
			if _, err := io.WriteString(c, resp); err != nil {
				return
			}
		}
	}
}

func TestHostileResponsesAreErrorsNotCrashes(t *testing.T) {
	huge := "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", 100<<10) + "\r\nContent-Length: 0\r\n\r\n"
	cases := map[string]string{
		"garbage":               "\x1b[31mnot http at all\r\n\r\n",
		"conflicting lengths":   "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
		"length and chunked":    "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"overflowing length":    "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
		"overflowing chunk":     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n",
		"negative length":       "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"bare LF":               "HTTP/1.1 200 OK\nContent-Length: 0\n\n",
		"NUL in header":         "HTTP/1.1 200 OK\r\nX: a\x00b\r\nContent-Length: 0\r\n\r\n",
		"huge header":           huge,
		"obs-fold":              "HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n",
		"two responses at once": "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
	}
	for name, resp := range cases {
		t.Run(name, func(t *testing.T) {
			addr := rawServer(t, respondEach(resp))
			res := runFor(t, config(t, addr, 1, 2, 200*time.Millisecond, request(t, "GET", "/")))
			if res.Errors.Read == 0 || res.Errors.Protocol == 0 {
				t.Fatalf("no protocol error counted: %+v", res.Errors)
			}
			if len(res.Errors.Reasons) == 0 {
				t.Fatal("no reason recorded")
			}
		})
	}
}

func TestNoResponseIsATimeout(t *testing.T) {
	addr := rawServer(t, func(c net.Conn, r *bufio.Reader) {
		_, _ = io.Copy(io.Discard, r) // never answer; how the connection ends does not matter
	})
	cfg := config(t, addr, 1, 3, 700*time.Millisecond, request(t, "GET", "/"))
	cfg.Timeout = 100 * time.Millisecond
	res := runFor(t, cfg)
	if res.Errors.Timeout < 3 {
		t.Fatalf("timeouts %d, want at least one per connection", res.Errors.Timeout)
	}
	if res.Requests != 0 || res.Latency.Count() != 0 {
		t.Fatalf("a timed-out request must not be a completed one: %d", res.Requests)
	}
}

func TestInterimResponsesAreNotRequests(t *testing.T) {
	addr := rawServer(t, respondEach("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
	res := runFor(t, config(t, addr, 1, 1, 200*time.Millisecond, request(t, "GET", "/")))
	if res.Requests == 0 || res.Errors.Read != 0 {
		t.Fatalf("requests %d, errors %+v", res.Requests, res.Errors)
	}
	if res.StatusCodes[100] != 0 || res.StatusCodes[200] != res.Requests {
		t.Fatalf("interim responses counted as responses: 100→%d 200→%d of %d", res.StatusCodes[100], res.StatusCodes[200], res.Requests)
	}
}

func TestEndlessBodyEndsOnTime(t *testing.T) {
	addr := rawServer(t, func(c net.Conn, r *bufio.Reader) {
		readRequest(r)
		if _, err := io.WriteString(c, "HTTP/1.1 200 OK\r\n\r\n"); err != nil {
			return
		}
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		for {
			if _, err := c.Write(chunk); err != nil {
				return
			}
		}
	})
	cfg := config(t, addr, 1, 2, 500*time.Millisecond, request(t, "GET", "/"))
	cfg.Timeout = 200 * time.Millisecond
	res := runFor(t, cfg)
	if res.Errors.Timeout == 0 {
		t.Fatalf("an endless body must time out: %+v", res.Errors)
	}
}

func TestStatusErrorsCounted(t *testing.T) {
	addr := rawServer(t, respondEach("HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n"))
	res := runFor(t, config(t, addr, 1, 1, 200*time.Millisecond, request(t, "GET", "/")))
	if res.Requests == 0 || res.Errors.Status != res.Requests {
		t.Fatalf("requests %d, status errors %d", res.Requests, res.Errors.Status)
	}
}

func TestConnectRefusedIsRetriedWithBackoff(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	res := runFor(t, config(t, addr, 1, 2, 300*time.Millisecond, request(t, "GET", "/")))
	if res.Errors.Connect == 0 {
		t.Fatal("no connect errors")
	}
	// 10 ms doubling: a few attempts per connection, not a busy loop.
	if res.Errors.Connect > 40 {
		t.Fatalf("%d connect errors in 300 ms: no backoff", res.Errors.Connect)
	}
}

func TestHTTPS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "hello\n") // a client that went away is the engine's to report
	}))
	srv.EnableHTTP2 = false
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the unverified half fails handshakes on purpose
	srv.StartTLS()
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	addr := strings.TrimPrefix(srv.URL, "https://")

	// Each half runs until it has shown what it checks, not for a fixed time: a TLS handshake
	// under the race detector on a busy machine can take longer than a short run.
	cfg := config(t, addr, 2, 4, 30*time.Second, request(t, "GET", "/"))
	cfg.TLS = &tls.Config{RootCAs: pool, ServerName: "example.com", MinVersion: tls.VersionTLS12}
	res := runUntil(t, cfg, func(l *Live) bool { return l.Requests.Load() >= 20 })
	if res.Requests < 20 || res.Errors.Read+res.Errors.Connect != 0 {
		t.Fatalf("requests %d, errors %+v", res.Requests, res.Errors)
	}

	// Verification is on by default: an unknown CA fails every handshake as a connect error.
	cfg.TLS = &tls.Config{ServerName: "example.com", MinVersion: tls.VersionTLS12}
	res = runUntil(t, cfg, func(l *Live) bool { return l.Errors.Load() >= 4 })
	if res.Requests != 0 || res.Errors.Connect < 4 {
		t.Fatalf("unverified server: requests %d, errors %+v", res.Requests, res.Errors)
	}
}

// runUntil runs cfg until done holds of the run's live counters (polled every 10 ms), with
// cfg.Duration as the guard against a run that never gets there.
func runUntil(t testing.TB, cfg Config, done func(*Live) bool) *Result {
	t.Helper()
	cfg.Live = &Live{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for !done(cfg.Live) {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
		cancel()
	}()
	res, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if ctx.Err() == nil {
		t.Fatalf("the run ended after %v without getting there: %+v", cfg.Duration, res.Errors)
	}
	return res
}

var _ = stats.KindRead

// A server that closes each connection right after its response, without saying so: the
// request already sent on it meets a closed connection (the keep-alive race) and is sent
// again on a new one, without counting an error.
func TestKeepAliveRaceIsNotAnError(t *testing.T) {
	var answered atomic.Uint64
	addr := rawServer(t, func(c net.Conn, r *bufio.Reader) {
		if readRequest(r) {
			answered.Add(1)
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
	})
	res := runFor(t, config(t, addr, 1, 2, 300*time.Millisecond, request(t, "GET", "/")))
	if e := res.Errors; e.Connect+e.Read+e.Write+e.Timeout != 0 {
		t.Fatalf("the keep-alive race counted as errors: %+v %v", e, e.Reasons)
	}
	if res.Requests < 50 || res.Requests > answered.Load() {
		t.Fatalf("requests %d, server answered %d", res.Requests, answered.Load())
	}
}

// A server that closes every connection before answering must not turn the run into a
// reconnect loop: each failure is counted, and the next connection opens after a backoff that
// doubles up to a second (before, 4 connections opened 24,741 times in 2 s).
func TestFruitlessConnectionsBackOff(t *testing.T) {
	addr := rawServer(t, func(c net.Conn, r *bufio.Reader) { readRequest(r) })
	res := runFor(t, config(t, addr, 1, 4, 500*time.Millisecond, request(t, "GET", "/")))
	if res.Errors.Read == 0 {
		t.Fatalf("no error counted: %+v", res.Errors)
	}
	// 4 connections, each retrying after 10, 20, 40, 80, 160, 320 ms: at most 7 attempts each
	// in 500 ms, whatever the machine's speed.
	if res.Connections > 4*7 {
		t.Fatalf("%d connections in 500 ms: the reconnects do not back off", res.Connections)
	}
}
