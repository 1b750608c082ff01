package script

// The only file that knows the pattern matcher: string.find, match, gmatch
// and gsub on internal/luapattern, which spends a step budget per call (a
// hostile pattern fails with an error instead of backtracking for hours)
// and caps gsub's result.

import (
	"errors"

	"volley/internal/luapattern"

	lua "github.com/yuin/gopher-lua"
)

// pushCaptures pushes a match's captures, or the whole match when the
// pattern has none (and whole is true), and returns how many it pushed.
func pushCaptures(L *lua.LState, subject string, start, end int, caps []luapattern.Capture, whole bool) int {
	if len(caps) == 0 {
		if !whole {
			return 0
		}
		L.Push(lua.LString(subject[start:end]))
		return 1
	}
	for _, c := range caps {
		if c.Position {
			L.Push(lua.LNumber(c.Start + 1))
		} else {
			L.Push(lua.LString(subject[c.Start:c.End]))
		}
	}
	return len(caps)
}

// budget is a fresh step budget for one builtin call, sized by the running
// call's time limit (about a quarter of it).
func (s *state) budget() *int {
	n := s.steps
	return &n
}

func patternError(L *lua.LState, fname string, err error) {
	if errors.Is(err, luapattern.ErrBudget) {
		L.RaiseError("%s: pattern too complex for this subject (matching step budget exhausted)", fname)
	}
	L.RaiseError("%s", err.Error())
}

func (s *state) strFind(L *lua.LState) int {
	subject := checkString(L, 1, "find")
	pat := checkString(L, 2, "find")
	init := optInt(L, 3, "find", 1)
	start, end, caps, ok, err := luapattern.Find(subject, pat, init, lua.LVAsBool(L.Get(4)), s.budget())
	if err != nil {
		patternError(L, "string.find", err)
	}
	if !ok {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(lua.LNumber(start + 1))
	L.Push(lua.LNumber(end))
	return 2 + pushCaptures(L, subject, start, end, caps, false)
}

func (s *state) strMatch(L *lua.LState) int {
	subject := checkString(L, 1, "match")
	pat := checkString(L, 2, "match")
	init := optInt(L, 3, "match", 1)
	start, end, caps, ok, err := luapattern.Match(subject, pat, init, s.budget())
	if err != nil {
		patternError(L, "string.match", err)
	}
	if !ok {
		L.Push(lua.LNil)
		return 1
	}
	return pushCaptures(L, subject, start, end, caps, true)
}

func (s *state) strGmatch(L *lua.LState) int {
	subject := checkString(L, 1, "gmatch")
	pat := checkString(L, 2, "gmatch")
	it := luapattern.NewGmatch(subject, pat)
	// The subject is an upvalue as well as captured, so that measuring the
	// state sees what a kept iterator holds.
	L.Push(L.NewClosure(func(L *lua.LState) int {
		start, end, caps, ok, err := it.Next(s.budget())
		if err != nil {
			patternError(L, "string.gmatch", err)
		}
		if !ok {
			return 0
		}
		return pushCaptures(L, subject, start, end, caps, true)
	}, lua.LString(subject)))
	return 1
}

func (s *state) strGsub(L *lua.LState) int {
	subject := checkString(L, 1, "gsub")
	pat := checkString(L, 2, "gsub")
	maxN := optInt(L, 4, "gsub", len(subject)+1)
	var out string
	var n int
	var err error
	switch repl := L.Get(3).(type) {
	case lua.LString, lua.LNumber:
		out, n, err = luapattern.Gsub(subject, pat, checkString(L, 3, "gsub"), maxN, s.m.maxString, s.budget())
	case *lua.LTable, *lua.LFunction:
		out, n, err = luapattern.GsubFunc(subject, pat, &replacer{s: s, repl: repl}, maxN, s.m.maxString, s.budget())
	default:
		typeError(L, 3, "gsub", "string/function/table")
	}
	if errors.Is(err, luapattern.ErrTooLarge) {
		s.checkSize(L, s.m.maxString+1)
	}
	if err != nil {
		patternError(L, "string.gsub", err)
	}
	s.allocating(len(out))
	L.Push(lua.LString(out))
	L.Push(lua.LNumber(n))
	return 2
}

// replacer runs a gsub replacement table or function for each match.
type replacer struct {
	s    *state
	repl lua.LValue
}

func (r *replacer) Replace(o *luapattern.Occurrence) (string, bool, error) {
	s, L := r.s, r.s.L
	s.checkAbort()
	push := func(c luapattern.Capture) {
		if c.Position {
			L.Push(lua.LNumber(c.Start + 1))
		} else {
			L.Push(lua.LString(o.Subject[c.Start:c.End]))
		}
	}
	var v lua.LValue
	if fn, ok := r.repl.(*lua.LFunction); ok {
		L.Push(fn)
		n := o.NumValues()
		for i := 0; i < n; i++ {
			c, err := o.Value(i)
			if err != nil {
				return "", false, err
			}
			push(c)
		}
		L.Call(n, 1)
		v = L.Get(-1)
		L.Pop(1)
	} else {
		c, err := o.Value(0)
		if err != nil {
			return "", false, err
		}
		push(c)
		key := L.Get(-1)
		L.Pop(1)
		v = L.GetTable(r.repl, key)
	}
	switch v := v.(type) {
	case lua.LString:
		return string(v), false, nil
	case lua.LNumber:
		return numberString(float64(v)), false, nil
	case *lua.LNilType:
		return "", true, nil
	case lua.LBool:
		if !bool(v) {
			return "", true, nil
		}
	}
	return "", false, luapattern.InvalidReplacement(v.Type().String())
}
