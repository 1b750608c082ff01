package script

import (
	"math"
	"math/rand/v2"
	"sort"

	lua "github.com/yuin/gopher-lua"
)

// gopher-lua's table library minus concat and sort, which are replaced:
// concat builds one capped string a workStep at a time, sort polls for an abort while it runs
// (its comparisons may happen in Go, where the VM's check never runs), both
// by the bytes they touch.
func (s *state) openTable(G *lua.LTable) {
	lib, _ := G.RawGetString("table").(*lua.LTable)
	if lib == nil {
		return
	}
	s.set(lib, map[string]lua.LGFunction{
		"concat": s.tableConcat,
		"sort":   s.tableSort,
	})
}

func (s *state) tableConcat(L *lua.LState) int {
	t := checkTable(L, 1, "concat")
	sep := optString(L, 2, "concat", "")
	i := optInt(L, 3, "concat", 1)
	j := optInt(L, 4, "concat", t.Len())
	if i > j {
		L.Push(lua.LString(""))
		return 1
	}
	if j-i >= maxArrayIndex || j-i < 0 {
		s.checkSize(L, s.m.maxString+1)
	}
	parts := make([]string, 0, j-i+1)
	size := 0
	for k := i; k <= j; k++ {
		str, ok := stringOf(t.RawGetInt(k))
		if !ok {
			L.RaiseError("invalid value (at index %d) in table for 'concat'", k)
		}
		parts = append(parts, str)
		size += len(str) + len(sep)
		s.checkSize(L, size-len(sep))
		s.work(16)
	}
	s.allocating(size - len(sep))
	b := make([]byte, 0, size-len(sep))
	for k, str := range parts {
		if k > 0 {
			b = s.appendCharged(L, b, sep)
		}
		b = s.appendCharged(L, b, str)
	}
	L.Push(lua.LString(ownedString(b)))
	return 1
}

type luaSorter struct {
	s    *state
	vals []lua.LValue
	cmp  *lua.LFunction
}

func (x *luaSorter) Len() int      { return len(x.vals) }
func (x *luaSorter) Swap(i, j int) { x.vals[i], x.vals[j] = x.vals[j], x.vals[i] }
func (x *luaSorter) Less(i, j int) bool {
	L := x.s.L
	if x.cmp == nil {
		// A comparison costs up to the length of the shorter string: one of
		// two 64 MiB strings takes milliseconds.
		a, aok := x.vals[i].(lua.LString)
		b, bok := x.vals[j].(lua.LString)
		if aok && bok {
			x.s.work(64 + min(len(a), len(b)))
		} else {
			x.s.work(64)
		}
		return L.LessThan(x.vals[i], x.vals[j])
	}
	x.s.work(64) // the comparator is Lua: the VM polls while it runs
	L.Push(x.cmp)
	L.Push(x.vals[i])
	L.Push(x.vals[j])
	L.Call(2, 1)
	r := L.Get(-1)
	L.Pop(1)
	return lua.LVAsBool(r)
}

func (s *state) tableSort(L *lua.LState) int {
	t := checkTable(L, 1, "sort")
	x := &luaSorter{s: s}
	if v := L.Get(2); v != lua.LNil {
		fn, ok := v.(*lua.LFunction)
		if !ok {
			typeError(L, 2, "sort", "function")
		}
		x.cmp = fn
	}
	n := t.Len()
	x.vals = make([]lua.LValue, n)
	for i := range x.vals {
		x.vals[i] = t.RawGetInt(i + 1)
	}
	sort.Sort(x)
	for i, v := range x.vals {
		t.RawSetInt(i+1, v)
	}
	return 0
}

// gopher-lua's math library with Lua's math.huge (infinity, not the largest
// float), without the non-standard math.mod, and with one random source per
// state that math.randomseed really reseeds.
func (s *state) openMath(G *lua.LTable) {
	lib, _ := G.RawGetString("math").(*lua.LTable)
	if lib == nil {
		return
	}
	lib.RawSetString("huge", lua.LNumber(math.Inf(1)))
	lib.RawSetString("mod", lua.LNil)
	s.set(lib, map[string]lua.LGFunction{
		"random":     s.mathRandom,
		"randomseed": s.mathRandomseed,
	})
}

func (s *state) mathRandom(L *lua.LState) int {
	r := s.rng.Float64()
	switch L.GetTop() {
	case 0:
		L.Push(lua.LNumber(r))
		return 1
	case 1, 2:
	default:
		L.RaiseError("wrong number of arguments")
	}
	lo, hi := 1.0, math.Floor(checkNumber(L, 1, "random"))
	if L.GetTop() == 2 {
		lo, hi = hi, math.Floor(checkNumber(L, 2, "random"))
	}
	if lo > hi {
		argError(L, L.GetTop(), "random", "interval is empty")
	}
	L.Push(lua.LNumber(math.Floor(r*(hi-lo+1)) + lo))
	return 1
}

func (s *state) mathRandomseed(L *lua.LState) int {
	seed := math.Float64bits(checkNumber(L, 1, "randomseed"))
	s.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	return 0
}
