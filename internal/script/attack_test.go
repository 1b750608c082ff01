package script

import (
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Hostile scripts: whatever a script does, the API returns an error that is
// one clear line, in time, without panicking and within the memory quota.

const (
	attackHook  = 50 * time.Millisecond
	attackSetup = 300 * time.Millisecond
	attackMem   = 64 << 20
)

func attackOptions(o *Options) {
	o.HookTimeout, o.SetupTimeout, o.MemoryLimit = attackHook, attackSetup, attackMem
}

// where runs one hook of a script; the others are trivial.
type where int

const (
	atTop where = iota
	atSetup
	atInit
	atRequest
	atResponse
	atDelay
	atDone
)

var whereNames = []string{"top level", "setup", "init", "request", "response", "delay", "done"}

// wrap places body in the function for w.
func (w where) wrap(body string) string {
	switch w {
	case atSetup:
		return "function setup(thread)\n" + body + "\nend"
	case atInit:
		return "function init(args)\n" + body + "\nend"
	case atRequest:
		return "function request()\n" + body + "\nreturn wrk.format()\nend"
	case atResponse:
		return "function response(status, headers, body)\n" + body + "\nend"
	case atDelay:
		return "function delay()\n" + body + "\nreturn 0\nend"
	case atDone:
		return "function done(summary, latency, requests)\n" + body + "\nend"
	}
	return body
}

// runAt loads src and drives the API up to the hook w, returning the first
// error.
func runAt(t *testing.T, w where, src string, mod ...func(*Options)) error {
	t.Helper()
	m, _, err := load(t, src, append([]func(*Options){attackOptions}, mod...)...)
	if err != nil {
		return err
	}
	th, err := m.NewThread(0, netip.MustParseAddrPort("127.0.0.1:8080"))
	if err != nil {
		return err
	}
	if err := m.Setup([]*Thread{th}); err != nil {
		return err
	}
	if err := th.Init(); err != nil {
		return err
	}
	switch w {
	case atRequest:
		_, _, err = th.Request()
	case atResponse:
		err = th.Response(200, headers("A", "b"), []byte("body"))
	case atDelay:
		_, err = th.Delay()
	case atDone:
		err = m.Done(Summary{}, latencies(), latencies())
	}
	return err
}

// heapWatch samples the Go heap until stopped and reports the peak growth.
func heapWatch() (stop func() uint64) {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	base := s[0].Value.Uint64()
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > base && v-base > peak.Load() {
				peak.Store(v - base)
			}
		}
	}()
	return func() uint64 { close(done); return peak.Load() }
}

type attack struct {
	name string
	body string
	kind ErrorKind
	want string // substring of the message
}

func runAttacks(t *testing.T, places []where, attacks []attack, mod ...func(*Options)) {
	t.Helper()
	for _, a := range attacks {
		for _, w := range places {
			t.Run(a.name+"/"+whereNames[w], func(t *testing.T) {
				runtime.GC()
				stop := heapWatch()
				start := time.Now()
				opts := mod
				if a.kind != ErrTimeout {
					// The limits are wall-clock: on a busy machine a descheduled call can pass
					// 50 ms. An attack that something else must stop gets time to be stopped by it.
					opts = append(slices.Clip(mod), func(o *Options) { o.HookTimeout, o.SetupTimeout = 10*time.Second, 10*time.Second })
				}
				err := runAt(t, w, w.wrap(a.body), opts...)
				took := time.Since(start)
				peak := stop()
				want := strings.ReplaceAll(a.want, "HOOK", map[where]string{atTop: "the main chunk", atSetup: "setup()",
					atInit: "init()", atRequest: "request()", atResponse: "response()", atDelay: "delay()", atDone: "done()"}[w])
				wantError(t, err, a.kind, want)
				o := Options{}
				attackOptions(&o)
				for _, f := range opts {
					f(&o)
				}
				limit := o.SetupTimeout
				if w == atRequest || w == atResponse || w == atDelay {
					limit = o.HookTimeout
				}
				if took > limit+2*time.Second { // generous: the machine may be busy
					t.Errorf("returned after %v (limit %v)", took, limit)
				}
				if peak > 3*attackMem {
					t.Errorf("heap grew by %d MiB (quota %d MiB)", peak>>20, attackMem>>20)
				}
			})
		}
	}
}

var everywhere = []where{atTop, atSetup, atInit, atRequest, atResponse, atDelay, atDone}

func TestAttackTime(t *testing.T) {
	runAttacks(t, everywhere, []attack{
		{"loop", `while true do end`, ErrTimeout, "HOOK ran longer than"},
		{"pcall loop", `while true do pcall(function() while true do end end) end`, ErrTimeout, "HOOK ran longer than"},
		{"xpcall handler loop", `xpcall(function() error("x") end, function() while true do end end)`, ErrTimeout, "HOOK ran longer than"},
		{"tostring loop", `print(setmetatable({}, {__tostring = function() while true do end end}))`, ErrTimeout, "HOOK ran longer than"},
		{"gsub callback loop", `(("x"):rep(10)):gsub(".", function() while true do end end)`, ErrTimeout, "HOOK ran longer than"},
		{"sort comparator loop", `table.sort({3, 2, 1}, function() while true do end end)`, ErrTimeout, "HOOK ran longer than"},
		{"index metamethod loop", `local t = setmetatable({}, {__index = function() while true do end end}) local x = t.x`, ErrTimeout, "ran longer than"},
	})
	// The matcher's step budget stops a backtracking pattern. The budget grows with the call's
	// limit only up to 0.4 s (10M steps), so a long limit leaves the budget as it is and only
	// guards against a matcher without one; 10M steps take seconds under -race on a busy machine.
	runAttacks(t, everywhere, []attack{
		{"backtracking pattern", `string.find(("a"):rep(30000), ("a*"):rep(30) .. "b")`, ErrScript, "pattern too complex"},
	}, func(o *Options) { o.HookTimeout, o.SetupTimeout = 30*time.Second, 30*time.Second })
}

// The main chunk (in every state), setup() and init() share one budget: a script whose phases
// each stay under the limit cannot add them up, over states and threads, to hold a run back.
func TestAttackSetupPhasesShareTheBudget(t *testing.T) {
	// Each phase spins for 0.6 s of the process's CPU time (main chunk in the main state, then
	// in the thread's state, setup(), init()): no phase alone would be stopped, together they
	// must be. (The process's CPU time, the only fine clock a script has, may run up to twice as
	// fast as the thread's while the collector works: four phases still take more than the
	// budget.) The budget counts the CPU time of the thread that runs the phases, this one.
	src := `local function spin() local t0 = os.clock() while os.clock() - t0 < 0.6 do end end
spin()
function setup(thread) spin() end
function init(args) spin() end`
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start := ownCPU()
	m, _, err := load(t, src, attackOptions, func(o *Options) { o.SetupTimeout = time.Second })
	if err == nil {
		var th *Thread
		if th, err = m.NewThread(0, testAddr); err == nil {
			if err = m.Setup([]*Thread{th}); err == nil {
				err = th.Init()
			}
		}
	}
	wantError(t, err, ErrTimeout, "ran longer than the 1s of "+cpuClock+" allowed for the main chunk, setup() and init() together")
	if used := ownCPU() - start; used > 2*time.Second {
		t.Errorf("stopped after %v of %s, budget 1s", used, cpuClock)
	}
}

func TestAttackMemory(t *testing.T) {
	runAttacks(t, everywhere, []attack{
		{"rep", `local s = string.rep("x", 2^40)`, ErrScript, "resulting string too large"},
		{"rep sep", `local s = ("x"):rep(2^25, ("y"):rep(100))`, ErrScript, "resulting string too large"},
		{"concat doubling", `local s = "x" while true do s = s .. s end`, ErrScript, "resulting string too large"},
		{"concat chain", `local s = ("x"):rep(2^23) local t = s .. s .. s .. s .. s .. s .. s .. s .. s`, ErrScript, "resulting string too large"},
		{"table.concat", `local t = {} local s = ("x"):rep(2^20) for i = 1, 100 do t[i] = s end local r = table.concat(t)`, ErrScript, "resulting string too large"},
		{"gsub growth", `local y = ("y"):rep(2^15) local s = ("x"):rep(2^10):gsub(".", function() return y end)`, ErrScript, "resulting string too large"},
		{"format", `local s = ("x"):rep(2^25) s = string.format("%s%s%s", s, s, s)`, ErrScript, "resulting string too large"},
		{"unpack", `local t = unpack({}, 1, 2^30)`, ErrScript, "too many results to unpack"},
		{"string.byte", `local t = {string.byte(("x"):rep(2^20), 1, -1)}`, ErrScript, "string slice too long"},
	}, func(o *Options) { o.HookTimeout, o.SetupTimeout = 10*time.Second, 10*time.Second }) // the caps act, not the clock, even on a busy machine
	// Growth that no single builtin sees: tables filled by the VM. The
	// limits are raised so that memory, not time, stops these.
	for _, body := range []string{
		`local t, i = {}, 0 while true do i = i + 1 t[i] = {i, i} end`,
		`local t, i = {}, 0 while true do i = i + 1 t["k" .. i] = ("x"):rep(64) .. i end`,
		`local all = {} for n = 1, 1e6 do local t = {} t[2^20 - 1] = 1 all[n] = t end`,
	} {
		t.Run(body, func(t *testing.T) {
			runtime.GC()
			stop := heapWatch()
			start := time.Now()
			// A minute: filling 64 MiB of tables takes tens of seconds under -race on a busy
			// machine, and the quota must stop it, not the clock.
			_, _, err := load(t, body, func(o *Options) { o.MemoryLimit = attackMem; o.SetupTimeout = time.Minute })
			peak := stop()
			wantError(t, err, ErrMemory, "memory quota")
			if took := time.Since(start); took > time.Minute+2*time.Second {
				t.Errorf("took %v", took)
			}
			if peak > 3*attackMem {
				t.Errorf("heap grew by %d MiB (quota %d MiB)", peak>>20, attackMem>>20)
			}
			t.Logf("%v after %v, heap peak +%d MiB", err, time.Since(start).Round(time.Millisecond), peak>>20)
		})
	}
}

// TestAttackMemoryAcrossCalls keeps 1 MiB per response() call: no call is
// large, the sum is.
func TestAttackMemoryAcrossCalls(t *testing.T) {
	m, _ := mustLoad(t, `kept = {} function response() kept[#kept + 1] = ("x"):rep(2^20) .. #kept end`,
		func(o *Options) { o.MemoryLimit, o.HookTimeout = attackMem, 2*time.Second }) // memory, not a busy machine's clock, stops it
	th := thread(t, m)
	var err error
	calls := 0
	deadline := time.Now().Add(10 * time.Second)
	for ; err == nil && time.Now().Before(deadline); calls++ {
		err = th.Response(200, nil, nil)
		time.Sleep(time.Millisecond)
	}
	wantError(t, err, ErrMemory, "memory quota")
	if calls > 2*attackMem>>20 {
		t.Errorf("quota enforced only after %d MiB were kept", calls)
	}
	t.Logf("stopped after %d calls: %v", calls, err)
}

func TestAttackRecursion(t *testing.T) {
	runAttacks(t, []where{atTop, atRequest}, []attack{
		{"lua recursion", `local function f() return f() + 1 end f()`, ErrScript, "stack overflow"},
		{"index recursion", `local t = setmetatable({}, {__index = function(t, k) return t[k] end}) local x = t.x`, ErrScript, "stack overflow"},
		{"tostring recursion", `local t = setmetatable({}, {__tostring = function(t) return tostring(t) end}) tostring(t)`, ErrScript, "stack overflow"},
		{"gsub recursion", `local function f(s) return (s:gsub(".", f)) end f("ab")`, ErrScript, "stack overflow"},
		{"concat metamethod recursion", `local t t = setmetatable({}, {__concat = function(a, b) return t .. t end}) local x = t .. t`, ErrScript, "stack overflow"},
		{"sort recursion", `local function f() table.sort({2, 1}, function() f() end) end f()`, ErrScript, "stack overflow"},
	}, func(o *Options) { o.HookTimeout, o.SetupTimeout = 30*time.Second, 30*time.Second }) // the stack bound acts, not the clock, even under -race on a busy machine
}

func TestAttackErrors(t *testing.T) {
	runAttacks(t, everywhere, []attack{
		{"tostring of error loops", `error(setmetatable({}, {__tostring = function() while true do end end}))`, ErrScript, "(error object is a table value)"},
	})
	// No clock is involved in these: limits a busy -race run cannot reach (a 1 MiB message
	// took more than 300 ms there).
	runAttacks(t, everywhere, []attack{
		{"tostring of error errors", `error(setmetatable({}, {__tostring = function() error("inner") end}))`, ErrScript, "(error object is a table value)"},
		{"huge message", `error(("x"):rep(2^20))`, ErrScript, "xxxxx..."},
		{"escape sequences", `error("\27[2J\27]0;owned\7\n\r\0fake line")`, ErrScript, `\x1b[2J\x1b]0;owned\x07\n\r\x00fake line`},
		{"runtime error", `local x = nil; x.y = 1`, ErrScript, "attempt to index"},
	}, func(o *Options) { o.HookTimeout, o.SetupTimeout = 30*time.Second, 30*time.Second })
}

func TestAttackSyntax(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"x = ", "test.lua:1: syntax error near <eof>"},
		{"\n\nlocal 1 = 2", "test.lua:3: syntax error near \"1\""},
		{"x = " + strings.Repeat("not ", 100000) + "1", "test.lua:1: chunk has too many syntax levels"},
		{"x = " + strings.Repeat("{", 100000) + strings.Repeat("}", 100000), "test.lua:1: chunk has too many syntax levels"},
		{strings.Repeat("do ", 5000) + strings.Repeat("end ", 5000), "test.lua:1: chunk has too many syntax levels"},
		{"\x1bLua\x51\x00", "precompiled bytecode is not accepted"},
		{"goto nowhere", "test.lua:1: "},
	} {
		_, _, err := load(t, c.src)
		wantError(t, err, ErrScript, c.want)
	}
	// Long flat chains are fine (Lua itself stops at 200 operands).
	if _, _, err := load(t, "x = 1"+strings.Repeat(" .. 1", 1000)); err != nil {
		t.Errorf("long concatenation chain: %v", err)
	}
	big := filepath.Join(t.TempDir(), "big.lua")
	if err := os.WriteFile(big, []byte(strings.Repeat("-- padding\n", 2<<20)), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(Options{Path: big})
	if err == nil || !strings.Contains(err.Error(), "script is larger than 16 MiB") {
		t.Errorf("oversized script: %v", err)
	}
	_, err = Load(Options{Path: filepath.Join(t.TempDir(), "missing.lua")})
	if err == nil || !strings.Contains(err.Error(), "missing.lua: no such file or directory") {
		t.Errorf("missing script: %v", err)
	}
}

// TestAttackEscape: nothing outside the sandbox is reachable.
func TestAttackEscape(t *testing.T) {
	out := eval(t, `
		local keys = {}
		for k in pairs(_G) do keys[#keys + 1] = k end
		table.sort(keys)
		print(table.concat(keys, " "))
		print(_printregs, _GOPHER_LUA_VERSION, channel)
	`)
	want := "_G _VERSION assert bit collectgarbage coroutine debug dofile error getfenv getmetatable io ipairs load loadfile loadstring math module newproxy next os package pairs pcall print rawequal rawget rawset require select setfenv setmetatable string table tonumber tostring type unpack wrk xpcall\n" +
		"nil\tnil\tnil\n"
	if out != want {
		t.Errorf("globals:\n%q\nwant\n%q", out, want)
	}
	// The string metatable cannot be obtained, replaced or used to reach
	// another state's library, and each state has its own globals.
	m, buf := mustLoad(t, `
		function setup()
			string.rep = nil
			secret = "main"
			print(pcall(setmetatable, "", {}))
			print(getmetatable("x"))
		end
		function init() print(type(("x").rep), secret) end`)
	thread(t, m)
	if want := "false\ttest.lua:5: bad argument #1 to 'setmetatable' (table expected, got string)\nfalse\nfunction\tnil\n"; buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
}

// TestAttackAbortDoesNotLeak: after a call is stopped, the state still
// works and the next call gets its full time.
func TestAttackAbortDoesNotLeak(t *testing.T) {
	m, _ := mustLoad(t, `n = 0 function request() n = n + 1 if n == 1 then while true do end end return wrk.format() end`,
		attackOptions)
	th := thread(t, m)
	_, _, err := th.Request()
	wantError(t, err, ErrTimeout, "request() ran longer than 50ms")
	for range 100 {
		if _, _, err := th.Request(); err != nil {
			t.Fatalf("call after an abort: %v", err)
		}
	}
}
