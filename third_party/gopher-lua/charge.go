package lua

import (
	"math"
	"math/bits"
)

// Allocation charging (volley patch 7). The VM charges an estimate of the
// memory of each object it creates (tables, closures, userdata) and of each
// growth of a table (array part, a new key of the hash part) to a counter
// shared by the state and its threads; Go code charges what it allocates for
// the state with Charge. Once the charges exceed the budget the embedder set,
// its hook runs: there it can measure the state and stop the script, at the
// allocation that crossed the budget rather than when it next looks. The cost
// is a subtraction and a comparison per object.

// Estimated sizes in bytes of the VM's objects on a 64-bit Go heap: what
// the VM charges, and what volley's measurement of a state counts.
const (
	SizeValue    = 16 // an LValue in an array part or a key list
	SizeTable    = 96 // an LTable
	SizeFunction = 88 // an LFunction and its slice of upvalues
	SizeUpvalue  = 48
	SizeUserData = 48
	// A hash part is two Go maps (the values by key, 32-byte slots; the
	// keys' order, 24-byte slots; a control byte each) of at least 8 slots
	// at a load of 7/8, and the list of keys.
	SizeMapSlot = 70  // 32 + 24 + 2, and the slack of a grown map
	sizeMaps    = 160 // the two maps' headers and allocation overhead
	minMapSlots = 8
)

// SizeHash estimates the memory of a hash part that holds n keys.
func SizeHash(n int) int64 {
	if n == 0 {
		return 0
	}
	slots := minMapSlots
	if need := (n*8 + 6) / 7; need > slots {
		slots = 1 << bits.Len(uint(need-1))
	}
	return sizeMaps + int64(slots)*SizeMapSlot + int64(n)*SizeValue
}

// SetAllocHook sets the function called when the bytes charged since the
// last SetAllocBudget exceed that budget, and the budget. n is the charge
// that crossed it (an object about to be made, or growth just made). The
// hook must set a new budget, or it runs again at the next charge; it may
// raise an error. A state without a hook has an unlimited budget.
func (ls *LState) SetAllocHook(hook func(L *LState, n int64), budget int64) {
	ls.G.allocHook = hook
	ls.SetAllocBudget(budget)
}

// SetAllocBudget sets the bytes that may be charged before the hook runs.
func (ls *LState) SetAllocBudget(budget int64) { ls.G.allocLeft = budget }

// AllocBudget returns what is left of the budget: negative once exceeded.
func (ls *LState) AllocBudget() int64 { return ls.G.allocLeft }

// Charge counts n bytes allocated (or about to be) for the state.
func (ls *LState) Charge(n int64) {
	g := ls.G
	if g.allocLeft -= n; g.allocLeft < 0 {
		ls.overBudget(n)
	}
}

// overBudget is kept out of line so that Charge inlines.
//
//go:noinline
func (ls *LState) overBudget(n int64) {
	if hook := ls.G.allocHook; hook != nil {
		hook(ls, n)
	} else {
		ls.G.allocLeft = math.MaxInt64
	}
}

// footprint is the storage of tb that grows as entries are added: the slots
// of its array part and the keys of its hash part.
func (tb *LTable) footprint() int64 {
	return int64(cap(tb.array))*SizeValue + SizeHash(len(tb.keys))
}

// chargeGrowth charges what tb grew since its footprint was before. (A table
// compacted on a new key shrinks; that is for a measurement to see.)
func (ls *LState) chargeGrowth(tb *LTable, before int64) {
	if d := tb.footprint() - before; d > 0 {
		ls.Charge(d)
	}
}

// newTableCharged makes a table for the VM or a Go function, charged with
// its preallocated array part. Its hash part is charged as keys arrive (a
// constructor's own keys arrive at once).
func (ls *LState) newTableCharged(acap, hcap int) *LTable {
	ls.Charge(SizeTable + int64(max(acap, 0))*SizeValue)
	return newLTable(acap, hcap)
}

// chargeFunction charges a function with nup upvalues, about to be made.
func (ls *LState) chargeFunction(nup int) {
	ls.Charge(SizeFunction + int64(nup)*SizeUpvalue)
}
