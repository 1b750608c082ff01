package engine

import (
	"errors"

	"golang.org/x/sys/unix"

	"volley/internal/h1"
	"volley/internal/h2"
	"volley/internal/stats"
)

type connState uint8

const (
	stClosed     connState = iota // no socket: waiting for a reconnect backoff
	stConnecting                  // non-blocking connect in progress
	stHandshake                   // TLS handshake on a helper goroutine; the loop keeps off the socket
	stProxy                       // CONNECT sent to the proxy, its response being read
	stReady                       // connected: a batch is outstanding (busy) or being written
	stDelay                       // waiting for the script's delay() before the next request
)

// conn is one connection's state. Responses are read into the thread's buffer, so a connection
// keeps only parser state and the request it is sending.
type conn struct {
	fd      int
	idx     int32
	gen     int32
	state   connState
	wantOut bool // write readiness armed for a partial write
	busy    bool // a request batch is outstanding
	gotData bool // some bytes of the outstanding batch's responses arrived
	resend  bool // send the outstanding batch again once connected (keep-alive race)
	held    bool // rate mode: payload is a batch not sent yet, waiting for the slot of its last request
	served  uint32

	payload []byte
	heads   []bool
	next    int // index in heads of the response being parsed
	written int

	start    int64 // when the batch's first byte was written
	intended int64 // when it was due: start in closed mode, its scheduled time in rate mode
	sched    schedule
	opened   int64 // when the connect began
	backoff  int64

	parser h1.Parser
	tls    *tlsConn

	org   *Origin // where the connection goes and what it sends
	oi    int     // org's index, for per-origin counts
	rr    int     // the next of org.Payloads to send
	close bool    // the payload being sent asked to close the connection after it

	// HTTP/2 (nil mux: HTTP/1.1): the frame layer, the stream slots, how many are busy, and
	// whether the server's SETTINGS have arrived.
	mux     *h2.Conn
	slots   []slot
	active  int
	h2ready bool
	h2reqs  []h2.Request // org.Payloads for HTTP/2, sent round robin as they are
}

// begin opens the connection's socket.
func (t *thread) begin(c *conn, now int64) {
	fd, connected, err := dial(&c.org.Endpoint)
	if err != nil {
		t.countError(c, stats.KindConnect, "connect: "+err.Error())
		t.retryLater(c, now)
		return
	}
	c.fd = fd
	c.gen++
	c.opened = now
	c.served = 0
	c.wantOut = false
	if err := t.poll.add(fd, !connected, c.idx, c.gen); err != nil {
		t.closeConn(c)
		t.countError(c, stats.KindConnect, "registering the socket: "+err.Error())
		t.retryLater(c, now)
		return
	}
	c.state = stConnecting
	if connected {
		t.established(c)
	}
}

// retryLater schedules a reconnect with exponential backoff.
func (t *thread) retryLater(c *conn, now int64) {
	c.state = stClosed
	c.backoff = min(max(c.backoff*2, minBackoff), maxBackoff)
	c.gen++
	t.timers.push(timer{at: now + c.backoff, idx: c.idx, gen: c.gen})
}

// established continues a connection whose connect completed: through the proxy's tunnel
// (proxy.go), then TLS (tls.go), then requests (ready).
func (t *thread) established(c *conn) {
	switch {
	case len(c.org.Connect) > 0:
		t.startTunnel(c)
	case c.org.TLS != nil:
		t.startHandshake(c)
	default:
		if c.wantOut || c.state == stConnecting {
			t.poll.setOut(c.fd, false, c.idx, c.gen)
			c.wantOut = false
		}
		t.opened(c)
	}
}

// opened counts a connection that can carry requests and sends the first.
func (t *thread) opened(c *conn) {
	c.state = stReady
	t.rec.Connections++
	if o := t.rec.Origins; o != nil {
		o[c.oi].Connections++
	}
	if c.mux != nil {
		t.h2Start(c)
		return
	}
	t.proceed(c)
}

// countError counts an error of the connection, for its origin too.
func (t *thread) countError(c *conn, kind stats.Kind, reason string) {
	t.rec.Errors.Add(kind, reason)
	if o := t.rec.Origins; o != nil {
		o[c.oi].Errors++
	}
}

// proceed sends the next request: after the script's delay(), and in rate mode at its
// scheduled time.
func (t *thread) proceed(c *conn) {
	if c.resend {
		// Requests already issued that a closed connection left unanswered: they go out
		// again even as the run ends, since they are part of it (and of -n's count).
		c.resend = false
		t.send(c)
		return
	}
	if t.draining || t.seen >= t.end {
		t.closeConn(c) // the run is ending: no new requests
		return
	}
	notBefore, ok := t.nextDue(&c.sched)
	if !ok {
		t.closeConn(c) // the schedule has no more slots in this run, or the script failed
		return
	}
	if notBefore > 0 && notBefore > t.now() {
		c.state = stDelay
		t.timers.push(timer{at: notBefore, idx: c.idx, gen: c.gen})
		return
	}
	t.request(c)
}

// nextDue runs the script's delay() and, in rate mode, the schedule of one requester (a
// connection, or an HTTP/2 stream slot): it returns when the next request may go (0: now), and
// false when the schedule has no slot left in this run or delay() failed.
func (t *thread) nextDue(sched *schedule) (notBefore int64, ok bool) {
	if s := t.spec.Script; s != nil && s.HasDelay() {
		d, err := s.Delay()
		if err != nil {
			t.failScript(err)
			return 0, false
		}
		if d > 0 {
			if t.cfg.Rate > 0 {
				sched.postpone(int64(d))
			} else {
				notBefore = t.now() + int64(d)
			}
		}
	}
	if t.cfg.Rate > 0 {
		if notBefore = sched.due(); notBefore >= t.end {
			return notBefore, false
		}
	}
	return notBefore, true
}

// request sends the next batch. In rate mode each request of a pipelined batch takes a slot of
// its own, and the batch goes out when the last of them is due (so the rate holds whatever the
// batch's size), cut to the slots left before the end of the run; its latency counts from that
// slot. With -n a batch is cut to the requests left.
func (t *thread) request(c *conn) {
	if !c.held {
		if s := t.spec.Script; s != nil && s.HasRequest() {
			p, heads, err := s.Request()
			if err != nil {
				t.failScript(err)
				return
			}
			c.payload, c.heads = p, heads
		} else {
			p := &c.org.Payloads[c.rr]
			if c.rr++; c.rr == len(c.org.Payloads) {
				c.rr = 0
			}
			c.payload, c.heads, c.close = p.Data, p.Heads, p.Close
		}
		if len(c.heads) > 1 && t.cfg.Rate > 0 {
			cut(c, c.sched.fit(len(c.heads), t.end))
			c.held = true
		}
	}
	if c.held {
		// Also after a reconnect during the hold: the batch keeps its slots, and request() is
		// not asked for another.
		if due := c.sched.dueAfter(len(c.heads) - 1); due > t.now() {
			c.state = stDelay
			t.timers.push(timer{at: due, idx: c.idx, gen: c.gen})
			return
		}
		c.held = false
	}
	n := t.claim(len(c.heads))
	if n == 0 {
		t.closeConn(c)
		return
	}
	cut(c, n)
	if t.cfg.Rate > 0 {
		c.intended = c.sched.dueAfter(n - 1)
		c.sched.advance(n)
	}
	t.send(c)
}

// cut keeps the first n requests of the connection's batch.
func cut(c *conn, n int) {
	if n < len(c.heads) {
		c.payload = c.payload[:h1.PrefixLen(c.payload, n)]
		c.heads = c.heads[:n]
	}
}

func (t *thread) send(c *conn) {
	c.state = stReady
	if !c.busy {
		c.busy = true
		t.inflight++
	}
	c.gotData = false
	c.next = 0
	c.written = 0
	c.parser.Start(c.heads[0])
	c.start = t.now()
	if t.cfg.Rate == 0 {
		c.intended = c.start
	}
	t.flush(c)
}

// wake runs a timer: the end of a delay or of a reconnect backoff.
func (t *thread) wake(c *conn) {
	switch c.state {
	case stDelay:
		// A delay() that ends past the deadline sends nothing; a rate-mode slot due before the
		// deadline is part of the run even when handled a moment after it.
		if t.draining || (t.cfg.Rate == 0 && t.now() >= t.end) {
			t.closeConn(c)
			return
		}
		t.request(c)
	case stClosed:
		t.begin(c, t.now())
	}
}

// ready handles an event: in is readability (or hang-up, or an error), out writability.
func (t *thread) ready(c *conn, in, out bool) {
	switch c.state {
	case stConnecting:
		if err := socketError(c.fd); err != nil {
			t.fail(c, stats.KindConnect, "connect: "+err.Error())
			return
		}
		t.established(c)
	case stProxy:
		if in {
			t.tunnelReadable(c)
		}
	case stReady, stDelay:
		if out && c.wantOut {
			t.flush(c)
			if c.state != stReady || c.fd < 0 {
				return
			}
		}
		if in {
			t.readable(c)
		}
	}
}

func (t *thread) flush(c *conn) {
	if c.mux != nil {
		t.h2Flush(c)
		return
	}
	var out []byte
	if c.tls != nil {
		if c.written < len(c.payload) {
			if err := c.tls.encrypt(c.payload[c.written:]); err != nil {
				t.fail(c, stats.KindWrite, "tls: "+err.Error())
				return
			}
			c.written = len(c.payload)
		}
		out = c.tls.pipe.out
	} else {
		out = c.payload[c.written:]
	}
	before := len(out)
	out, errno := writeSocket(c.fd, out)
	if errno != 0 {
		t.fail(c, stats.KindWrite, "write: "+errno.Error())
		return
	}
	if c.tls == nil {
		c.written += before - len(out)
	}
	if c.tls != nil {
		c.tls.sent(len(c.tls.pipe.out) - len(out))
	}
	if len(out) > 0 != c.wantOut {
		c.wantOut = len(out) > 0
		t.poll.setOut(c.fd, c.wantOut, c.idx, c.gen)
	}
}

func (t *thread) readable(c *conn) {
	n, errno := readSocket(c.fd, t.buf)
	switch {
	case errno == unix.EAGAIN:
		return
	case errno != 0:
		if c.mux != nil {
			t.h2Lost(c, "read: "+errno.Error())
			return
		}
		if !c.busy {
			t.closed(c) // a reset of an idle keep-alive connection is the server closing it
			return
		}
		if !c.gotData && c.served > 0 && errno == unix.ECONNRESET {
			// The keep-alive race, as in eof: send the request again on a new connection.
			t.resendRest(c)
			return
		}
		t.fail(c, stats.KindRead, "read: "+errno.Error())
		return
	case n == 0:
		t.eof(c)
		return
	}
	if c.tls != nil {
		t.decrypt(c, t.buf[:n])
		return
	}
	t.rec.Bytes += uint64(n) //nolint:gosec // G115: n > 0 here, the errno and n == 0 cases returned above
	t.consume(c, t.buf[:n])
}

// consume feeds response bytes to the parser; several responses may arrive at once.
func (t *thread) consume(c *conn, b []byte) {
	if c.mux != nil {
		t.h2Consume(c, b)
		return
	}
	for len(b) > 0 {
		if !c.busy {
			t.fail(c, stats.KindProtocol, "unexpected data from the server: no request outstanding")
			return
		}
		c.gotData = true
		k, done, err := c.parser.Feed(b)
		if err != nil {
			t.fail(c, stats.KindProtocol, err.Error())
			return
		}
		b = b[k:]
		if !done {
			return
		}
		closing := !c.parser.KeepAlive()
		if !t.responded(c) {
			return
		}
		if closing && c.busy {
			t.resendRest(c) // Connection: close with requests pipelined behind the response
			return
		}
		if !c.busy && len(b) > 0 {
			t.fail(c, stats.KindProtocol, "unexpected data from the server after a response")
			return
		}
		if !c.busy {
			t.afterBatch(c)
			return
		}
	}
}

// responded records a complete response. It returns false when the connection is gone or the
// thread must stop.
func (t *thread) responded(c *conn) bool {
	now := max(t.seen, c.start) // never before its request: a guard, as a batch cannot answer its own sends
	status := c.parser.Status()
	latency := micros(now - c.intended)
	t.rec.Response(status, latency)
	if o := t.rec.Origins; o != nil {
		o[c.oi].Response(status, latency)
	}
	if t.rec.Uncorrected != nil {
		t.rec.Uncorrected.Record(micros(now - c.start))
	}
	c.served++
	c.backoff = 0
	if s := t.spec.Script; s != nil && s.HasResponse() {
		if err := s.Response(status, c.parser.Headers(), c.parser.Body()); err != nil {
			t.failScript(err)
			return false
		}
	}
	c.next++
	if c.next < len(c.heads) {
		c.parser.Start(c.heads[c.next])
	} else {
		c.busy = false
		t.inflight--
	}
	if s := t.spec.Script; s != nil && s.Stopped() {
		// thread:stop(): no new requests from this thread; those outstanding may finish.
		t.stopped = true
		t.startDrain(now)
		return c.busy
	}
	return true
}

// afterBatch continues a connection whose batch is complete.
func (t *thread) afterBatch(c *conn) {
	if !c.parser.KeepAlive() || c.close {
		t.closed(c)
		return
	}
	t.proceed(c)
}

func (t *thread) eof(c *conn) {
	if c.mux != nil {
		t.h2Lost(c, "connection closed by the server")
		return
	}
	if !c.busy {
		t.closed(c)
		return
	}
	done, err := c.parser.EOF()
	switch {
	case err == nil && done:
		if t.responded(c) {
			if c.busy {
				t.resendRest(c)
				return
			}
			t.closed(c)
		}
	case c.next > 0 && noResponseBytes(err):
		// Closed between two responses of a pipelined batch: the rest was never answered.
		t.resendRest(c)
	case !c.gotData && c.served > 0:
		// The server closed a keep-alive connection as the request went out: send it again on
		// a new connection, as HTTP clients do, rather than count an error.
		t.resendRest(c)
	case err != nil:
		t.fail(c, stats.KindRead, err.Error())
	default:
		t.fail(c, stats.KindRead, "connection closed by the server before the response was complete")
	}
}

// noResponseBytes reports whether err is the parser's "closed before the response": not one
// byte of the response in progress arrived.
func noResponseBytes(err error) bool {
	var he *h1.Error
	return errors.As(err, &he) && he.Kind == h1.ErrClosed
}

// resendRest replaces a connection that closed part way through a pipelined batch and sends
// the requests it left unanswered again on the new one, as RFC 9112 §9.3.2 asks of a client:
// a server may close after any response (nginx does after keepalive_requests), and what was
// pipelined behind it was never processed. The batch stays outstanding meanwhile, so that the
// end of a run waits for it; its requests keep their place in -n's count and, in rate mode,
// their scheduled time. A server that answers nothing at all is not retried this way: the
// batch had at least one response on the closed connection, or (the keep-alive race) the
// connection had answered an earlier batch.
func (t *thread) resendRest(c *conn) {
	c.payload, c.heads = c.payload[h1.PrefixLen(c.payload, c.next):], c.heads[c.next:]
	c.next = 0
	t.closeConn(c)
	c.busy = true
	t.inflight++
	c.resend = true
	t.begin(c, t.now())
}

// closed replaces a connection that ended without error.
func (t *thread) closed(c *conn) {
	t.closeConn(c)
	if !t.draining {
		t.begin(c, t.now())
	}
}

// fail counts an error and replaces the connection.
func (t *thread) fail(c *conn, kind stats.Kind, reason string) {
	t.countError(c, kind, reason)
	connectFailed := c.state == stConnecting || c.state == stProxy || c.state == stHandshake
	t.closeConn(c)
	c.resend = false
	if t.draining {
		return
	}
	if connectFailed {
		t.retryLater(c, t.now())
		return
	}
	t.begin(c, t.now())
}

func (t *thread) closeConn(c *conn) {
	if c.tls != nil {
		c.tls.release()
		c.tls = nil
	}
	if c.fd >= 0 {
		t.poll.forget(c.fd)
		unix.Close(c.fd) // closing also removes it from the poller
		c.fd = -1
	}
	c.gen++
	if c.busy {
		c.busy = false
		t.inflight--
	}
	if c.mux != nil {
		t.h2Reset(c)
	}
	c.state = stClosed
}

// micros rounds a duration in ns up to whole µs, the histogram's unit.
func micros(ns int64) int64 { return (ns + 999) / 1000 }
