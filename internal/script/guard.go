package script

import (
	"errors"
	"math"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// Every call into Lua goes through state.pcall, which registers the call with
// the guard so that the watchdog can stop it: gopher-lua checks the state's
// context before each VM instruction, and the watchdog closes that context's
// channel when the call is out of time or the script out of memory. The hot
// path costs two atomic operations; the per-instruction check is a
// non-blocking receive on a channel (about 10% of a tight Lua loop, measured
// against 25% for a context.WithTimeout).

// Phases of a guard's current call, in the low two bits of guard.word.
const (
	phaseIdle   = 0
	phaseActive = 1
	phaseFiring = 2 // the watchdog is closing the call's channel
	phaseFired  = 3
)

type guard struct {
	word  atomic.Uint64 // call number << 2 | phase
	limit atomic.Int64  // CPU time limit of the current call, in nanoseconds
	wall  atomic.Int64  // wall-clock backstop of the current call, in nanoseconds
	tid   atomic.Int32  // the OS thread running the current call
	start atomic.Int64  // that thread's CPU time when the call began; 0: not read
	setup atomic.Bool   // the limit is what is left of the setup budget
	seq   uint64        // owner's call counter
	ctx   *abortCtx     // owner's; the watchdog closes it while firing

	walkDue  atomic.Bool  // the watchdog asks for a memory measurement
	size     atomic.Int64 // bytes of script state at the last measurement
	walkCost atomic.Int64 // nanoseconds the last measurement took

	// Owned by the watchdog goroutine.
	seen     uint64
	seenAt   time.Time
	seenCPU  time.Duration // the call's thread's CPU time when the call began or was first seen
	liveAt   uint64
	lastWalk time.Time
	nextWalk time.Time
}

// abortCtx is the context gopher-lua polls: Done is a plain field read, far
// cheaper per instruction than a context.Context from the standard library.
type abortCtx struct {
	ch  chan struct{}
	err *abortError // set before ch is closed
}

type abortError struct {
	kind ErrorKind
	msg  string
}

func (e *abortError) Error() string { return e.msg }

func newAbortCtx() *abortCtx { return &abortCtx{ch: make(chan struct{})} }

func (c *abortCtx) Deadline() (time.Time, bool) { return time.Time{}, false }
func (c *abortCtx) Done() <-chan struct{}       { return c.ch }
func (c *abortCtx) Value(any) any               { return nil }
func (c *abortCtx) Err() error {
	select {
	case <-c.ch:
		return c.err
	default:
		return nil
	}
}

// begin registers a call that may use limit of CPU time and wall of wall-clock
// time, on OS thread tid, whose CPU time is start (0 if not read). Only the
// owner writes these fields, and a hook call's are those of the call before:
// loading them is a plain read, where each store would be a locked
// instruction on amd64.
func (g *guard) begin(limit, wall time.Duration, setup bool, tid int32, start time.Duration) {
	g.seq++
	if g.limit.Load() != int64(limit) {
		g.limit.Store(int64(limit))
	}
	if g.wall.Load() != int64(wall) {
		g.wall.Store(int64(wall))
	}
	if g.tid.Load() != tid {
		g.tid.Store(tid)
	}
	if g.start.Load() != int64(start) {
		g.start.Store(int64(start))
	}
	if g.setup.Load() != setup {
		g.setup.Store(setup)
	}
	g.word.Store(g.seq<<2 | phaseActive)
}

// end closes the current call. If the watchdog fired, it waits for the
// firing to complete, installs a fresh context and says why the call was
// stopped.
func (g *guard) end(L *lua.LState) *abortError {
	w := g.seq<<2 | phaseActive
	if g.word.CompareAndSwap(w, g.seq<<2|phaseIdle) {
		return nil
	}
	for g.word.Load()&3 != phaseFired {
		runtime.Gosched()
	}
	why := g.ctx.err
	g.ctx = newAbortCtx()
	L.SetContext(g.ctx)
	g.word.Store(g.seq<<2 | phaseIdle)
	return why
}

// fire stops the call identified by word, if it is still running. (A word
// read while the call is being stopped must not stop it twice.)
func (g *guard) fire(word uint64, why *abortError) bool {
	if word&3 != phaseActive || !g.word.CompareAndSwap(word, word&^3|phaseFiring) {
		return false
	}
	g.ctx.err = why
	close(g.ctx.ch)
	g.word.Store(word&^3 | phaseFired)
	return true
}

// work is for builtins that loop in Go, where the VM's check for a stop
// never runs: it counts the bytes they touch (compare, copy, scan) and polls
// for a stop every workStep of them, so that a builtin stops within about a
// millisecond of being told to, whatever the size of its arguments.
func (s *state) work(n int) {
	s.worked += n
	if s.worked < workStep {
		return
	}
	s.worked = 0
	s.checkAbort()
	// On a busy machine (collections back to back, both cores taken) the
	// watchdog may run late: the thread's own CPU clock, read from the
	// call's start or else from the first poll, stops the call too.
	now := ownCPU()
	if s.pollSeq != s.g.seq {
		s.pollSeq, s.firstPoll = s.g.seq, now
		if start := time.Duration(s.g.start.Load()); start != 0 {
			s.firstPoll = start
		}
	}
	if now-s.firstPoll > time.Duration(s.g.limit.Load()) {
		s.g.fire(s.g.word.Load(), s.m.timeoutError(&s.g, false))
		s.checkAbort()
	}
}

// workStep is the bytes of work between two polls: about 0.1-1 ms.
const workStep = 1 << 20

// allocating is called by builtins about to allocate a string of n bytes:
// building it is work, and its bytes are charged to the state as the VM
// charges the objects it makes (see overBudget).
func (s *state) allocating(n int) {
	s.work(n)
	s.L.Charge(int64(n))
}

// The state's allocations, by builtins and by the VM (tables, closures,
// table growth: gopher-lua, volley patch 7), are charged against a budget:
// the room the quota had at the last measurement. Once the state has charged
// more than that, overBudget measures it then and there, the running call's
// locals included, and stops the call if the state holds too much: growth is
// stopped before it outgrows the quota, not a watchdog tick (and a garbage
// collection) later. Garbage only costs measurements, at most one per
// sixteenth of the quota allocated, however close to the quota the state is.

// setBudget lets the state charge what the quota has room for beside the
// script's size, as last measured, before it is measured again.
func (s *state) setBudget(size int64) {
	limit := s.m.opts.MemoryLimit
	s.L.SetAllocBudget(max(limit-size, limit/16))
}

// overBudget is gopher-lua's allocation hook: n is the charge that crossed
// the budget, an object about to be made or growth just made.
func (s *state) overBudget(_ *lua.LState, n int64) {
	if s.g.word.Load()&3 != phaseActive {
		// Outside a call (volley building a hook's arguments, the sandbox
		// being built), or in one being stopped: measured at the end of
		// the next call.
		s.g.walkDue.Store(true)
		s.setBudget(s.m.scriptBytes())
		return
	}
	// Not stored as the state's size: the watchdog adds the call's growth
	// of the live heap to the size measured at the end of the last call.
	size := s.m.scriptBytes() - s.g.size.Load() + sizeOfState(s) + n
	s.setBudget(size)
	if size > s.m.opts.MemoryLimit {
		s.g.fire(s.g.word.Load(), &abortError{ErrMemory, "exceeded the memory quota of " + mib(s.m.opts.MemoryLimit)})
		s.checkAbort()
	}
}

// checkAbort raises the pending abort as the VM would.
func (s *state) checkAbort() {
	select {
	case <-s.g.ctx.ch:
		s.L.RaiseError("%s", s.g.ctx.err.msg)
	default:
	}
}

// pcall calls the function below the nargs arguments on the stack, guarded.
// On success nret results are left on the stack for the caller to pop.
//
// limit is CPU time, of the OS thread that runs the call (see threadCPU): a
// thread that waits for a core on a busy machine is not charged for it. The
// call is locked to its thread, and the thread identified and its clock read
// (system calls, a few microseconds), but for hook calls from a pinned thread,
// whose hot path reads no clock: the watchdog reads the thread's clock when it
// first sees the call. A wall-clock backstop (backstop) ends a call that
// cannot use its CPU time, blocked or starved.
func (s *state) pcall(what string, limit time.Duration, nargs, nret int) error {
	L := s.L
	setup := limit == setupBudget
	wall := backstop(limit)
	if setup {
		limit = max(s.m.opts.SetupTimeout-time.Duration(s.m.setupUsed.Load()), time.Millisecond)
		wall = max(time.Until(s.m.setupEnd), time.Millisecond)
	}
	var start time.Duration
	tid, pinned := s.pinnedThread(setup)
	if !pinned {
		runtime.LockOSThread()
		tid, start = currentThread(), ownCPU()
	}
	s.steps = int(max(1_000_000, min(int64(limit)/40, 10_000_000)))
	s.g.begin(limit, wall, setup, tid, start)
	// After begin: an interrupt either finds this call running or was
	// flagged before this check.
	if s.m.interrupted.Load() && !s.m.finishing.Load() {
		s.g.fire(s.g.word.Load(), &abortError{ErrInterrupted, "interrupted"})
	}
	err := L.PCall(nargs, nret, nil)
	why := s.g.end(L)
	if !pinned {
		if setup {
			s.m.setupUsed.Add(int64(ownCPU() - start))
		}
		runtime.UnlockOSThread()
	}
	if err != nil {
		msg := err.Error()
		var ae *lua.ApiError
		if errors.As(err, &ae) {
			msg = errorText(ae.Object)
		}
		if why == nil {
			return s.fail(ErrScript, msg)
		}
		// Stopped: report why, at the position the error carries (a Go
		// builtin that was running may have failed for its own reason).
		return s.fail(why.kind, s.position(msg)+what+" "+why.msg)
	}
	if s.g.walkDue.Load() {
		if e := s.measure(); e != nil {
			L.Pop(nret)
			return e
		}
	}
	return nil
}

// backstop is the wall-clock time a call with a CPU time limit of limit may
// take: far above the limit, so that only a call that cannot run (blocked in
// a system call, or given less than a twentieth of a core for seconds) meets
// it, not one on a machine with many more busy threads than cores.
func backstop(limit time.Duration) time.Duration { return 20*limit + 2*time.Second }

// pinnedThread returns the OS thread a hook call runs on when the Thread was
// pinned (Thread.Pin), and whether it was: setup-phase calls and done() run
// wherever their caller does.
func (s *state) pinnedThread(setup bool) (int32, bool) {
	if t := s.thread; t != nil && t.pinned && !setup {
		return t.tid, true
	}
	return 0, false
}

// position returns the "name:line: " prefix of msg, or "".
func (s *state) position(msg string) string {
	rest, ok := strings.CutPrefix(msg, s.m.name+":")
	if !ok {
		return ""
	}
	i := 0
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	if i == 0 || !strings.HasPrefix(rest[i:], ": ") {
		return ""
	}
	return msg[:len(s.m.name)+1+i+2]
}

// fail builds the Error for msg, prefixed with the script name when the
// message does not already carry a position.
func (s *state) fail(kind ErrorKind, msg string) *Error {
	if !strings.HasPrefix(msg, s.m.name+":") {
		msg = s.m.name + ": " + msg
	}
	return newError(kind, msg)
}

// measure walks the state to update its size and checks the quota, which
// covers all states together.
func (s *state) measure() error {
	s.g.walkDue.Store(false)
	start := time.Now()
	s.g.size.Store(sizeOfState(s))
	s.g.walkCost.Store(int64(time.Since(start)))
	if s.samples == nil {
		s.samples = heapSamples()
	}
	live, allocs := readHeap(s.samples)
	s.m.allocsAtWalk.Store(allocs)
	total := s.m.scriptBytes()
	s.setBudget(total)
	s.m.liveAtWalk.Store(live)
	s.m.otherAtWalk.Store(max(int64(min(live, math.MaxInt64))-total, 0))
	if total > s.m.opts.MemoryLimit {
		return s.fail(ErrMemory, "memory quota exceeded: script state holds about "+
			mib(total)+" (limit "+mib(s.m.opts.MemoryLimit)+")")
	}
	return nil
}
