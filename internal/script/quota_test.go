package script

import (
	"os"
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
				// run, so that a machine busy with other work does not fail the test.
				refState, _ := mustLoad(t, prelude, func(o *Options) { o.SetupTimeout, o.MemoryLimit = 20*time.Second, 1<<30 })
				refStart := time.Now()
				refState.main.L.Push(refState.main.global("ref"))
				if err := refState.main.pcall("ref()", time.Minute, 0, 0); err != nil {
					t.Fatal(err)
				}
				ref := time.Since(refStart)
				refState.Close()
				src, limit := prelude+w.wrap(body), hook
				opts := func(o *Options) {
					// Building the strings in two states takes part of the setup budget.
					o.HookTimeout, o.SetupTimeout, o.MemoryLimit = hook, 20*time.Second, 1<<30
				}
				if w != atRequest {
					// The setup budget is also done()'s limit, and building the strings in two
					// states (a few passes each) comes out of it first: the budget grows with
					// the pass measured above, under -race on a busy machine.
					limit = setup + 20*ref
					opts = func(o *Options) { o.HookTimeout, o.SetupTimeout, o.MemoryLimit = hook, limit, 1<<30 }
				}
				start := time.Now()
				m, _, err := load(t, src, opts)
				if w != atTop {
					if err != nil {
						t.Fatal(err)
					}
					th := thread(t, m)
					start = time.Now()
					ended := make(chan struct{})
					go func() {
						defer close(ended)
						if w == atRequest {
							_, _, err = th.Request()
						} else {
							err = m.Done(Summary{}, latencies(), latencies())
						}
					}()
					select {
					case <-ended:
					case <-time.After(time.Minute): // a hang: say where, rather than wait for go test's timeout
						_ = pprof.Lookup("goroutine").WriteTo(os.Stderr, 2)
						t.Fatal("the call never ended")
					}
				}
				took := time.Since(start)
				// A finite sort may also end by itself on a quiet machine.
				if err != nil && !strings.Contains(err.Error(), "ran longer than") && !strings.Contains(err.Error(), "too complex") {
					t.Errorf("error: %v", err)
				}
				// Twice the limit, the time of a few passes over the strings, and 2 s for the
				// allocator and the collector on a machine with both cores busy (unbounded, the
				// first case ran 46 s against a 100 ms limit).
				if took > 2*limit+5*ref+2*time.Second {
					t.Errorf("stopped after %v, limit %v, one pass over the strings %v", took, limit, ref)
				}
			})
		}
	}
}
