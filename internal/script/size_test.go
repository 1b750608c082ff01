package script

import (
	"runtime"
	"testing"
)

// TestSizeOfStateFollowsTheHeap: the estimate of what a state holds stays
// within a factor of the Go heap it really takes, for the shapes scripts
// build, so that the memory quota means what it says.
func TestSizeOfStateFollowsTheHeap(t *testing.T) {
	const n = 50000
	for _, body := range []string{
		`for i = 1, N do keep[i] = {} end`,
		`for i = 1, N do keep[i] = {i, i, i, i, i, i, i, i, i, i} end`,
		`for i = 1, N do local t = {} t[1] = i keep[i] = t end`,
		`for i = 1, N do local t = {} t.a = i keep[i] = t end`,
		`for i = 1, N do local t = {} t.a = i t.b = i t.c = i t.d = i t.e = i keep[i] = t end`,
		`for i = 1, N do keep[i] = function() return i end end`,
		`for i = 1, N do keep[i] = "x" .. i end`,
		`for i = 1, N do keep["k" .. i] = i end`,
		`for i = 1, N do keep[i] = ("x"):rep(100) .. i end`,
		// Storage that holds no values: emptied array parts, deleted keys.
		`for i = 1, N / 100 do local t = {} for j = 1, 100 do t[j] = j end for j = 1, 99 do t[j] = nil end keep[i] = t end`,
		`for i = 1, N / 100 do local t = {} for j = 1, 100 do t["k" .. j] = j end for j = 1, 10 do t["k" .. j] = nil end keep[i] = t end`,
	} {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		before := ms.HeapAlloc
		m, _ := mustLoad(t, "N = 50000 keep = {} "+body)
		runtime.GC()
		runtime.ReadMemStats(&ms)
		real := float64(ms.HeapAlloc) - float64(before)
		est := float64(sizeOfState(m.main))
		if r := real / est; r < 0.7 || r > 1.5 {
			t.Errorf("%s: heap %.0f B/item, estimated %.0f B/item", body, real/n, est/n)
		}
		runtime.KeepAlive(m)
	}
}
