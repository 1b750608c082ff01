package script

import (
	"runtime"
	"testing"
	"time"
)

// Tests of volley's patches to gopher-lua (third_party/gopher-lua/PATCHES.md), through the
// sandbox: each fails with the unpatched module.

// heapAfter returns how much the live heap grew while run ran, after a collection.
func heapAfter(run func()) uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	before := ms.HeapAlloc
	run()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc - min(before, ms.HeapAlloc)
}

// Patch 1: keys set and deleted are forgotten (upstream kept each one: about 80 bytes per key
// ever set, here 25 MiB).
func TestDeletedKeysAreForgotten(t *testing.T) {
	var m *Main
	grew := heapAfter(func() {
		m, _ = mustLoad(t, `t = {} for i = 1, 300000 do local k = "key" .. i t[k] = i t[k] = nil end
			for i = 1, 300000 do t[i + 0.5] = i t[i + 0.5] = nil end`)
	})
	if grew > 4<<20 {
		t.Errorf("a table whose keys were all deleted holds %d MiB", grew>>20)
	}
	runtime.KeepAlive(m)
	// Deleting fields during a traversal is allowed, and the traversal sees every key once.
	out := eval(t, `local t, seen = {}, 0 for i = 1, 1000 do t["k" .. i] = i end
		for i = 1, 500 do t["k" .. i] = nil end
		for k, v in pairs(t) do t[k] = nil seen = seen + 1 end
		print(seen, next(t))
		t.k7 = 1 t.x = 2 t.k7 = nil t.k7 = 3
		local keys = {} for k in pairs(t) do keys[#keys + 1] = k end table.sort(keys) print(table.concat(keys, " "))`)
	if out != "500\tnil\nk7 x\n" {
		t.Errorf("traversal: %q", out)
	}
}

// Patch 2: emptied array parts give their memory back (upstream: 16 bytes per slot ever used,
// here 16 MiB).
func TestEmptiedArraysShrink(t *testing.T) {
	var m *Main
	grew := heapAfter(func() {
		m, _ = mustLoad(t, `keep = {} for n = 1, 100 do local t = {} for i = 1, 10000 do t[i] = i end
			for i = 10000, 1, -1 do t[i] = nil end keep[n] = t end`)
	})
	if grew > 4<<20 {
		t.Errorf("100 emptied tables hold %d MiB", grew>>20)
	}
	runtime.KeepAlive(m)
	out := eval(t, `local t = {} for i = 1, 100 do t[i] = i end for i = 100, 11, -1 do t[i] = nil end
		local n = 0 for k, v in pairs(t) do n = n + 1 if k == 5 then t[10] = nil t[9] = nil end end
		t[20] = 20 print(#t == 8 or #t == 20, n, t[20], table.remove(t))`)
	if out != "true\t8\t20\t20\n" {
		t.Errorf("array after trimming: %q", out)
	}
}

// Patch 4: comparing strings is memcmp. Sorting 300 references to one 16 MiB string made about
// 2,500 comparisons of 16 MiB each (a minute upstream); now it costs less than a few passes
// over the string, measured here as the time to build it.
func TestSortingHugeStringsIsCheap(t *testing.T) {
	m, _ := mustLoad(t, `big = ("x"):rep(2^24)
		function copy() local c = big:upper() end
		function sort() local t = {} for i = 1, 300 do t[i] = big end table.sort(t) end`,
		func(o *Options) { o.SetupTimeout = time.Minute })
	call := func(name string) time.Duration {
		start := time.Now()
		m.main.L.Push(m.main.global(name))
		if err := m.main.pcall(name+"()", time.Minute, 0, 0); err != nil {
			t.Fatal(err)
		}
		return time.Since(start)
	}
	ref := call("copy")
	if took := call("sort"); took > 20*ref+100*time.Millisecond {
		t.Errorf("sorting 300 references to a 16 MiB string took %v, building the string %v", took, ref)
	}
}

// Patch 7: what the VM makes is charged as it is made, so that a call growing the state with
// tables, closures and table growth alone (no builtin that allocates) is measured and stopped
// in the call, as soon as the state outgrows the quota. Upstream nothing counted them: only
// the watchdog's view of the live heap, known at garbage collections, stopped such a call,
// with the state at up to twice the quota or more.
func TestVMAllocationIsCharged(t *testing.T) {
	const quota = 16 << 20
	for _, tc := range []struct{ name, loop string }{
		{"closures", `local x = {} keep[#keep + 1] = function() return x end`},
		{"tables", `keep[#keep + 1] = {1, 2, 3, k = 4}`},
		{"array growth", `keep[#keep + 1] = true`},
		{"hash growth", `keep[#keep + 0.5] = true keep[#keep + 1] = true`},
		{"table.insert", `table.insert(keep, true)`},
		{"rawset", `rawset(keep, -#keep - 1, true) rawset(keep, #keep + 1, true)`},
		{"varargs", `local function pack(...) return {...} end keep[#keep + 1] = pack(1, 2, 3)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := mustLoad(t, `local keep = {} function response() while true do `+tc.loop+` end end`,
				func(o *Options) { o.MemoryLimit, o.HookTimeout = quota, time.Minute })
			th := thread(t, m)
			err := th.Response(200, nil, nil)
			wantError(t, err, ErrMemory, "exceeded the memory quota of 16 MiB")
			// Stopped at the first measurement past the quota: the budget between two is at
			// least a sixteenth of the quota, and a hash part grows its maps in steps of up
			// to half its size.
			if size := sizeOfState(th.s); size > quota*3/2 {
				t.Errorf("stopped holding %.1f MiB", float64(size)/(1<<20))
			}
		})
	}
}

// Patch 8: measuring a state allocates nothing per value it holds (walking a table by ForEach
// boxed every array index and string key, a third of what it measured), and a table of many
// closures needs no list of them.
func TestMeasuringAllocatesNothingPerValue(t *testing.T) {
	m, _ := mustLoad(t, `fs, names = {}, {} for i = 1, 20000 do local x = {i}
		fs[i] = function() return x end names["k" .. i] = x end`)
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	before := ms.TotalAlloc
	sizeOfState(m.main)
	runtime.ReadMemStats(&ms)
	if grew := ms.TotalAlloc - before; grew > 64<<10 {
		t.Errorf("measuring 40,000 values allocated %d KiB", grew>>10)
	}
}
