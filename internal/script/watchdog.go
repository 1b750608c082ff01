package script

import (
	"math"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"sync"
	"time"
)

// The watchdog is one goroutine per Main. Every tick it samples the Go heap
// and looks at each state's guard: a call seen running for longer than its
// limit is stopped. Allocation inside a single call is bounded three ways:
// capped builtins refuse to build oversized strings at all; the live heap
// reported by the last garbage collection must not grow past the quota
// during the call (measured from when the call was first seen); and the
// collector is kept from letting garbage pile up past the quota (gcLimit).
// Growth across many calls is caught by measuring each state (sizeOfState)
// at the end of a call, on the state's own goroutine: about once a second,
// and soon whenever the live heap has grown since the last measurement by
// more than the quota has room for.
type watchdog struct {
	m       *Main
	tick    time.Duration
	stop    chan struct{}
	done    chan struct{}
	samples []metrics.Sample
}

const (
	metricLive   = "/gc/heap/live:bytes"
	metricAllocs = "/gc/heap/allocs:bytes"
)

// gcHeadroom is how far above what scripts and the rest of the program hold
// the Go heap may grow with garbage before the collector must run.
const gcHeadroom = 32 << 20

// gcLimits sets the Go runtime's soft memory limit (debug.SetMemoryLimit)
// for the watchdogs alive in the process: the largest of the limits they ask
// for, never above the limit the process started with (GOMEMLIMIT). The
// collector's default pacing lets the heap reach twice the live heap before
// it runs: with a script holding its whole quota, garbage alone would double
// the process. Near the limit the collector runs sooner instead.
var gcLimits struct {
	mu       sync.Mutex
	original int64
	want     map[*watchdog]int64
	set      int64
}

func (w *watchdog) limitGC(limit int64) {
	gcLimits.mu.Lock()
	defer gcLimits.mu.Unlock()
	if gcLimits.want == nil {
		gcLimits.want = make(map[*watchdog]int64)
	}
	if len(gcLimits.want) == 0 {
		gcLimits.original = debug.SetMemoryLimit(-1)
		gcLimits.set = gcLimits.original
	}
	if limit < 0 {
		delete(gcLimits.want, w)
	} else {
		gcLimits.want[w] = limit
	}
	eff := gcLimits.original
	if len(gcLimits.want) > 0 {
		var most int64
		for _, l := range gcLimits.want {
			most = max(most, l)
		}
		eff = min(eff, most)
	}
	// Small moves are not worth the runtime's recomputation of its pacing.
	if d := eff - gcLimits.set; d > 4<<20 || d < -4<<20 || len(gcLimits.want) == 0 {
		debug.SetMemoryLimit(eff)
		gcLimits.set = eff
	}
}

func newWatchdog(m *Main) *watchdog {
	tick := min(m.opts.HookTimeout, m.opts.SetupTimeout) / 10
	tick = max(time.Millisecond, min(tick, 20*time.Millisecond))
	w := &watchdog{
		m:       m,
		tick:    tick,
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
		samples: heapSamples(),
	}
	go w.run()
	return w
}

func heapSamples() []metrics.Sample {
	return []metrics.Sample{{Name: metricLive}, {Name: metricAllocs}}
}

func (w *watchdog) close() {
	close(w.stop)
	<-w.done
	w.limitGC(-1)
}

func (w *watchdog) run() {
	defer close(w.done)
	t := time.NewTicker(w.tick)
	defer t.Stop()
	interrupt := w.m.opts.Interrupt
	for {
		select {
		case <-w.stop:
			return
		case now := <-t.C:
			w.check(now)
		case <-interrupt:
			interrupt = nil // a closed channel is ready forever
			w.interrupt()
		}
	}
}

// interrupt stops every call running, and makes pcall refuse those that
// follow (but done()).
func (w *watchdog) interrupt() {
	w.m.interrupted.Store(true)
	for _, s := range w.m.allStates() {
		if word := s.g.word.Load(); word&3 == phaseActive {
			s.g.fire(word, &abortError{ErrInterrupted, "interrupted"})
		}
	}
}

// readHeap returns the live heap as of the last collection and the bytes
// allocated since the program started (which never decreases, whatever the
// collector does).
func readHeap(samples []metrics.Sample) (live, allocs uint64) {
	metrics.Read(samples)
	var v [2]uint64
	for i, s := range samples {
		if s.Value.Kind() == metrics.KindUint64 && i < len(v) {
			v[i] = s.Value.Uint64()
		}
	}
	return v[0], v[1]
}

func (w *watchdog) check(now time.Time) {
	states := w.m.allStates()
	limit := uint64(w.m.opts.MemoryLimit) //nolint:gosec // G115: Load made MemoryLimit positive
	live, allocs := readHeap(w.samples)
	known := uint64(max(w.m.scriptBytes(), 0))
	// Scripts cannot hold more than they held at the last measurement plus
	// what the live heap gained since, nor more than that plus all that was
	// allocated since: once either exceeds the quota, measure soon, not only
	// once a second. The live heap lags (it is known at collections only);
	// allocation runs ahead (garbage counts), hence a longer pause between
	// measurements it asks for. A measurement, not the heap, decides, since
	// the growth may be the engine's or garbage.
	last, lastAllocs := w.m.liveAtWalk.Load(), w.m.allocsAtWalk.Load()
	grew := live > last && live-last+known > limit
	allocated := allocs > lastAllocs && allocs-lastAllocs+known > limit
	for _, s := range states {
		g := &s.g
		cost := time.Duration(g.walkCost.Load())
		since := now.Sub(g.lastWalk)
		if now.After(g.nextWalk) || grew && since >= max(10*time.Millisecond, 2*cost) || allocated && since >= max(10*time.Millisecond, 5*cost) {
			g.lastWalk = now
			g.nextWalk = now.Add(max(time.Second, 100*cost))
			g.walkDue.Store(true)
		}
		word := g.word.Load()
		if word&3 != phaseActive {
			continue
		}
		if word != g.seen {
			g.seen, g.seenAt, g.liveAt = word, now, live
			g.seenCPU = time.Duration(g.start.Load())
		}
		// The CPU time the call's thread has used since the call began
		// (or was first seen, for pinned hook calls, which do not read
		// the clock): what the limit counts. Unreadable (the thread is
		// gone), only the backstop applies.
		cpu, ok := threadCPU(g.tid.Load())
		if ok && g.seenCPU == 0 {
			g.seenCPU = cpu
		}
		if ok && cpu-g.seenCPU >= time.Duration(g.limit.Load()) {
			g.fire(word, w.m.timeoutError(g, false))
			continue
		}
		if now.Sub(g.seenAt) >= time.Duration(g.wall.Load()) {
			g.fire(word, w.m.timeoutError(g, true))
			continue
		}
		if live > g.liveAt && live-g.liveAt+known > limit {
			g.fire(word, &abortError{ErrMemory, "exceeded the memory quota of " + mib(w.m.opts.MemoryLimit)})
		}
	}
	// Collect before the heap outgrows what the rest of the program held at
	// the last measurement plus the quota plus headroom. (Not what it holds
	// now: the live heap less the last measurement would count a script's
	// unmeasured growth as the program's.) Should the program have grown,
	// collections come sooner, the live heap is seen to grow, and the
	// measurement that follows corrects it. Never below the live heap plus
	// headroom, where the collector would run without pause.
	w.limitGC(max(w.m.otherAtWalk.Load()+w.m.opts.MemoryLimit, int64(min(live, math.MaxInt64/2))) + gcHeadroom)
}

// timeoutError says that g's call ran out of time: of CPU time, or of wall-clock
// time (its backstop).
func (m *Main) timeoutError(g *guard, wall bool) *abortError {
	if wall {
		return &abortError{ErrTimeout, "ran longer than " + time.Duration(g.wall.Load()).Round(time.Millisecond).String() +
			" of wall-clock time without using its " + time.Duration(g.limit.Load()).String() + " of " + cpuClock + " (blocked, or starved of CPU?)"}
	}
	msg := "ran longer than " + time.Duration(g.limit.Load()).String() + " of " + cpuClock + " (infinite loop?)"
	if g.setup.Load() {
		msg = "ran longer than the " + m.opts.SetupTimeout.String() + " of " + cpuClock + " allowed for the main chunk, setup() and init() together (infinite loop?)"
	}
	return &abortError{ErrTimeout, msg}
}

func mib(n int64) string {
	prec := 0
	if n < 10<<20 {
		prec = 1
	}
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', prec, 64) + " MiB"
}
