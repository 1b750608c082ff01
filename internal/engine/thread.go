package engine

import (
	"fmt"
	"runtime"
	"sync"
	"time"

	"volley/internal/stats"
)

const (
	readBufferSize = 64 << 10
	// Event data for the descriptors that are not connections.
	evStop   = -1
	evNotify = -2
	// Reconnect backoff after a failed connect: wrk retries at once, which turns a refused port
	// into a busy loop that measures nothing.
	minBackoff = int64(10 * time.Millisecond)
	// drainGrace bounds how long the end of a run waits for outstanding responses.
	drainGrace = time.Second
	maxBackoff = int64(time.Second)
)

type thread struct {
	cfg  *Config
	spec Thread
	poll poller
	sh   *shared

	conns  []conn
	buf    []byte
	rec    *stats.Recorder
	timers timerHeap
	base   int64 // nanotime at the run's start

	timeout   int64
	sweepEach int64
	nextSweep int64

	nextTick int64 // next Req/Sec sample
	// seen is when epoll_wait reported the events being handled: the responses read now were
	// in the socket buffers by then. Reading the clock again after each read would add the
	// time spent on the batch's earlier connections to the later ones' latency.
	seen int64
	end  int64 // the run's deadline, since its start

	stopped   bool // the script called thread:stop()
	scriptErr error

	alpn      string           // what a TLS server must choose by ALPN (the protocol's)
	inflight  int              // slots with a batch outstanding (sent, or waiting to be sent again)
	draining  bool             // no new requests: the run is ending
	lateSends bool             // rate mode, draining at the deadline: slots due before it still go
	drainEnd  int64            // when the drain gives up on outstanding responses
	quotaDone bool             // -n: every request has been issued
	lag       *stats.Histogram // rate mode: µs by which paced sends missed their time (generator lag)

	pubRequests, pubErrors uint64 // what publish last added to Config.Live
	progressMark           uint64 // responses at the last stall check (watchProgress)

	// TLS handshakes run on helper goroutines and report here (see tls.go).
	wakeup   waker // r < 0: none (plain HTTP) or closed
	notifyMu sync.Mutex
	notified []handshakeDone
	plain    []byte
}

// newThread sets up thread i, whose first connection is the run's connection number first.
func newThread(cfg *Config, i int, first int, sh *shared) (*thread, error) {
	t := &thread{
		cfg:     cfg,
		sh:      sh,
		lag:     stats.NewHistogram(),
		spec:    cfg.Threads[i],
		wakeup:  waker{-1, -1},
		poll:    poller{fd: -1},
		rec:     stats.NewRecorder(),
		timeout: int64(cfg.Timeout),
	}
	if cfg.Rate > 0 {
		t.rec.Uncorrected = stats.NewHistogram()
	}
	n := len(t.spec.Conns)
	t.conns = make([]conn, n)
	if cfg.PerOrigin {
		t.rec.Origins = stats.NewOriginCounts(len(cfg.Origins))
	}
	proto := cfg.protocol()
	t.alpn = proto.ALPN()
	capture := t.spec.Script != nil && t.spec.Script.HasResponse()
	total := cfg.Connections
	if cfg.ShardConnections > 0 {
		total = cfg.ShardConnections
	}
	for j := range t.conns {
		c := &t.conns[j]
		c.fd = -1
		c.idx = int32(j)
		c.oi = t.spec.Conns[j]
		c.org = &cfg.Origins[c.oi]
		if k := len(c.org.Payloads); k > 0 {
			c.rr = (first + j) % k // connections start at different payloads
		}
		c.wire = proto.NewConn(scheme(c.org), capture)
		c.slots = make([]slot, proto.Slots())
		if cfg.Rate > 0 {
			// The schedule spreads over every slot of every connection: slot s of connection
			// g has global number g + s·C.
			for s := range c.slots {
				c.slots[s].sched = newSchedule(cfg.ShardFirst+first+j+s*total, total*len(c.slots), cfg.Rate)
			}
		}
	}
	t.buf = make([]byte, readBufferSize)
	t.timers = make(timerHeap, 0, n)
	t.sweepEach = min(t.timeout/4, int64(100*time.Millisecond))
	t.sweepEach = max(t.sweepEach, int64(time.Millisecond))

	if err := t.poll.open(min(n, 1024) + 2); err != nil {
		return nil, fmt.Errorf("creating the event poller: %w", err)
	}
	if err := t.poll.add(sh.halt.r, false, evStop, 0); err != nil {
		t.poll.close()
		return nil, fmt.Errorf("registering the stop signal: %w", err)
	}
	if usesTLS(cfg) {
		var err error
		if t.wakeup, err = newWaker(); err != nil {
			t.wakeup = waker{-1, -1}
			t.poll.close()
			return nil, fmt.Errorf("creating a TLS wake-up: %w", err)
		}
		if err = t.poll.add(t.wakeup.r, false, evNotify, 0); err != nil {
			t.close()
			return nil, fmt.Errorf("registering the TLS wake-up: %w", err)
		}
		t.plain = make([]byte, readBufferSize)
	}
	return t, nil
}

// now is the monotonic time since the run started.
func (t *thread) now() int64 { return nanotime() - t.base }

func (t *thread) run(start, deadline time.Time) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if p, ok := t.spec.Script.(Pinner); ok {
		p.Pin()
	}
	if t.cfg.Rate > 0 {
		preciseTimers()
	}
	t.base = nanotime() - int64(time.Since(start))
	t.end = int64(deadline.Sub(start))
	end := t.end
	t.rec.Tick(0)
	t.nextTick = int64(stats.RateInterval)
	if s := t.spec.Script; s != nil && s.Stopped() {
		t.stopped = true // thread:stop() in init(): this thread sends nothing
	} else {
		for i := range t.conns {
			t.begin(&t.conns[i], 0)
		}
	}
	for {
		now := t.now()
		if t.scriptErr != nil {
			break
		}
		if t.stopped || t.quotaDone || t.sh.stopping.Load() {
			t.lateSends = false
			if !t.draining {
				t.startDrain(now)
			}
		} else if !t.draining && now >= end && !t.catchingUp() {
			t.startDrain(now)
			t.lateSends = t.cfg.Rate > 0
		}
		if t.draining && (t.inflight == 0 || now >= t.drainEnd) {
			break
		}
		wake := min(end, t.nextSweep, t.nextTick)
		if t.draining {
			wake = min(t.nextSweep, t.drainEnd)
		}
		if tm, ok := t.timers.peek(); ok {
			wake = min(wake, tm.at)
		}
		n, err := t.poll.wait(wake - now)
		if err != nil {
			t.scriptErr = fmt.Errorf("waiting for events: %w", err)
			break
		}
		t.seen = t.now()
		for i := 0; i < n; i++ {
			idx, gen, in, out := t.poll.event(i)
			switch idx {
			case evStop, evNone:
				continue
			case evNotify:
				t.drainHandshakes()
				continue
			}
			c := &t.conns[idx]
			if c.gen != gen || c.fd < 0 {
				continue
			}
			t.ready(c, in, out)
		}
		now = t.now()
		for {
			tm, ok := t.timers.peek()
			if !ok || tm.at > now {
				break
			}
			t.timers.pop()
			if c := &t.conns[tm.idx]; c.gen == tm.gen {
				if tm.slot == 0 {
					t.wake(c)
					continue
				}
				if t.cfg.Rate > 0 {
					t.lag.Record(max((now-tm.at)/1000, 0))
				}
				t.wakeSlot(c, int(tm.slot-1))
			}
		}
		if now >= t.nextSweep {
			t.sweep(now)
			t.nextSweep = now + t.sweepEach
		}
		t.tick(now)
	}
	t.rec.Finish(time.Duration(t.now()))
	for i := range t.conns {
		t.rec.InFlight += uint64(t.conns[i].outstanding()) //nolint:gosec // G115: never negative
	}
	t.publish()
}

// catchingUp reports, in rate mode, whether a timer due before the deadline is still to run:
// a thread that was descheduled at the end still sends every request the schedule had due
// before the deadline (they are part of the run: -R 3000 -d 2s is 6,000 requests), then
// drains, and while it drains a slot whose next request was due before the deadline still
// sends it (lateSends).
func (t *thread) catchingUp() bool {
	tm, ok := t.timers.peek()
	return ok && t.cfg.Rate > 0 && tm.at < t.end
}

// startDrain stops new requests; the responses already asked for may still arrive, for a grace
// period, so that counts are exact rather than cut at an arbitrary instant.
func (t *thread) startDrain(now int64) {
	t.draining = true
	t.drainEnd = now + min(t.timeout, int64(drainGrace))
	if t.quotaDone {
		t.drainEnd = now + t.timeout + int64(drainGrace) // -n: every request issued gets its answer
	}
	for i := range t.conns {
		t.idleEnd(&t.conns[i])
	}
}

func (t *thread) sweep(now int64) {
	connected := false
	for i := range t.conns {
		c := &t.conns[i]
		connected = connected || c.state == stReady
		switch c.state {
		case stConnecting:
			if now-c.opened > t.timeout {
				t.fail(c, stats.KindConnect, "connect timed out")
			}
		case stProxy:
			if now-c.opened > t.timeout {
				t.fail(c, stats.KindConnect, "proxy: no answer to CONNECT in time")
			}
		case stReady:
			t.sweepSlots(c, now)
		}
	}
	t.watchProgress(now, connected)
}

// sweepSlots times out a connection's batches one by one: a protocol that can abandon one
// (HTTP/2 resets its stream) carries on with the slot; otherwise the connection closes.
func (t *thread) sweepSlots(c *conn, now int64) {
	if c.active == 0 && c.wire.Slots() == 0 && !c.wire.Closing() {
		if now-c.opened > t.timeout {
			t.fail(c, stats.KindConnect, c.wire.Reason()+" in time")
		}
		return
	}
	gen := c.gen
	for i := range c.slots {
		if s := &c.slots[i]; s.state == slBusy && now-s.start > t.timeout {
			if !c.wire.Cancel(i) {
				t.fail(c, stats.KindTimeout, "")
				return
			}
			t.countError(c, stats.KindTimeout, "")
			t.release(c, i)
			t.proceed(c, i)
			if c.gen != gen || t.scriptErr != nil {
				return
			}
		}
	}
	if c.state == stReady {
		t.flush(c)
	}
}

func (t *thread) failScript(err error) {
	if t.scriptErr == nil {
		t.scriptErr = err
	}
	t.sh.stop()
}

func (t *thread) close() {
	for i := range t.conns {
		t.closeConn(&t.conns[i])
	}
	t.notifyMu.Lock()
	if t.wakeup.r >= 0 {
		t.wakeup.close()
		t.wakeup = waker{-1, -1}
	}
	t.notifyMu.Unlock()
	t.poll.close()
}

// tick samples Req/Sec (the recorder keeps wrk's ~100 ms windows) and schedules the next sample.
func (t *thread) tick(now int64) {
	if now < t.nextTick {
		return
	}
	t.nextTick = now + int64(stats.RateInterval)
	t.rec.Tick(time.Duration(now))
	t.publish()
}

// publish adds what the thread did since the last call to the run's live counters.
func (t *thread) publish() {
	live := t.cfg.Live
	if live == nil {
		return
	}
	e := &t.rec.Errors
	errs := e.Connect + e.Read + e.Write + e.Timeout + e.Status
	live.Requests.Add(t.rec.Requests - t.pubRequests)
	live.Errors.Add(errs - t.pubErrors)
	t.pubRequests, t.pubErrors = t.rec.Requests, errs
}
