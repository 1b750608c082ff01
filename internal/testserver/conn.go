package testserver

import (
	"errors"
	"io"
	"net"
	"os"
	"time"

	"volley/internal/h2"
)

const (
	initialBuf = 4 << 10   // grows for large heads and bursts of pipelined requests
	maxBuf     = 128 << 10 // room for the largest head we accept
	flushAt    = 32 << 10  // batch responses up to this many bytes
	maxHeld    = 1024      // held responses per connection before we stop reading
)

// Deadline states besides a time since Start.
const (
	noDeadline      time.Duration = -1
	unknownDeadline time.Duration = -2 // someone else may have changed it
)

// errClose ends a connection after a response that closes it.
var errClose = errors.New("connection closes after this response")

// errServerClosed ends a connection because the server is closing.
var errServerClosed = errors.New("server closed")

// held is a response waiting for its time.
type held struct {
	resp    response
	arrival time.Duration // since Start
	due     time.Duration // arrival + delay
}

// conn serves one connection on one goroutine. It reads requests into buf,
// answers each as soon as it is due, in order, and batches responses while
// more requests are already buffered. While responses are held it keeps
// reading (with a deadline at the first one's due time), so that arrival
// times stay exact under pipelining.
type conn struct {
	id   uint64 // accept order, from 1
	s    *Server
	nc   net.Conn
	buf  []byte
	r, w int // unread bytes are buf[r:w]
	now  time.Duration

	// head scanning state, relative to r, kept across reads
	scan, lineStart int

	out      []byte
	pending  int // complete responses in out, or written outside it, not yet counted
	requests int // complete requests not yet counted
	measured []time.Duration

	queue    []held
	served   int // responses decided on this connection (CloseEvery)
	deadline time.Duration
	timer    *time.Timer
	stamp    *stampedReader // kernel receive times, when arrivals or delays are measured
}

func newConn(s *Server, nc net.Conn, id uint64) *conn {
	c := &conn{id: id, s: s, nc: nc, buf: make([]byte, initialBuf), deadline: noDeadline, now: s.since()}
	if s.opts.RecordArrivals || s.opts.Delay > 0 {
		c.stamp = newStampedReader(nc)
	}
	return c
}

func (c *conn) serve() {
	defer c.s.forget(c)
	defer c.nc.Close()
	if h2c, err := c.sniffH2(); err != nil || h2c {
		if h2c {
			_ = c.serveH2() // how an HTTP/2 connection ends is not the server's business
		}
		return
	}
	for {
		var req request
		err := c.readRequest(&req)
		if err == nil {
			err = c.respond(req.resp, true)
		} else if he := (*httpError)(nil); errors.As(err, &he) {
			// Declared on the error path only: errors.As makes it escape to the heap.
			err = c.respond(he.response(), false)
		}
		switch {
		case err == nil:
			continue
		case errors.Is(err, errClose), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			// No more requests: answer those already received, then close.
			if c.drain() == nil {
				c.publish()
			}
		}
		return
	}
}

// sniffH2 reads until it can tell an HTTP/2 preface from an HTTP/1.1 request.
func (c *conn) sniffH2() (bool, error) {
	for c.w-c.r < len(h2.Preface) {
		if !isPreface(c.buf[c.r:c.w]) {
			return false, nil
		}
		if err := c.fill(); err != nil {
			return false, err
		}
	}
	return isPreface(c.buf[c.r:c.w]), nil
}

// respond decides when p is written: at once when nothing is held before
// it and it is due, otherwise it joins the queue. complete says whether p
// answers a complete request (not a malformed one).
func (c *conn) respond(p response, complete bool) error {
	if complete {
		c.requests++
		if c.s.opts.RecordArrivals {
			c.s.rec.arrival(c.now, c.id)
		}
	}
	c.served++
	if n := c.s.opts.CloseEvery; n > 0 && c.served%n == 0 {
		p.close = true
	}
	delay := p.delay
	if delay < 0 {
		delay = c.s.opts.Delay
	}
	due := c.now + delay
	if len(c.queue) > 0 || delay > 0 || c.s.frozen() > c.now {
		c.queue = append(c.queue, held{resp: p, arrival: c.now, due: due})
		if p.close {
			return errClose
		}
		return nil
	}
	if err := c.write(&p); err != nil {
		if errors.Is(err, errClose) {
			if ferr := c.flush(); ferr != nil {
				return ferr
			}
		}
		return err
	}
	if len(c.out) >= flushAt {
		return c.flush()
	}
	return nil
}

// fill reads more bytes into buf. Before blocking it writes what is ready
// and whatever falls due while it waits.
func (c *conn) fill() error {
	if c.r == c.w {
		c.r, c.w = 0, 0
	} else if c.w == len(c.buf) {
		if c.r > 0 {
			c.w = copy(c.buf, c.buf[c.r:c.w])
			c.r = 0
		} else if len(c.buf) < maxBuf {
			// Callers enforce limits below maxBuf, so a full buffer
			// always has room to grow here.
			b := make([]byte, 2*len(c.buf))
			copy(b, c.buf[:c.w])
			c.buf = b
		}
	}
	for {
		if err := c.emitDue(); err != nil {
			return err
		}
		if len(c.out) > 0 {
			if err := c.flush(); err != nil {
				return err
			}
		}
		if len(c.queue) >= maxHeld {
			// Back-pressure: stop reading until the first one goes out.
			if err := c.waitFirst(); err != nil {
				return err
			}
			continue
		}
		c.publish()
		if err := c.setDeadline(); err != nil {
			return err
		}
		n, err := c.read()
		if n > 0 {
			c.w += n
			return nil
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			c.deadline = unknownDeadline
			continue
		}
		if err == nil {
			continue
		}
		return err
	}
}

// read reads into buf[w:] and sets now to when the bytes arrived: the kernel's receive
// timestamp when arrivals or delays are measured.
func (c *conn) read() (int, error) {
	if c.stamp == nil {
		n, err := c.nc.Read(c.buf[c.w:])
		c.now = c.s.since()
		return n, err
	}
	n, at, err := c.stamp.read(c.buf[c.w:])
	c.now = c.s.since()
	if !at.IsZero() {
		c.now -= max(time.Since(at), 0)
	}
	return n, err
}

// dueOf is when the first held response may be written.
func (c *conn) dueOf(h *held) time.Duration { return max(h.due, c.s.frozen()) }

// setDeadline makes the next read return when the first held response is
// due. A Freeze that shortens the hold pokes every connection's deadline;
// the generation check makes sure we do not overwrite such a poke with a
// deadline computed from the old freeze.
func (c *conn) setDeadline() error {
	for {
		gen := c.s.freezeGen.Load()
		want := noDeadline
		if len(c.queue) > 0 {
			want = c.dueOf(&c.queue[0])
		}
		if want == c.deadline {
			return nil
		}
		var t time.Time
		if want != noDeadline {
			t = c.s.start.Add(want)
		}
		if err := c.nc.SetReadDeadline(t); err != nil {
			return err
		}
		c.deadline = want
		if c.s.freezeGen.Load() == gen {
			return nil
		}
		c.deadline = unknownDeadline
	}
}

// emitDue writes every held response that is due, in order.
func (c *conn) emitDue() error {
	if len(c.queue) == 0 {
		return nil
	}
	now := c.s.since()
	i := 0
	var err error
	for ; i < len(c.queue); i++ {
		h := &c.queue[i]
		due := c.dueOf(h)
		if due > now {
			break
		}
		if due > h.arrival {
			c.measured = append(c.measured, h.arrival)
		}
		if err = c.write(&h.resp); err != nil {
			i++
			break
		}
	}
	if i == 0 {
		return nil
	}
	n := copy(c.queue, c.queue[i:])
	clear(c.queue[n:])
	c.queue = c.queue[:n]
	if err != nil && !errors.Is(err, errClose) {
		return err
	}
	if ferr := c.flush(); ferr != nil {
		return ferr
	}
	return err
}

// waitFirst sleeps until the first held response is due (or a Freeze
// changes its time) and writes what is due then.
func (c *conn) waitFirst() error {
	wake := c.s.wake()
	if err := c.sleep(c.dueOf(&c.queue[0]), wake); err != nil {
		return err
	}
	return c.emitDue()
}

// drain writes every held response at its time; nothing more is read.
func (c *conn) drain() error {
	if err := c.flush(); err != nil {
		return err
	}
	for len(c.queue) > 0 {
		c.publish()
		if err := c.waitFirst(); err != nil {
			return err
		}
	}
	return nil
}

func (c *conn) sleep(until time.Duration, wake <-chan struct{}) error {
	d := until - c.s.since()
	if d <= 0 {
		return nil
	}
	if c.timer == nil {
		c.timer = time.NewTimer(d)
	} else {
		c.timer.Reset(d)
	}
	select {
	case <-c.timer.C:
		return nil
	case <-wake:
		c.timer.Stop()
		return nil
	case <-c.s.done:
		c.timer.Stop()
		return errServerClosed
	}
}

// flush writes out; held responses in it get their delay measured at the
// start of the write.
func (c *conn) flush() error {
	if len(c.measured) > 0 {
		c.s.rec.delay(c.s.since(), c.measured)
		c.measured = c.measured[:0]
	}
	if c.requests > 0 {
		c.s.requests.Add(uint64(c.requests))
		c.requests = 0
	}
	if len(c.out) > 0 {
		_, err := c.nc.Write(c.out)
		c.out = c.out[:0]
		if err != nil {
			c.pending = 0
			return err
		}
	}
	if c.pending > 0 {
		c.s.responses.Add(uint64(c.pending))
		c.pending = 0
	}
	return nil
}

// publish makes the counters exact before the connection blocks.
func (c *conn) publish() {
	if c.requests > 0 {
		c.s.requests.Add(uint64(c.requests))
		c.requests = 0
	}
	if c.pending > 0 && len(c.out) == 0 {
		c.s.responses.Add(uint64(c.pending))
		c.pending = 0
	}
}
