package engine

import (
	"bytes"
	"errors"
	"strconv"

	"volley/internal/h2"
	"volley/internal/stats"
)

// HTTP2 describes an HTTP/2 run: the connection's framing is internal/h2's; the engine keeps,
// per connection, Streams slots that each carry one request at a time with its own timing,
// timeout and (in rate mode) schedule — as a connection does under HTTP/1.1.
type HTTP2 struct {
	Streams   int    // slots per connection (--streams); the server's MAX_CONCURRENT_STREAMS caps it
	Authority string // :authority when a request has no Host (:scheme is the origin's)
}

// Slot states.
const (
	slIdle  uint8 = iota // nothing outstanding; resend may hold a request to send again
	slDelay              // waiting for delay() or the schedule
	slBusy               // a stream is open
)

// slot is one stream slot of an HTTP/2 connection.
type slot struct {
	state    uint8
	resend   bool // GOAWAY refused the request: send it again, keeping its times
	start    int64
	intended int64
	sched    schedule
	req      h2.Request
}

// h2Start begins HTTP/2 on an established connection (after TLS, if any). The run checked
// ALPN before it started; a server that changes its mind fails the connection.
func (t *thread) h2Start(c *conn) {
	if c.tls != nil && c.tls.conn.ConnectionState().NegotiatedProtocol != "h2" {
		t.fail(c, stats.KindConnect, "tls: the server did not negotiate HTTP/2 (ALPN h2)")
		return
	}
	c.state = stReady
	c.h2ready = false
	c.mux.Start()
	t.flush(c)
}

// h2Consume feeds the server's bytes to the connection's frame parser and acts on its events.
func (t *thread) h2Consume(c *conn, b []byte) {
	gen := c.gen
	for len(b) > 0 {
		n, ev, sl, err := c.mux.Feed(b)
		if err != nil {
			t.h2Fail(c, stats.KindProtocol, err.Error())
			return
		}
		b = b[n:]
		switch ev {
		case h2.Ready:
			c.h2ready = true
			t.h2Fill(c)
		case h2.Response:
			t.h2Responded(c, sl)
		case h2.Reset:
			t.rec.Errors.Add(stats.KindRead, "http2: stream reset by the server ("+c.mux.ResetCode().String()+")")
			t.h2Release(c, sl)
			t.h2Proceed(c, sl)
		case h2.GoAway:
			t.h2GoAway(c)
		}
		if c.gen != gen || t.scriptErr != nil {
			return // the connection was replaced, or the run is failing
		}
	}
	if !c.mux.CanOpen() && c.active == 0 && c.h2ready {
		t.closed(c) // after GOAWAY, all answered: continue on a new connection
		return
	}
	if c.tls == nil {
		t.flush(c) // over TLS, decrypt flushes once for all the records of a read
	}
}

// h2Fail ends the connection after a connection error, telling the server why when it can.
func (t *thread) h2Fail(c *conn, kind stats.Kind, reason string) {
	out := c.mux.Output()
	if c.tls != nil && c.tls.encrypt(out) == nil {
		out = c.tls.pipe.out
	}
	_, _ = rawWrite(c.fd, out) // the GOAWAY, best effort: the connection ends either way
	t.fail(c, kind, reason)
}

// h2GoAway: streams the server will not process are sent again on a new connection.
func (t *thread) h2GoAway(c *conn) {
	if code := c.mux.GoAwayCode(); code != h2.CodeNo {
		t.rec.Errors.Add(stats.KindRead, "http2: the server sent GOAWAY ("+code.String()+")")
	}
	for i := range c.slots {
		if s := &c.slots[i]; s.state == slBusy && c.mux.Refused(i) {
			t.h2Release(c, i)
			s.resend = true
		}
	}
}

// h2Fill starts every slot that the server's settings allow and that is not yet in use.
func (t *thread) h2Fill(c *conn) {
	gen := c.gen
	for i := range min(c.mux.MaxStreams(), len(c.slots)) {
		if c.slots[i].state == slIdle {
			t.h2Proceed(c, i)
			if c.gen != gen || t.scriptErr != nil {
				return
			}
		}
	}
}

// h2Proceed sends the slot's next request: after delay(), and in rate mode at its time.
func (t *thread) h2Proceed(c *conn, i int) {
	s := &c.slots[i]
	if t.draining || t.seen >= t.end || !c.h2ready || i >= c.mux.MaxStreams() {
		if c.active == 0 && (t.draining || t.seen >= t.end) {
			t.closeConn(c)
		}
		return
	}
	if s.resend {
		t.h2Send(c, i)
		return
	}
	notBefore, ok := t.nextDue(&s.sched)
	if !ok {
		return // the schedule has no more slots in this run, or the script failed
	}
	if notBefore > 0 && notBefore > t.now() {
		s.state = slDelay
		t.timers.push(timer{at: notBefore, idx: c.idx, gen: c.gen, slot: int32(i) + 1}) //nolint:gosec // G115: i < --streams
		return
	}
	t.h2Request(c, i)
}

func (t *thread) h2Request(c *conn, i int) {
	s := &c.slots[i]
	s.state = slIdle
	var req *h2.Request
	if sc := t.spec.Script; sc != nil && sc.HasRequest() {
		p, heads, err := sc.Request()
		if err != nil {
			t.failScript(err)
			return
		}
		if len(heads) != 1 {
			t.failScript(errors.New("volley: --http2: request() returned " + strconv.Itoa(len(heads)) +
				" pipelined requests; HTTP/2 sends one request per stream (see --streams)"))
			return
		}
		if req, err = t.h2Prepared(p, c.org); err != nil {
			t.failScript(errors.New("volley: --http2: " + err.Error()))
			return
		}
	} else {
		req = &c.h2reqs[c.rr]
		if c.rr++; c.rr == len(c.h2reqs) {
			c.rr = 0
		}
	}
	if t.claim(1) == 0 {
		if c.active == 0 {
			t.closeConn(c)
		}
		return
	}
	s.req = *req
	if t.cfg.Rate > 0 {
		s.intended = s.sched.due()
		s.sched.advance(1)
	}
	t.h2Send(c, i)
}

// h2Prepared turns a script's request into frames' content, once per distinct payload: a
// script whose request repeats costs nothing per request.
func (t *thread) h2Prepared(payload []byte, o *Origin) (*h2.Request, error) {
	if t.h2src == nil || !bytes.Equal(payload, t.h2src) {
		r, err := h2.Prepare(payload, scheme(o), t.cfg.HTTP2.Authority)
		if err != nil {
			return nil, err
		}
		t.h2req, t.h2src = r, append(t.h2src[:0], payload...)
	}
	return &t.h2req, nil
}

func (t *thread) h2Send(c *conn, i int) {
	s := &c.slots[i]
	err := c.mux.Submit(i, &s.req)
	if errors.Is(err, h2.ErrNoStreams) {
		s.resend = true // on the next connection, once this one has finished its streams
		return
	}
	if err != nil {
		t.rec.Errors.Add(stats.KindWrite, err.Error()) // the slot stays unused: every send would fail alike
		return
	}
	s.state = slBusy
	s.start = t.now()
	if t.cfg.Rate == 0 && !s.resend {
		s.intended = s.start
	}
	s.resend = false
	c.active++
	t.inflight++
}

// h2Release frees a slot whose stream ended without a response.
func (t *thread) h2Release(c *conn, i int) {
	if s := &c.slots[i]; s.state == slBusy {
		s.state = slIdle
		c.active--
		t.inflight--
	}
}

// h2Responded records a slot's complete response and sends its next request.
func (t *thread) h2Responded(c *conn, i int) {
	s := &c.slots[i]
	now := max(t.seen, s.start)
	status := c.mux.Status(i)
	t.rec.Response(status, micros(now-s.intended))
	if t.rec.Uncorrected != nil {
		t.rec.Uncorrected.Record(micros(now - s.start))
	}
	c.served++
	c.backoff = 0
	t.h2Release(c, i)
	if sc := t.spec.Script; sc != nil && sc.HasResponse() {
		if err := sc.Response(status, c.mux.Headers(i), c.mux.Body(i)); err != nil {
			t.failScript(err)
			return
		}
	}
	if sc := t.spec.Script; sc != nil && sc.Stopped() {
		t.stopped = true
		t.startDrain(now)
		if c.active == 0 {
			t.closeConn(c)
		}
		return
	}
	t.h2Proceed(c, i)
}

// h2Wake runs a slot's timer: the end of its delay.
func (t *thread) h2Wake(c *conn, i int) {
	if c.slots[i].state != slDelay {
		return
	}
	c.slots[i].state = slIdle
	if t.draining || (t.cfg.Rate == 0 && t.now() >= t.end) {
		if c.active == 0 {
			t.closeConn(c)
		}
		return
	}
	t.h2Request(c, i)
	if c.fd >= 0 && c.state == stReady {
		t.flush(c)
	}
}

// h2Sweep times out the connection's streams one by one: a stream without its response in
// time is reset and counted, and its slot carries on.
func (t *thread) h2Sweep(c *conn, now int64) {
	if !c.h2ready {
		if now-c.opened > t.timeout {
			t.fail(c, stats.KindConnect, "http2: no SETTINGS from the server in time")
		}
		return
	}
	gen := c.gen
	for i := range c.slots {
		if s := &c.slots[i]; s.state == slBusy && now-s.start > t.timeout {
			t.rec.Errors.Add(stats.KindTimeout, "")
			c.mux.Cancel(i)
			t.h2Release(c, i)
			t.h2Proceed(c, i)
			if c.gen != gen {
				return
			}
		}
	}
	if c.fd >= 0 {
		t.flush(c)
	}
}

// h2Lost handles the end of a connection (a read error or the server closing it).
func (t *thread) h2Lost(c *conn, reason string) {
	if c.active == 0 {
		t.closed(c) // an idle connection closed by the server: open another
		return
	}
	t.fail(c, stats.KindRead, reason+" with "+strconv.Itoa(c.active)+" streams unanswered")
}

// h2Flush writes what the frame layer queued (through TLS, if any).
func (t *thread) h2Flush(c *conn) {
	out := c.mux.Output()
	if c.tls != nil {
		if len(out) > 0 {
			if err := c.tls.encrypt(out); err != nil {
				t.fail(c, stats.KindWrite, "tls: "+err.Error())
				return
			}
			c.mux.Written(len(out))
		}
		out = c.tls.pipe.out
	}
	total := len(out)
	out, errno := writeSocket(c.fd, out)
	if errno != 0 {
		t.fail(c, stats.KindWrite, "write: "+errno.Error())
		return
	}
	if c.tls != nil {
		c.tls.sent(total - len(out))
	} else {
		c.mux.Written(total - len(out))
	}
	if len(out) > 0 != c.wantOut {
		c.wantOut = len(out) > 0
		t.poll.setOut(c.fd, c.wantOut, c.idx, c.gen)
	}
}

// h2Reset forgets a closed connection's streams: those in flight are lost (their failure was
// counted once, as the connection's); those refused by GOAWAY keep their request for the next.
func (t *thread) h2Reset(c *conn) {
	for i := range c.slots {
		if s := &c.slots[i]; s.state != slIdle {
			s.state = slIdle
		}
	}
	t.inflight -= c.active
	c.active = 0
	c.h2ready = false
}

// initH2 gives connection c, the thread's connection number local (counted from the run's
// first connection), its frame layer and slots. Rate mode spreads the schedule over every slot
// of every connection: slot s of connection g has global number g + s·C.
func (t *thread) initH2(c *conn, local int) error {
	cfg := t.cfg
	if len(c.org.Payloads) > 0 {
		reqs, err := t.h2Origin(c.oi)
		if err != nil {
			return err
		}
		c.h2reqs = reqs
	}
	c.mux = new(h2.Conn)
	c.mux.Init(h2.Config{Streams: cfg.HTTP2.Streams, Limits: cfg.Limits,
		Capture: t.spec.Script != nil && t.spec.Script.HasResponse()})
	c.slots = make([]slot, max(cfg.HTTP2.Streams, 1))
	if cfg.Rate > 0 {
		total := cfg.Connections
		if cfg.ShardConnections > 0 {
			total = cfg.ShardConnections
		}
		for s := range c.slots {
			c.slots[s].sched = newSchedule(cfg.ShardFirst+local+s*total, total*len(c.slots), cfg.Rate)
		}
	}
	return nil
}

// h2Origin turns origin oi's payloads into HTTP/2 requests, once per thread and origin.
func (t *thread) h2Origin(oi int) ([]h2.Request, error) {
	if reqs, ok := t.h2origins[oi]; ok {
		return reqs, nil
	}
	o := &t.cfg.Origins[oi]
	reqs := make([]h2.Request, len(o.Payloads))
	for i, p := range o.Payloads {
		if len(p.Heads) != 1 {
			return nil, errors.New("--http2: a payload of " + strconv.Itoa(len(p.Heads)) +
				" pipelined requests; HTTP/2 sends one request per stream (see --streams)")
		}
		var err error
		if reqs[i], err = h2.Prepare(p.Data, scheme(o), t.cfg.HTTP2.Authority); err != nil {
			return nil, errors.New("--http2: " + err.Error())
		}
	}
	if t.h2origins == nil {
		t.h2origins = map[int][]h2.Request{}
	}
	t.h2origins[oi] = reqs
	return reqs, nil
}

func scheme(o *Origin) string {
	if o.TLS != nil {
		return "https"
	}
	return "http"
}
