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
