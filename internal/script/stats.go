package script

import (
	"time"

	lua "github.com/yuin/gopher-lua"
)

// Stats is a recorded distribution as done() sees it: latency in
// microseconds, or requests per second per thread.
type Stats interface {
	Count() int64
	Min() int64
	Max() int64
	Mean() float64
	Stdev() float64
	Percentile(p float64) int64 // p in [0, 100]
	// Distinct is the number of distinct recorded values: #stats in Lua.
	Distinct() int64
	// ValueAt returns the i-th distinct value (0-based, ascending) and how
	// many times it was recorded: stats(i+1) in Lua.
	ValueAt(i int64) (value, count int64)
}

// Summary is the run's result as done() receives it.
type Summary struct {
	Duration                              time.Duration // run time; done() sees microseconds
	Requests, Bytes                       uint64
	Connect, Read, Write, Status, Timeout uint64 // error counts
}

// Done calls done(summary, latency, requests) in the main state, if the
// script defines done. The threads' buffered output is written first.
func (m *Main) Done(sum Summary, latency, requests Stats) error {
	m.finishing.Store(true)
	m.mu.Lock()
	threads := append([]*Thread(nil), m.threads...)
	m.mu.Unlock()
	for _, t := range threads {
		t.s.flush()
		t.s.flushFiles() // done() may read what the threads wrote
	}
	s := m.main
	fn := s.global("done")
	if fn == nil {
		return nil
	}
	L := s.L
	summary := L.CreateTable(0, 4)
	summary.RawSetString("duration", lua.LNumber(sum.Duration.Microseconds()))
	summary.RawSetString("requests", lua.LNumber(sum.Requests))
	summary.RawSetString("bytes", lua.LNumber(sum.Bytes))
	errs := L.CreateTable(0, 5)
	for _, kv := range []struct {
		k string
		v uint64
	}{{"connect", sum.Connect}, {"read", sum.Read}, {"write", sum.Write}, {"status", sum.Status}, {"timeout", sum.Timeout}} {
		errs.RawSetString(kv.k, lua.LNumber(kv.v))
	}
	summary.RawSetString("errors", errs)
	meta := s.statsMeta()
	L.Push(fn)
	L.Push(summary)
	for _, st := range []Stats{latency, requests} {
		ud := L.NewUserData()
		ud.Value = st
		ud.Metatable = meta
		L.Push(ud)
	}
	defer s.flush()
	return s.pcall("done()", m.opts.SetupTimeout, 3, 0)
}

// statsMeta is the metatable of stats userdata: fields min, max, mean and
// stdev, the method percentile(p), #stats and stats(i).
func (s *state) statsMeta() *lua.LTable {
	L := s.L
	mt := lockedMetatable(L)
	percentile := L.NewFunction(func(L *lua.LState) int {
		st := checkStats(L, "percentile")
		p := checkNumber(L, 2, "percentile")
		if p != p || p < 0 || p > 100 {
			argError(L, 2, "percentile", "percentile must be between 0 and 100")
		}
		L.Push(lua.LNumber(st.Percentile(p)))
		return 1
	})
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		st := checkStats(L, "index")
		switch key, _ := L.Get(2).(lua.LString); key {
		case "min":
			L.Push(lua.LNumber(st.Min()))
		case "max":
			L.Push(lua.LNumber(st.Max()))
		case "mean":
			L.Push(lua.LNumber(st.Mean()))
		case "stdev":
			L.Push(lua.LNumber(st.Stdev()))
		case "percentile":
			L.Push(percentile)
		default:
			L.Push(unknownField(L.Get(2)))
		}
		return 1
	}))
	mt.RawSetString("__len", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LNumber(checkStats(L, "len").Distinct()))
		return 1
	}))
	mt.RawSetString("__call", L.NewFunction(func(L *lua.LState) int {
		st := checkStats(L, "call")
		i := int64(checkInt(L, 2, "call"))
		if i < 1 || i > st.Distinct() {
			L.Push(lua.LNumber(0))
			L.Push(lua.LNumber(0))
			return 2
		}
		v, n := st.ValueAt(i - 1)
		L.Push(lua.LNumber(v))
		L.Push(lua.LNumber(n))
		return 2
	}))
	return mt
}

func checkStats(L *lua.LState, fname string) Stats {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if st, ok := ud.Value.(Stats); ok {
			return st
		}
	}
	typeError(L, 1, fname, "stats")
	return nil
}

// unknownField is what wrk's stats and thread userdata give for a field they do not have: the
// key itself, as a string (wrk's C __index pushes nothing and returns its argument). Scripts
// rely on it without knowing: `requests.total` prints "total" with wrk rather than failing.
func unknownField(key lua.LValue) lua.LValue {
	switch key.(type) {
	case lua.LString:
		return key
	case lua.LNumber:
		return lua.LString(key.String())
	}
	return lua.LNil
}
