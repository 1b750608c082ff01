package script

import (
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync/atomic"
	"time"
)

// The watchdog is one goroutine per Main. Every tick it samples the Go heap
// and looks at each state's guard: a call seen running for longer than its
// limit is stopped. Allocation inside a single call is bounded three ways:
// capped builtins refuse to build oversized strings at all; the live heap
// reported by the last garbage collection must not grow past the quota
// during the call (measured from when the call was first seen); and, should
// the collector be slow to run, a collection is forced once the heap holds
// twice the quota in new objects. Growth across many calls is caught by
// measuring each state (sizeOfState) at the end of a call, on the state's
// own goroutine: about once a second, and as soon as the program has
// allocated more since the last measurement than the quota has room for.
type watchdog struct {
	m         *Main
	tick      time.Duration
	stop      chan struct{}
	done      chan struct{}
	samples   []metrics.Sample
	lastGC    time.Time
	gcRunning atomic.Bool
}

const (
	metricLive   = "/gc/heap/live:bytes"
	metricHeap   = "/memory/classes/heap/objects:bytes"
	metricAllocs = "/gc/heap/allocs:bytes"
)

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
	return []metrics.Sample{{Name: metricLive}, {Name: metricHeap}, {Name: metricAllocs}}
}

func (w *watchdog) close() {
	close(w.stop)
	<-w.done
}

func (w *watchdog) run() {
	defer close(w.done)
	t := time.NewTicker(w.tick)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case now := <-t.C:
			w.check(now)
		}
	}
}

func (w *watchdog) heap() (live, objects, allocs uint64) {
	return readHeap(w.samples)
}

// readHeap returns the live heap as of the last collection, the bytes of
// heap objects now (live and garbage) and the bytes allocated since the
// program started (which never decreases, whatever the collector does).
func readHeap(samples []metrics.Sample) (live, objects, allocs uint64) {
	metrics.Read(samples)
	v := [3]uint64{}
	for i, s := range samples {
		if s.Value.Kind() == metrics.KindUint64 && i < len(v) {
			v[i] = s.Value.Uint64()
		}
	}
	return v[0], v[1], v[2]
}

func (w *watchdog) check(now time.Time) {
	states := w.m.allStates()
	limit := uint64(w.m.opts.MemoryLimit) //nolint:gosec // G115: Load made MemoryLimit positive
	live, objects, allocs := w.heap()
	known := uint64(max(w.m.scriptBytes(), 0))
	// Scripts cannot hold more than they held at the last measurement plus
	// all that was allocated since: once that exceeds the quota, measure
	// soon, not only once a second. Allocation is counted, not the heap, so
	// a collection freeing garbage cannot hide the growth; a measurement,
	// not the count, decides, since the allocation may be garbage or the
	// engine's.
	last := w.m.allocsAtWalk.Load()
	urgent := allocs > last && allocs-last+known > limit
	for _, s := range states {
		g := &s.g
		cost := time.Duration(g.walkCost.Load())
		if now.After(g.nextWalk) || urgent && now.Sub(g.lastWalk) >= max(10*time.Millisecond, 10*cost) {
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
			continue
		}
		if lim := time.Duration(g.limit.Load()); now.Sub(g.seenAt) >= lim {
			msg := "ran longer than " + lim.String() + " (infinite loop?)"
			if g.setup.Load() {
				msg = "ran longer than the " + w.m.opts.SetupTimeout.String() + " allowed for the main chunk, setup() and init() together (infinite loop?)"
			}
			g.fire(word, &abortError{ErrTimeout, msg})
			continue
		}
		if objects > g.liveAt+2*limit && now.Sub(w.lastGC) >= time.Second && w.gcRunning.CompareAndSwap(false, true) {
			// Not here: the watchdog must keep ticking while it runs.
			w.lastGC = now
			go func() {
				runtime.GC()
				w.gcRunning.Store(false)
			}()
		}
		if live > g.liveAt && live-g.liveAt+known > limit {
			g.fire(word, &abortError{ErrMemory, "exceeded the memory quota of " + mib(w.m.opts.MemoryLimit)})
		}
	}
}

func mib(n int64) string {
	prec := 0
	if n < 10<<20 {
		prec = 1
	}
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', prec, 64) + " MiB"
}
