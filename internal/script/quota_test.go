package script

import (
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"
)

// Every call ends within twice its time limit whatever builtin it sits in: builtins that loop in
// Go poll for the stop by the bytes they touch, and one VM instruction on the largest strings
// costs milliseconds. (Before: table.sort of 600 references to 64 MiB strings ran 46 s against
// a 100 ms limit.)
func TestHugeStringsStopWithinTwiceTheLimit(t *testing.T) {
	const prelude = `A = ("x"):rep(2^25) .. "a" B = ("x"):rep(2^25) .. "b" function ref() return A .. B end` + "\n"
	const hook, setup = 300 * time.Millisecond, 2 * time.Second
	for i, body := range []string{
		`local t = {} for i = 1, 600 do t[i] = i % 2 == 0 and A or B end table.sort(t)`,
		`local t = {} for i = 1, 600 do t[i] = A end while true do table.sort(t) end`,
		`while true do local x = A < B end`,
		`while true do local x = A:upper() end`,
		`while true do local x = A:reverse() end`,
		`while true do local x = A:rep(2) end`,
		`while true do local x = table.concat({A, B}) end`,
		`while true do local x = A .. B end`,
		`while true do local x = A:find("y", 1, true) end`,
		`while true do local x = A:gsub("x", "y") end`,
		`while true do local x = string.format("%s%s", A, B) end`,
		`while true do local x = string.format("%q", A) end`,
		`while true do local x = string.format(A .. "%d", 1) end`,
		`local json = require("json") while true do local x = json.encode(A) end`,
		`local md5 = require("md5") while true do local x = md5.sumhexa(A) end`,
	} {
		places := []where{atRequest}
		if i < 4 { // the main chunk and done() too: their limit is longer
			places = append(places, atTop, atDone)
		}
		for _, w := range places {
			t.Run(whereNames[w]+"/"+body, func(t *testing.T) {
				// The reference: one pass over both strings (a concatenation), measured in this
				// run in CPU time, as the limits are.
				refState, _ := mustLoad(t, prelude, func(o *Options) { o.SetupTimeout, o.MemoryLimit = 20*time.Second, 1<<30 })
				ref, _ := onLockedThread(t, func() {
					refState.main.L.Push(refState.main.global("ref"))
					if err := refState.main.pcall("ref()", time.Minute, 0, 0); err != nil {
						t.Error(err)
					}
				})
				refState.Close()
				src, limit := prelude+w.wrap(body), hook
				opts := func(o *Options) {
					// Building the strings in two states takes part of the setup budget.
					o.HookTimeout, o.SetupTimeout, o.MemoryLimit = hook, 20*time.Second, 1<<30
				}
				if w != atRequest {
					// The setup budget is also done()'s limit, and building the strings in two
					// states (a few passes each) comes out of it first: the budget grows with
					// the pass measured above, under -race.
					limit = setup + 20*ref
					opts = func(o *Options) { o.HookTimeout, o.SetupTimeout, o.MemoryLimit = hook, limit, 1<<30 }
				}
				var used, took time.Duration
				var err error
				if w == atTop {
					used, took = onLockedThread(t, func() { _, _, err = load(t, src, opts) })
				} else {
					m, _, lerr := load(t, src, opts)
					if lerr != nil {
						t.Fatal(lerr)
					}
					th := thread(t, m)
					used, took = onLockedThread(t, func() {
						if w == atRequest {
							_, _, err = th.Request()
						} else {
							err = m.Done(Summary{}, latencies(), latencies())
						}
					})
				}
				// A finite sort may also end by itself on a quiet machine.
				if err != nil && !strings.Contains(err.Error(), "ran longer than") && !strings.Contains(err.Error(), "too complex") {
					t.Errorf("error: %v", err)
				}
				// Twice the limit, the CPU time of a few passes over the strings, and 0.5 s for
				// the allocator and the collector's work on this thread (unbounded, the first
				// case ran 46 s against a 100 ms limit).
				t.Logf("stopped after %v of %s (%v of wall-clock time), limit %v, one pass over the strings %v", used, cpuClock, took, limit, ref)
				if used > 2*limit+5*ref+500*time.Millisecond {
					t.Errorf("stopped after %v of %s, limit %v, one pass over the strings %v", used, cpuClock, limit, ref)
				}
			})
		}
	}
}

// onLockedThread runs fn on a goroutine locked to an OS thread of its own and returns the CPU
// time that thread used and the wall-clock time fn took. The goroutine exits locked, so that
// the thread ends with it (callers may change its affinity). A call that never ends fails the
// test with the goroutines' stacks rather than wait for go test's timeout.
func onLockedThread(t testing.TB, fn func()) (used, took time.Duration) {
	t.Helper()
	type result struct{ used, took time.Duration }
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: see above
		start, wall := ownCPU(), time.Now()
		fn()
		done <- result{ownCPU() - start, time.Since(wall)}
	}()
	select {
	case r := <-done:
		return r.used, r.took
	case <-time.After(5 * time.Minute):
		_ = pprof.Lookup("goroutine").WriteTo(os.Stderr, 2)
		t.Fatal("the call never ended")
		return 0, 0
	}
}
