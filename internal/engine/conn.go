package engine

import (
	"errors"

	"golang.org/x/sys/unix"

	"volley/internal/h1"
	"volley/internal/stats"
	"volley/internal/wire"
)

type connState uint8

const (
	stClosed     connState = iota // no socket: waiting for a reconnect backoff
	stConnecting                  // non-blocking connect in progress
	stHandshake                   // TLS handshake on a helper goroutine; the loop keeps off the socket
	stProxy                       // CONNECT sent to the proxy, its response being read
	stReady                       // connected: the protocol's slots carry requests
)

// conn is one connection: its socket and setup, the protocol's state (wire), and its slots.
// Responses are read into the thread's buffer, so a connection keeps only what its protocol
// needs between reads.
type conn struct {
	fd      int
	idx     int32
	gen     int32
	state   connState
	wantOut bool // write readiness armed for a partial write

	opened  int64 // when the connect began
	backoff int64
	served  uint32 // responses on this connection

	tls   *tlsConn
	proxy *h1.Parser // reads the proxy's answer to CONNECT
	org   *Origin    // where the connection goes and what it sends
	oi    int        // org's index, for per-origin counts
	rr    int        // the next of org.Payloads to send

	wire    wire.Conn
	slots   []slot
	active  int // slots whose batch is on this connection
	waiting int // slots whose batch waits for the next connection
}

// Slot states.
const (
	slIdle    uint8 = iota // nothing outstanding
	slDelay                // a timer runs: delay(), the schedule, or a held batch's last slot
	slBusy                 // the batch is on the connection, awaiting its responses
	slWaiting              // the batch is to be sent again on the next connection
)

// slot carries one request batch at a time, with its own timing, timeout and (in rate mode)
// schedule: the connection's only slot under HTTP/1.1, one per stream under HTTP/2.
type slot struct {
	state    uint8
	held     bool // rate mode: the batch waits for the scheduled time of its last request
	close    bool // the batch asked to close the connection after it
	start    int64
	intended int64 // when it was due: start in closed mode, its scheduled time in rate mode
	sched    schedule
	req      wire.Request
}

// keepLast keeps the last n requests of the slot's batch (n < len(Heads)): those a closing
// connection did not answer.
func (s *slot) keepLast(n int) {
	skip := len(s.req.Heads) - n
	s.req.Text = s.req.Text[h1.PrefixLen(s.req.Text, skip):]
	s.req.Heads = s.req.Heads[skip:]
}

// keepFirst keeps the first n requests of the slot's batch.
func (s *slot) keepFirst(n int) {
	if n < len(s.req.Heads) {
		s.req.Text = s.req.Text[:h1.PrefixLen(s.req.Text, n)]
		s.req.Heads = s.req.Heads[:n]
	}
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
// (proxy.go), then TLS (tls.go), then requests (opened).
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

// opened counts a connection that can carry requests and starts its protocol.
func (t *thread) opened(c *conn) {
	if c.tls != nil && t.alpn != "" && c.tls.conn.ConnectionState().NegotiatedProtocol != t.alpn {
		// The probe checked ALPN before the run; a server that changes its mind fails the connection.
		t.fail(c, stats.KindConnect, "tls: the server did not choose "+t.alpn+" by ALPN")
		return
	}
	c.state = stReady
	t.rec.Connections++
	if o := t.rec.Origins; o != nil {
		o[c.oi].Connections++
	}
	c.wire.Start()
	gen := c.gen
	t.fill(c)
	if c.gen == gen && t.scriptErr == nil {
		t.flush(c)
	}
}

// countError counts an error of the connection, for its origin too.
func (t *thread) countError(c *conn, kind stats.Kind, reason string) {
	t.rec.Errors.Add(kind, reason)
	if o := t.rec.Origins; o != nil {
		o[c.oi].Errors++
	}
}

// fill starts every slot the protocol lets carry a request now and that is not in use.
func (t *thread) fill(c *conn) {
	gen := c.gen
	for i := range min(c.wire.Slots(), len(c.slots)) {
		if s := c.slots[i].state; s == slIdle || s == slWaiting {
			t.proceed(c, i)
			if c.gen != gen || t.scriptErr != nil {
				return
			}
		}
	}
}

// proceed sends the slot's next request: after the script's delay(), and in rate mode at its
// scheduled time.
func (t *thread) proceed(c *conn, i int) {
	s := &c.slots[i]
	if s.state == slWaiting {
		// Requests already issued that a closed connection left unanswered: they go out
		// again even as the run ends, since they are part of it (and of -n's count).
		t.send(c, i)
		return
	}
	if t.draining && !t.lateSends || t.cfg.Rate == 0 && t.seen >= t.end {
		t.idleEnd(c) // the run is ending: no new requests (in rate mode, the schedule says)
		return
	}
	if i >= c.wire.Slots() {
		return // the connection is not ready, or closing: the slot waits for the next
	}
	if !s.held {
		notBefore, ok := t.nextDue(&s.sched)
		if !ok {
			return // the schedule has no more slots in this run, or the script failed
		}
		if notBefore > 0 && notBefore > t.now() {
			t.delay(c, i, notBefore)
			return
		}
	}
	t.request(c, i)
}

// delay makes slot i wait until at.
func (t *thread) delay(c *conn, i int, at int64) {
	c.slots[i].state = slDelay
	t.timers.push(timer{at: at, idx: c.idx, gen: c.gen, slot: int32(i) + 1}) //nolint:gosec // G115: i < --streams
}

// idleEnd closes a connection that has nothing outstanding as the run ends.
func (t *thread) idleEnd(c *conn) {
	if c.active == 0 && c.waiting == 0 {
		t.closeConn(c)
	}
}

// nextDue runs the script's delay() and, in rate mode, the slot's schedule: it returns when
// the next request may go (0: now), and false when the schedule has no slot left in this run
// or delay() failed.
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

// request sends the slot's next batch. In rate mode each request of a pipelined batch takes a
// slot of the schedule of its own, and the batch goes out when the last of them is due (so the
// rate holds whatever the batch's size), cut to the slots left before the end of the run; its
// latency counts from that slot. With -n a batch is cut to the requests left.
func (t *thread) request(c *conn, i int) {
	s := &c.slots[i]
	if !s.held {
		if sc := t.spec.Script; sc != nil && sc.HasRequest() {
			p, heads, err := sc.Request()
			if err != nil {
				t.failScript(err)
				return
			}
			s.req, s.close = wire.Request{Text: p, Heads: heads}, false
		} else {
			p := &c.org.Payloads[c.rr]
			if c.rr++; c.rr == len(c.org.Payloads) {
				c.rr = 0
			}
			s.req, s.close = wire.Request{Text: p.Data, Heads: p.Heads}, p.Close
		}
		if len(s.req.Heads) > 1 && t.cfg.Rate > 0 {
			s.keepFirst(s.sched.fit(len(s.req.Heads), t.end))
			s.held = true
		}
	}
	if s.held {
		// Also after a reconnect during the hold: the batch keeps its slots, and request() is
		// not asked for another.
		if due := s.sched.dueAfter(len(s.req.Heads) - 1); due > t.now() {
			t.delay(c, i, due)
			return
		}
		s.held = false
	}
	n := t.claim(len(s.req.Heads))
	if n == 0 {
		t.idleEnd(c)
		return
	}
	s.keepFirst(n)
	if t.cfg.Rate > 0 {
		s.intended = s.sched.dueAfter(n - 1)
		s.sched.advance(n)
	}
	t.send(c, i)
}

// send hands the slot's batch to the protocol; the caller flushes.
func (t *thread) send(c *conn, i int) {
	s := &c.slots[i]
	again := s.state == slWaiting
	if err := c.wire.Submit(i, s.req); err != nil {
		var re *wire.RequestError
		switch {
		case errors.Is(err, wire.ErrNoSlot): // on the next connection, once this one is done
			if !again {
				s.state = slWaiting
				c.waiting++
				t.inflight++
			}
		case errors.As(err, &re):
			t.failScript(errors.New("volley: " + re.Msg))
		default: // this request only: counted, and the slot stays free
			t.countError(c, stats.KindWrite, err.Error())
			if again {
				s.state = slIdle
				c.waiting--
				t.inflight--
			}
		}
		return
	}
	if again {
		c.waiting--
	} else {
		t.inflight++
	}
	s.state = slBusy
	c.active++
	s.start = t.now()
	if t.cfg.Rate == 0 && !again {
		s.intended = s.start // a request sent again keeps its first time: the wait was part of it
	}
}

// wake runs a connection's timer: the end of a reconnect backoff.
func (t *thread) wake(c *conn) {
	if c.state == stClosed {
		t.begin(c, t.now())
	}
}

// wakeSlot runs a slot's timer: the end of its delay.
func (t *thread) wakeSlot(c *conn, i int) {
	if c.slots[i].state != slDelay {
		return
	}
	c.slots[i].state = slIdle
	// A delay() that ends past the deadline sends nothing; a rate-mode slot due before the
	// deadline is part of the run even when handled a moment after it.
	if t.draining && !t.lateSends || t.cfg.Rate == 0 && t.now() >= t.end {
		t.idleEnd(c)
		return
	}
	gen := c.gen
	t.request(c, i)
	if c.gen != gen || c.state != stReady || t.scriptErr != nil {
		return
	}
	if c.wire.Closing() && t.wind(c) {
		return // the protocol took no new request here (HTTP/2's stream identifiers ran out)
	}
	t.flush(c)
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
	case stReady:
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

// flush writes what the protocol queued (through TLS, if any) as far as the socket takes it.
// The protocol may queue more as its output is taken (HTTP/2 request bodies larger than what
// it queues at once), so flush goes on until the socket is full or nothing is left; over TLS
// it encrypts only while little ciphertext waits, so that what volley holds stays bounded.
func (t *thread) flush(c *conn) {
	for {
		out := c.wire.Output()
		if c.tls != nil {
			if len(out) > 0 && len(c.tls.pipe.out) < tlsOutMax {
				if err := c.tls.encrypt(out); err != nil {
					t.fail(c, stats.KindWrite, "tls: "+err.Error())
					return
				}
				c.wire.Written(len(out))
			}
			out = c.tls.pipe.out
		}
		total := len(out)
		if total == 0 && !c.wantOut {
			return
		}
		rest, errno := writeSocket(c.fd, out)
		if errno != 0 {
			t.fail(c, stats.KindWrite, "write: "+errno.Error())
			return
		}
		if c.tls != nil {
			c.tls.sent(total - len(rest))
		} else {
			c.wire.Written(total - len(rest))
		}
		if len(rest) == 0 && len(c.wire.Output()) > 0 {
			continue
		}
		if len(rest) > 0 != c.wantOut {
			c.wantOut = len(rest) > 0
			t.poll.setOut(c.fd, c.wantOut, c.idx, c.gen)
		}
		return
	}
}

// tlsOutMax is how much ciphertext may wait for the socket before flush stops encrypting.
const tlsOutMax = 1 << 18

// readError is a failed read, as the protocol is told of it.
type readError struct{ errno unix.Errno }

func (e readError) Error() string { return "read: " + e.errno.Error() }
func (e readError) Unwrap() error { return e.errno }

func (t *thread) readable(c *conn) {
	n, errno := readSocket(c.fd, t.buf)
	switch {
	case errno == unix.EAGAIN:
		return
	case errno != 0:
		t.lost(c, readError{errno})
		return
	case n == 0:
		t.lost(c, nil)
		return
	}
	if c.tls != nil {
		t.decrypt(c, t.buf[:n])
		return
	}
	t.rec.Bytes += uint64(n) //nolint:gosec // G115: n > 0 here, the errno and n == 0 cases returned above
	t.consume(c, t.buf[:n])
	if c.state == stReady && !c.wantOut {
		t.flush(c) // the requests that the responses made room for, and the protocol's answers
	}
}

// consume feeds the server's bytes to the protocol and acts on its events. Over TLS, the
// caller flushes once for all the records of a read.
func (t *thread) consume(c *conn, b []byte) {
	gen := c.gen
	for len(b) > 0 {
		n, ev, i, err := c.wire.Feed(b)
		if err != nil {
			t.protocolError(c, err)
			return
		}
		b = b[n:]
		switch ev {
		case wire.Ready:
			t.fill(c)
		case wire.Response:
			t.responded(c, i)
		case wire.Failed:
			t.countError(c, stats.KindRead, c.wire.Reason())
			t.release(c, i)
			t.proceed(c, i)
		case wire.Closing:
			if r := c.wire.Reason(); r != "" {
				t.countError(c, stats.KindRead, r)
			}
		}
		if c.gen != gen || t.scriptErr != nil {
			return // the connection was replaced, or the run is failing
		}
		if ev != wire.None && c.wire.Closing() && t.wind(c) {
			return
		}
	}
}

// protocolError ends the connection after the protocol failed, telling the server why when
// the protocol has something to say (HTTP/2's GOAWAY), best effort.
func (t *thread) protocolError(c *conn, err error) {
	if out := c.wire.Output(); len(out) > 0 {
		if c.tls == nil {
			_, _ = rawWrite(c.fd, out)
		} else if c.tls.encrypt(out) == nil {
			_, _ = rawWrite(c.fd, c.tls.pipe.out)
		}
	}
	t.fail(c, stats.KindProtocol, err.Error())
}

// responded records a complete response of slot i and, when its batch is complete, sends the
// slot's next.
func (t *thread) responded(c *conn, i int) {
	s := &c.slots[i]
	now := max(t.seen, s.start) // never before its request: a guard, as a batch cannot answer its own sends
	status := c.wire.Status(i)
	latency := micros(now - s.intended)
	t.rec.Response(status, latency)
	if o := t.rec.Origins; o != nil {
		o[c.oi].Response(status, latency)
	}
	if t.rec.Uncorrected != nil {
		t.rec.Uncorrected.Record(micros(now - s.start))
	}
	c.backoff = 0
	c.served++
	done := c.wire.Pending(i) == 0
	if done {
		t.release(c, i)
	}
	if sc := t.spec.Script; sc != nil && sc.HasResponse() {
		if err := sc.Response(status, c.wire.Headers(i), c.wire.Body(i)); err != nil {
			t.failScript(err)
			return
		}
	}
	if sc := t.spec.Script; sc != nil && sc.Stopped() {
		// thread:stop(): no new requests from this thread; those outstanding may finish.
		t.stopped = true
		t.startDrain(now)
		return
	}
	if !done {
		return
	}
	if s.close {
		t.closed(c)
		return
	}
	t.proceed(c, i)
}

// release frees a slot whose batch ended, answered or not.
func (t *thread) release(c *conn, i int) {
	if s := &c.slots[i]; s.state == slBusy {
		s.state = slIdle
		c.active--
		t.inflight--
	}
}

// wind handles a connection on which the server takes no new requests: what it refused waits
// for the next connection, which opens once the last answer here has arrived. It reports
// whether the connection was replaced.
func (t *thread) wind(c *conn) bool {
	t.refuse(c)
	if c.active > 0 {
		return false
	}
	t.closed(c)
	return true
}

// refuse moves the requests that the server did not and will not process to the next
// connection, as RFC 9112 §9.3.2 and RFC 9113 §8.7 allow: a server may close after any
// response (nginx does after keepalive_requests), and what was pipelined behind it, or opened
// above GOAWAY's last stream, was never processed. The batch keeps its place in -n's count
// and, in rate mode, its scheduled time, and a run that is ending waits for it.
func (t *thread) refuse(c *conn) {
	for i := range c.slots {
		s := &c.slots[i]
		if s.state != slBusy {
			continue
		}
		if n := c.wire.Refused(i); n > 0 {
			if n < len(s.req.Heads) {
				s.keepLast(n)
			}
			s.state = slWaiting
			c.active--
			c.waiting++
		}
	}
}

// lost handles the end of a connection: the server closed it, or a read failed.
func (t *thread) lost(c *conn, cause error) {
	gen := c.gen
	ev, i, err := c.wire.Lost(cause)
	if ev == wire.Response {
		t.responded(c, i)
		if c.gen != gen || t.scriptErr != nil {
			return
		}
	}
	t.refuse(c)
	if err != nil {
		t.fail(c, stats.KindRead, err.Error())
		return
	}
	t.closed(c)
}

// closed replaces a connection that ended without error. One that answered nothing and left
// requests to send again (HTTP/2's GOAWAY at once) is counted and replaced after a backoff: a
// server that refuses everything must not turn the run into a reconnect loop that measures
// nothing.
func (t *thread) closed(c *conn) {
	refusedAll := c.served == 0 && c.waiting > 0
	t.closeConn(c)
	switch {
	case refusedAll:
		t.countError(c, stats.KindRead, "the server closed the connection without answering any request")
		if t.draining {
			t.forgetWaiting(c)
			return
		}
		t.retryLater(c, t.now())
	case !t.draining || c.waiting > 0:
		t.begin(c, t.now())
	}
}

// fail counts an error and replaces the connection: at once if it had answered requests, after
// the reconnect backoff if it never did (a refused port, a failed handshake, a server that
// closes or garbles every connection's first response), which would otherwise be a busy loop
// that measures nothing.
func (t *thread) fail(c *conn, kind stats.Kind, reason string) {
	t.countError(c, kind, reason)
	fruitless := c.served == 0 // also every failure to connect, proxy or handshake
	t.closeConn(c)
	if t.draining {
		t.forgetWaiting(c)
		return
	}
	if fruitless {
		t.retryLater(c, t.now())
		return
	}
	t.begin(c, t.now())
}

// forgetWaiting drops the batches that wait for a connection that will not open.
func (t *thread) forgetWaiting(c *conn) {
	for i := range c.slots {
		if s := &c.slots[i]; s.state == slWaiting {
			s.state = slIdle
		}
	}
	t.inflight -= c.waiting
	c.waiting = 0
}

// closeConn closes the socket. Batches on it are lost (their failure, if any, was counted
// once, as the connection's); those waiting for the next connection stay.
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
	for i := range c.slots {
		switch s := &c.slots[i]; s.state {
		case slBusy:
			s.state = slIdle
			t.inflight--
		case slDelay:
			s.state = slIdle
		}
	}
	c.active = 0
	c.state = stClosed
}

// outstanding is how many requests of the connection await their response.
func (c *conn) outstanding() int {
	n := 0
	for i := range c.slots {
		switch s := &c.slots[i]; s.state {
		case slBusy:
			n += c.wire.Pending(i)
		case slWaiting:
			n += len(s.req.Heads)
		}
	}
	return n
}

// micros rounds a duration in ns up to whole µs, the histogram's unit.
func micros(ns int64) int64 { return (ns + 999) / 1000 }
