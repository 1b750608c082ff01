// Package engine runs the load: each thread is an event loop over non-blocking sockets and epoll
// that owns its connections, its script state and its recorder (docs/architecture.md, decisions
// 1–3). Threads meet only at start, at stop and at the final merge.
package engine

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/netip"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"volley/internal/h1"
	"volley/internal/stats"
	"volley/internal/wire"
)

// Script is one thread's Lua state as the engine sees it. A nil Script means a static request.
type Script interface {
	HasRequest() bool
	HasResponse() bool
	HasDelay() bool
	Request() ([]byte, []bool, error)
	Response(status int, headers []h1.Field, body []byte) error
	Delay() (time.Duration, error)
	Stopped() bool
}

// A Script that is a Pinner is told once, by the event loop's goroutine after it has locked
// itself to its OS thread, that this goroutine makes all its calls: the script can then time
// them by that thread's CPU clock without a system call per call.
type Pinner interface {
	Pin()
}

// Thread is what one event loop is given: its connections' origins, or in the simple form one
// address, one payload and Config.TLS.
type Thread struct {
	// Conns, when not nil, gives the origin (an index in Config.Origins) of each of the
	// thread's connections; Addr, Request and Heads are then unused.
	Conns []int

	Addr netip.AddrPort
	// Request is the payload sent on every connection when Script has no request(); it may
	// hold several pipelined requests, whose HEAD-ness Heads gives in order.
	Request []byte
	Heads   []bool
	Script  Script
}

// Config is a validated run description; the engine trusts it.
type Config struct {
	Threads []Thread
	Origins []Origin // the servers that Thread.Conns name
	// PerOrigin keeps counts per origin (Result.Origins, indexed like Origins).
	PerOrigin   bool
	Connections int
	Duration    time.Duration // 0: no deadline (-n alone); the run ends when Requests are done, or makes no progress
	Timeout     time.Duration
	TLS         *tls.Config // the simple form's TLS; nil for plain HTTP
	Limits      h1.Limits
	Rate        float64 // requests per second over all connections; 0: each connection as fast as it can
	Requests    uint64  // stop after exactly this many requests (each answered or failed); 0: no limit
	Live        *Live   // optional counters for progress, updated about every 100 ms
	// Protocol is what connections speak (internal/h1, internal/h2); nil: HTTP/1.1 within
	// Limits.
	Protocol wire.Protocol

	// A shard of a distributed run paces its connections as part of the whole test, so that
	// the send times of all shards together are evenly spaced: Rate is then the whole test's
	// rate, ShardFirst the global index of this process's first connection and
	// ShardConnections the connections of all shards (0: this process is the whole test).
	ShardFirst, ShardConnections int

	// StartAt, when set, is the instant the run starts (a distributed run's --start-at): the
	// engine sets up first, then waits for it, and the run's schedule and deadline count from
	// it even when setting up took longer, so that all shards keep one schedule.
	StartAt time.Time
}

func (cfg *Config) protocol() wire.Protocol {
	if cfg.Protocol == nil {
		return h1.Protocol{Limits: cfg.Limits}
	}
	return cfg.Protocol
}

// Live is what a run has done so far, for a progress display.
type Live struct {
	Requests, Errors atomic.Uint64
}

// Result is what the run produced, with the script error that stopped it, if any.
type Result struct {
	*stats.Result
	ScriptErr error
	// Lag is rate mode's generator lag: µs by which paced sends missed their scheduled time
	// while the connection was free. A high value means volley, not the server, could not keep
	// the rate (CPU-bound); nil in closed mode.
	Lag *stats.Histogram
	// Late is how long after Config.StartAt the run could start.
	Late time.Duration
}

// ConnectionsFor spreads connections over threads, giving the remainder to the first threads
// (wrk silently drops it).
func ConnectionsFor(thread, threads, connections int) int {
	n := connections / threads
	if thread < connections%threads {
		n++
	}
	return n
}

// Run drives the load until the duration has passed, ctx is cancelled, or every thread's script
// has stopped. Errors are returned only when the run could not start.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if len(cfg.Threads) == 0 || cfg.Connections < len(cfg.Threads) {
		return nil, errors.New("engine: invalid configuration")
	}
	if err := EnsureDescriptors(cfg.Connections, len(cfg.Threads)); err != nil {
		return nil, err
	}
	sh := &shared{}
	var err error
	if sh.halt, err = newWaker(); err != nil {
		return nil, fmt.Errorf("creating the stop signal: %w", err)
	}
	defer sh.halt.close()

	// Each thread is locked to an OS thread and needs a P whenever it returns from epoll_wait.
	// With fewer Ps than threads, a returning thread waits until the runtime takes a P back
	// from one blocked in a system call, which sysmon does only every 20 µs to 10 ms: latency
	// spikes of that size. One P per thread (plus the runtime's own work) leaves scheduling
	// to the kernel, as with wrk's threads.
	if want := len(cfg.Threads) + 2; runtime.GOMAXPROCS(0) < want {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(want))
	}
	cfg.Threads, cfg.Origins = slices.Clone(cfg.Threads), slices.Clone(cfg.Origins) // the caller's stay as they are
	if err := origins(&cfg); err != nil {
		return nil, err
	}
	threads := make([]*thread, len(cfg.Threads))
	first := 0
	for i := range threads {
		t, err := newThread(&cfg, i, first, sh)
		first += len(cfg.Threads[i].Conns)
		if err != nil {
			for _, t := range threads[:i] {
				t.close()
			}
			return nil, err
		}
		threads[i] = t
	}

	stopWatching := context.AfterFunc(ctx, sh.stop) // SIGINT, or the caller giving up

	// Setting up allocates (histograms, buffers, connections) and nothing is allocated after:
	// collect now rather than let a collection cycle overlap the first moments of the run.
	runtime.GC()
	start, late, err := startTime(ctx, cfg.StartAt)
	if err != nil {
		stopWatching()
		for _, t := range threads {
			t.close()
		}
		return nil, err
	}
	d := cfg.Duration
	if d == 0 {
		d = noDeadline
	}
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for _, t := range threads {
		wg.Go(func() { t.run(start, deadline) })
	}
	wg.Wait()
	elapsed := time.Since(start)
	stopWatching()

	res := &Result{Result: stats.NewResult()}
	res.Start = start
	if cfg.Rate > 0 {
		res.Lag = stats.NewHistogram()
	}
	for _, t := range threads {
		res.Add(t.rec)
		if res.Lag != nil {
			res.Lag.Merge(t.lag)
		}
		if res.ScriptErr == nil && t.scriptErr != nil {
			res.ScriptErr = t.scriptErr
		}
		t.close()
	}
	res.Elapsed = elapsed
	res.Late = late
	if sh.stalled.Load() {
		return nil, stallError(cfg.Timeout, &res.Errors)
	}
	return res, nil
}

// noDeadline stands for a run without one: far beyond any run, far below overflow.
const noDeadline = time.Duration(1 << 62)

// stallFactor × Config.Timeout without an open connection or a response ends a run that has no
// deadline: a target that is gone would otherwise keep an -n run retrying its connects forever.
const stallFactor = 5

// watchProgress is the stall check of a run without a deadline, done at each sweep: a thread
// with a connection up (connected, perhaps waiting for delay() or its schedule) or with new
// responses marks the run as making progress; when no thread has done so for stallFactor ×
// Timeout, the run stops and reports that it could not go on.
func (t *thread) watchProgress(now int64, connected bool) {
	if t.cfg.Duration != 0 {
		return
	}
	if connected || t.rec.Requests != t.progressMark {
		t.progressMark = t.rec.Requests
		t.sh.progress.Store(now)
		return
	}
	if now-t.sh.progress.Load() > stallFactor*t.timeout {
		t.sh.stalled.Store(true)
		t.sh.stop()
	}
}

// stallError says why a run without a deadline stopped, with its most frequent error.
func stallError(timeout time.Duration, e *stats.Errors) error {
	msg := fmt.Sprintf("no open connection and no response for %v (%d × -T/--timeout): giving up", stallFactor*timeout, stallFactor)
	var top string
	var most uint64
	for reason, n := range e.Reasons {
		if n > most || n == most && reason < top {
			top, most = reason, n
		}
	}
	if top != "" {
		msg += fmt.Sprintf(" (%d × %s)", most, top)
	}
	return errors.New(msg)
}

// startTime waits for at (if set and ahead) and returns the run's start: at itself, carrying a
// monotonic clock reading so that the threads' clocks never follow wall-clock steps, and how
// late the run is against it.
func startTime(ctx context.Context, at time.Time) (start time.Time, late time.Duration, err error) {
	now := time.Now()
	if at.IsZero() {
		return now, 0, nil
	}
	if wait := at.Sub(now); wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return time.Time{}, 0, errors.New("interrupted while waiting for the start time")
		}
		now = time.Now()
	}
	late = now.Sub(at) // wall clock for a time from a flag: the shards' common clock
	return now.Add(-late), max(late, 0), nil
}

// shared is what a run's threads have in common, besides the Config.
type shared struct {
	halt     waker         // in every thread's poller: woken once to stop them all
	stopping atomic.Bool   // set with the first wake
	issued   atomic.Uint64 // -n: requests issued by all threads so far
	progress atomic.Int64  // without a deadline: when a thread last saw a connection up or new responses
	stalled  atomic.Bool   // without a deadline: the run stopped for want of progress
}

// stop ends the run: every thread drains and returns.
func (sh *shared) stop() {
	if sh.stopping.CompareAndSwap(false, true) {
		sh.halt.wake()
	}
}
