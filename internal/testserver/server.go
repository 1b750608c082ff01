// Package testserver is volley's built-in target: a small, fast and strict
// HTTP/1.1 server on loopback, used by `volley demo`, integration tests and
// benchmarks. A connection that opens with the HTTP/2 preface is served as
// HTTP/2 (see h2.go), on the same routes: h2c with prior knowledge, or h2 by
// ALPN over TLS.
//
// It is written directly on net.Listener rather than net/http so that it can
// count requests and responses exactly, record when requests arrive, hold
// responses on demand and measure the delays it actually produces.
//
// Routes (any method; HEAD gets the same header without the body):
//
//	/, /hello        "hello\n"
//	/bytes/N         N bytes (0 to 64 MiB), byte i being 'a'+i%26
//	/chunked/N       the same bytes, chunked in pieces of at most 4 KiB
//	/delay/DUR       "hello\n" after DUR (Go duration, 0 to 1m)
//	/close           "hello\n" with Connection: close, then closes
//	/status/NNN      status NNN (100-599); other 1xx than 101 come as an
//	                 interim response followed by 200 hello; 101 closes
//	/login           {"token":"vt-5f2d9a61c0de",...} as application/json
//	/api/items       a small JSON list of three items
//	/echo            the request's method, a newline, then its body (the
//	                 first 64 KiB of a Content-Length body), then a newline
//	anything else    404
//
// The query ?delay=DUR delays any route (it overrides /delay/ and
// Options.Delay). Malformed requests get 400 (or 413, 431, 501, 505) with a
// one-line reason and the connection closes; a bad route parameter gets 400
// on a connection that stays open.
package testserver

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Options configure a Server. The zero value is a plain server on an
// ephemeral loopback port.
type Options struct {
	// Addr is host:port to listen on; default "127.0.0.1:0". Only loopback
	// addresses (127.0.0.0/8, ::1, localhost) are accepted.
	Addr string
	// Delay holds every response until its request has been received for at
	// least this long, unless the request asks for its own delay.
	Delay time.Duration
	// CloseEvery closes a connection after every Nth response on it, sending
	// Connection: close with that response. 0 never closes.
	CloseEvery int
	// RecordArrivals keeps each complete request's arrival time, see Arrivals.
	RecordArrivals bool
	// AnyAddress allows an Addr that is not loopback (volley serve --addr): the server is
	// then reachable from other machines.
	AnyAddress bool
	// TLS, when set, serves HTTPS with it.
	TLS *tls.Config
	// Unix, when set, listens on this Unix domain socket path instead of Addr.
	Unix string
}

// Server is a running test server. Its methods are safe for concurrent use.
type Server struct {
	opts  Options
	ln    net.Listener
	start time.Time // origin of every Duration the server reports
	done  chan struct{}
	once  sync.Once
	wg    sync.WaitGroup

	mu     sync.Mutex
	conns  map[*conn]struct{}
	closed bool

	requests    atomic.Uint64
	responses   atomic.Uint64
	connections atomic.Uint64

	frozenUntil atomic.Int64 // since start; responses wait at least until then
	freezeGen   atomic.Uint64
	freezeMu    sync.Mutex
	freezeWake  chan struct{} // closed and replaced by every Freeze

	rec recorder
}

// maxDelay bounds every delay a request or Options can ask for.
const maxDelay = time.Minute

// Start listens on o.Addr and serves until Close.
func Start(o Options) (*Server, error) {
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if err := checkLoopback(o.Addr); err != nil && !o.AnyAddress && o.Unix == "" {
		return nil, err
	}
	if o.Delay < 0 || o.Delay > maxDelay {
		return nil, fmt.Errorf("testserver: delay %v is out of range (0 to %v)", o.Delay, maxDelay)
	}
	if o.CloseEvery < 0 {
		return nil, fmt.Errorf("testserver: CloseEvery %d is negative", o.CloseEvery)
	}
	network, addr := "tcp", o.Addr
	if o.Unix != "" {
		network, addr = "unix", o.Unix
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		return nil, fmt.Errorf("testserver: cannot listen on %s: %w", addr, err)
	}
	if a, ok := ln.Addr().(*net.TCPAddr); !o.AnyAddress && o.Unix == "" && (!ok || !a.IP.IsLoopback()) {
		ln.Close()
		return nil, fmt.Errorf("testserver: %s resolved to %s, which is not a loopback address", o.Addr, ln.Addr())
	}
	if o.TLS != nil {
		// HTTP/2 by ALPN, as it is by prior knowledge in plain text (h2.go).
		cfg := o.TLS.Clone()
		cfg.NextProtos = []string{"h2", "http/1.1"}
		ln = tls.NewListener(ln, cfg)
	}
	s := &Server{
		opts:       o,
		ln:         ln,
		start:      time.Now(),
		done:       make(chan struct{}),
		conns:      make(map[*conn]struct{}),
		freezeWake: make(chan struct{}),
	}
	s.wg.Go(s.accept)
	return s, nil
}

// checkLoopback refuses any address that could expose the server beyond
// this machine, including the empty host (all interfaces).
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("testserver: address %q is not host:port", addr)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("testserver: address %q is not a loopback address; use 127.0.0.1, ::1 or localhost", addr)
}

func (s *Server) accept() {
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			select {
			case <-s.done:
				return
			default:
			}
			if errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) ||
				errors.Is(err, syscall.ENOBUFS) || errors.Is(err, syscall.ENOMEM) {
				// Out of descriptors or memory: wait for connections to close.
				select {
				case <-s.done:
					return
				case <-time.After(10 * time.Millisecond):
				}
				continue
			}
			return
		}
		c := newConn(s, nc, s.connections.Add(1))
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			nc.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go c.serve()
	}
}

func (s *Server) forget(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.wg.Done()
}

// Close stops the listener, closes every connection and waits until all of
// the server's goroutines have returned. Later calls return nil.
func (s *Server) Close() error {
	var err error
	s.once.Do(func() {
		close(s.done)
		err = s.ln.Close()
		s.mu.Lock()
		s.closed = true
		for c := range s.conns {
			c.nc.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return err
}

// Addr is the listening address, host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL is the server's base URL, e.g. http://127.0.0.1:41234.
func (s *Server) URL() string {
	if s.opts.Unix != "" {
		return "unix:" + s.opts.Unix
	}
	if s.opts.TLS != nil {
		return "https://" + s.Addr()
	}
	return "http://" + s.Addr()
}

// Requests is the number of complete requests received (bodies included).
// Malformed requests are not counted.
func (s *Server) Requests() uint64 { return s.requests.Load() }

// Responses is the number of final responses whose last byte has been
// written to the socket (interim 1xx responses are not counted).
func (s *Server) Responses() uint64 { return s.responses.Load() }

// Connections is the number of connections accepted.
func (s *Server) Connections() uint64 { return s.connections.Load() }

// Freeze holds every response not yet written, including those of requests
// already received, until d from now. A later Freeze replaces an earlier
// one, so Freeze(0) releases held responses at once.
func (s *Server) Freeze(d time.Duration) {
	until := s.since() + d
	old := s.frozenUntil.Swap(int64(until))
	s.freezeGen.Add(1)
	s.freezeMu.Lock()
	close(s.freezeWake)
	s.freezeWake = make(chan struct{})
	s.freezeMu.Unlock()
	if until < time.Duration(old) {
		// Connections may be blocked in a read whose deadline is the old
		// freeze: interrupt them so that they recompute it.
		past := time.Unix(1, 0)
		s.mu.Lock()
		for c := range s.conns {
			_ = c.nc.SetReadDeadline(past) // fails only on a closed connection: nothing to interrupt
		}
		s.mu.Unlock()
	}
}

// wake returns a channel that is closed by the next Freeze.
func (s *Server) wake() <-chan struct{} {
	s.freezeMu.Lock()
	defer s.freezeMu.Unlock()
	return s.freezeWake
}

func (s *Server) frozen() time.Duration { return time.Duration(s.frozenUntil.Load()) }

// since is the monotonic time since Start.
func (s *Server) since() time.Duration { return time.Since(s.start) }
