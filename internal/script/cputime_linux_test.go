package script

import (
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/sys/unix"
)

// onThread is onLockedThread on CPU cpu if cpu >= 0.
func onThread(t *testing.T, cpu int, fn func()) (used, took time.Duration) {
	t.Helper()
	return onLockedThread(t, func() {
		if cpu >= 0 {
			pinToCPU(t, cpu)
		}
		fn()
	})
}

func pinToCPU(t *testing.T, cpu int) {
	var set unix.CPUSet
	set.Set(cpu)
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		t.Errorf("sched_setaffinity: %v", err)
	}
}

// firstCPU returns the first CPU this process may run on.
func firstCPU(t *testing.T) int {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		t.Fatalf("sched_getaffinity: %v", err)
	}
	for cpu := range 1024 {
		if set.IsSet(cpu) {
			return cpu
		}
	}
	t.Fatal("no CPU in this process's affinity mask")
	return 0
}

// spin keeps n OS threads busy, all on CPU cpu if cpu >= 0, until the test ends. GOMAXPROCS
// grows meanwhile so that they take no P from the script or the watchdog.
func spin(t *testing.T, n, cpu int) {
	prev := runtime.GOMAXPROCS(0)
	runtime.GOMAXPROCS(prev + n)
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			runtime.LockOSThread() // never unlocked, as in onThread
			if cpu >= 0 {
				pinToCPU(t, cpu)
			}
			for !stop.Load() { //nolint:revive // spinning is the point
			}
		})
	}
	t.Cleanup(func() {
		stop.Store(true)
		wg.Wait()
		runtime.GOMAXPROCS(prev)
	})
}

// A hook that loops is stopped once it has used its limit of CPU time, within twice that, on
// a quiet machine, with every core busy, and on a core it shares with 7 busy threads; pinned
// (the engine's hot path, where the watchdog reads the thread's clock) or not (each call
// reads it).
func TestLoopStopsWithinTwiceItsCPULimit(t *testing.T) {
	const limit = 200 * time.Millisecond
	for _, load := range []string{"quiet", "all cores busy", "its core shared"} {
		for _, pinned := range []bool{true, false} {
			t.Run(load+"/pinned="+strconv.FormatBool(pinned), func(t *testing.T) {
				m, _ := mustLoad(t, `function request() while true do end end`,
					func(o *Options) { o.HookTimeout = limit })
				th := thread(t, m)
				cpu := -1
				switch load {
				case "all cores busy":
					spin(t, runtime.NumCPU(), -1)
				case "its core shared":
					cpu = firstCPU(t)
					spin(t, 7, cpu)
				}
				var err error
				used, took := onThread(t, cpu, func() {
					if pinned {
						th.Pin()
					}
					_, _, err = th.Request()
				})
				wantError(t, err, ErrTimeout, "request() ran longer than 200ms of CPU time")
				t.Logf("stopped after %v of CPU time, %v of wall-clock time", used, took)
				if used > 2*limit {
					t.Errorf("stopped after %v of CPU time, limit %v", used, limit)
				}
				if took > backstop(limit) {
					t.Errorf("stopped after %v, past the wall-clock backstop %v", took, backstop(limit))
				}
			})
		}
	}
}

// A hook that uses a quarter of its limit of CPU time is not stopped when, sharing its core
// with 7 busy threads, it takes longer than its limit in wall-clock time. (A watchdog that
// measured wall-clock time stopped it as an "infinite loop?".)
func TestSlowWallClockIsNotATimeout(t *testing.T) {
	const limit = 200 * time.Millisecond
	src := `local n function init(args) n = tonumber(args[1]) end
function request() local x = 0 for i = 1, n do x = x + i end return wrk.format() end`
	cpu := firstCPU(t)
	withLoop := func(n int, limit time.Duration) *Thread {
		m, _ := mustLoad(t, src, func(o *Options) {
			o.HookTimeout = limit
			o.Args = []string{testTarget.URL, strconv.Itoa(n)}
		})
		return thread(t, m)
	}
	// The loop's cost per iteration, measured in this run, with no limit to speak of.
	const refN = 500_000
	th := withLoop(refN, time.Minute)
	var err error
	used, _ := onThread(t, cpu, func() { _, _, err = th.Request() })
	if err != nil {
		t.Fatal(err)
	}
	n := int(float64(refN) * float64(limit/4) / float64(used))
	th = withLoop(n, limit)
	spin(t, 7, cpu)
	used, took := onThread(t, cpu, func() {
		th.Pin()
		_, _, err = th.Request()
	})
	t.Logf("%d iterations: %v of CPU time, %v of wall-clock time", n, used, took)
	if err != nil {
		t.Errorf("stopped: %v", err)
	}
	if took <= limit {
		t.Errorf("took %v: its core's 7 other threads did not slow it past its limit %v, the test proves nothing", took, limit)
	}
	if used >= limit {
		t.Errorf("used %v of CPU time, meant to use a quarter of %v", used, limit)
	}
}

// A call that cannot use its CPU time, here blocked in Go as in a system call, ends at its
// wall-clock backstop, with a message that says so.
func TestBlockedCallEndsAtTheBackstop(t *testing.T) {
	const limit = 10 * time.Millisecond
	m, _ := mustLoad(t, `function request() block() return wrk.format() end`,
		func(o *Options) { o.HookTimeout = limit })
	th := thread(t, m)
	release := make(chan struct{})
	th.s.L.SetGlobal("block", th.s.L.NewFunction(func(*lua.LState) int {
		<-release
		return 0
	}))
	go func() {
		// Released once stopped, so that the next instruction raises the stop.
		for th.s.g.word.Load()&3 != phaseFired {
			time.Sleep(time.Millisecond)
		}
		close(release)
	}()
	var err error
	_, took := onThread(t, -1, func() {
		th.Pin()
		_, _, err = th.Request()
	})
	wantError(t, err, ErrTimeout, "request() ran longer than 2.2s of wall-clock time without using its 10ms of CPU time")
	if took < backstop(limit) {
		t.Errorf("stopped after %v, before its backstop %v", took, backstop(limit))
	}
}
