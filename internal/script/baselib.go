package script

import (
	lua "github.com/yuin/gopher-lua"
)

func (s *state) openBase(G *lua.LTable) {
	s.set(G, map[string]lua.LGFunction{
		"getmetatable":   baseGetmetatable,
		"print":          s.basePrint,
		"setmetatable":   baseSetmetatable,
		"tonumber":       baseTonumber,
		"tostring":       s.baseTostring,
		"unpack":         baseUnpack,
		"collectgarbage": s.baseCollectgarbage,
	})
	s.concatFn = s.L.NewFunction(s.concat)
}

// collectgarbage answers "count" with the state's size at its last measurement, in KiB (the
// figure the memory quota uses); the collector itself belongs to volley, so every other
// option does nothing and returns 0.
func (s *state) baseCollectgarbage(L *lua.LState) int {
	if optString(L, 1, "collectgarbage", "collect") == "count" {
		L.Push(lua.LNumber(float64(s.g.size.Load()) / 1024))
		return 1
	}
	L.Push(lua.LNumber(0))
	return 1
}

// openDebug fills the debug table with what scripts use of it: traceback without the stack
// walk (it returns the message, so that the common xpcall(f, debug.traceback) keeps working),
// and getinfo's description of a function, which scripts read to find their own file
// (debug.getinfo(1, "S").source). getinfo hands out no function, local or upvalue.
func (s *state) openDebug(G *lua.LTable) {
	debug, _ := G.RawGetString("debug").(*lua.LTable)
	debug.RawSetString("traceback", s.L.NewFunction(func(L *lua.LState) int {
		v := L.Get(1)
		if _, ok := v.(*lua.LState); ok {
			v = L.Get(2)
		}
		L.Push(v)
		return 1
	}))
	debug.RawSetString("getinfo", s.L.NewFunction(debugGetinfo))
}

// debugGetinfo is debug.getinfo([thread,] level or function [, what]) limited to the fields of
// "S" and "l": source, short_src, what, linedefined, lastlinedefined and currentline.
func debugGetinfo(L *lua.LState) int {
	first := 1
	if _, ok := L.Get(1).(*lua.LState); ok {
		first = 2 // another coroutine: there are none in the sandbox
	}
	var dbg *lua.Debug
	var err error
	switch v := L.Get(first).(type) {
	case lua.LNumber:
		var ok bool
		if dbg, ok = L.GetStack(int(v)); !ok {
			L.Push(lua.LNil)
			return 1
		}
		_, err = L.GetInfo("Sl", dbg, lua.LNil)
	case *lua.LFunction:
		dbg = &lua.Debug{}
		_, err = L.GetInfo(">Sl", dbg, v)
	default:
		typeError(L, first, "getinfo", "function or level")
	}
	if err != nil {
		L.Push(lua.LNil)
		return 1
	}
	info := L.CreateTable(0, 6)
	source, short := "=[C]", "[C]"
	if dbg.What != "G" {
		source, short = "@"+dbg.Source, dbg.Source
	}
	what := map[string]string{"G": "C", "main": "main"}[dbg.What]
	if what == "" {
		what = "Lua"
	}
	info.RawSetString("source", lua.LString(source))
	info.RawSetString("short_src", lua.LString(short))
	info.RawSetString("what", lua.LString(what))
	info.RawSetString("currentline", lua.LNumber(dbg.CurrentLine))
	info.RawSetString("linedefined", lua.LNumber(dbg.LineDefined))
	info.RawSetString("lastlinedefined", lua.LNumber(dbg.LastLineDefined))
	L.Push(info)
	return 1
}

// getmetatable honours __metatable, so a locked metatable (strings, wrk's
// userdata) is never handed out.
func baseGetmetatable(L *lua.LState) int {
	if L.GetTop() < 1 {
		argError(L, 1, "getmetatable", "value expected")
	}
	mt := L.GetMetatable(L.Get(1))
	if t, ok := mt.(*lua.LTable); ok {
		if protected := t.RawGetString("__metatable"); protected != lua.LNil {
			L.Push(protected)
			return 1
		}
	}
	L.Push(mt)
	return 1
}

// setmetatable accepts tables only, as Lua 5.1 does (gopher-lua's would
// also set the shared metatable of numbers, functions or booleans).
func baseSetmetatable(L *lua.LState) int {
	t := checkTable(L, 1, "setmetatable")
	mt := L.Get(2)
	if _, ok := mt.(*lua.LTable); !ok && mt != lua.LNil {
		argError(L, 2, "setmetatable", "nil or table expected")
	}
	if old, ok := t.Metatable.(*lua.LTable); ok && old.RawGetString("__metatable") != lua.LNil {
		L.RaiseError("cannot change a protected metatable")
	}
	t.Metatable = mt
	L.Push(t)
	return 1
}

// tostring converts v as Lua's tostring does, calling a __tostring
// metamethod (script code, so it runs under the caller's guard).
func (s *state) tostring(v lua.LValue) string {
	L := s.L
	if fn := L.GetMetaField(v, "__tostring"); fn != lua.LNil {
		L.Push(fn)
		L.Push(v)
		L.Call(1, 1)
		r := L.Get(-1)
		L.Pop(1)
		switch r := r.(type) {
		case lua.LString:
			return string(r)
		case lua.LNumber:
			return numberString(float64(r))
		}
		L.RaiseError("'__tostring' must return a string")
	}
	switch v := v.(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return numberString(float64(v))
	case nil:
		return "nil"
	}
	return v.String()
}

func (s *state) baseTostring(L *lua.LState) int {
	if L.GetTop() < 1 {
		argError(L, 1, "tostring", "value expected")
	}
	L.Push(lua.LString(s.tostring(L.Get(1))))
	return 1
}

func baseTonumber(L *lua.LState) int {
	v := L.Get(1)
	if L.GetTop() < 1 {
		argError(L, 1, "tonumber", "value expected")
	}
	base := optInt(L, 2, "tonumber", 10)
	if base == 10 && L.Get(2) == lua.LNil {
		switch v := v.(type) {
		case lua.LNumber:
			L.Push(v)
			return 1
		case lua.LString:
			if f, ok := parseNumber(string(v)); ok {
				L.Push(lua.LNumber(f))
				return 1
			}
		}
		L.Push(lua.LNil)
		return 1
	}
	if base < 2 || base > 36 {
		argError(L, 2, "tonumber", "base out of range")
	}
	if f, ok := parseBase(checkString(L, 1, "tonumber"), base); ok {
		L.Push(lua.LNumber(f))
		return 1
	}
	L.Push(lua.LNil)
	return 1
}

func (s *state) basePrint(L *lua.LState) int {
	n := L.GetTop()
	for i := 1; i <= n; i++ {
		if i > 1 {
			s.out = append(s.out, '\t')
		}
		str := s.tostring(L.Get(i))
		s.out = append(s.out, str...)
		s.work(len(str))
	}
	s.out = append(s.out, '\n')
	s.flushIfLarge()
	return 0
}

func baseUnpack(L *lua.LState) int {
	t := checkTable(L, 1, "unpack")
	i := optInt(L, 2, "unpack", 1)
	j := optInt(L, 3, "unpack", t.Len())
	if i > j {
		return 0
	}
	if j-i >= maxResults || j-i < 0 {
		L.RaiseError("too many results to unpack")
	}
	for k := i; k <= j; k++ {
		L.Push(t.RawGetInt(k))
	}
	return j - i + 1
}

// concat implements the `..` operator (see rewriteChunk): operands are
// joined from the right as in Lua, strings and numbers directly and anything
// else through __concat, and no result may exceed the string size cap.
func (s *state) concat(L *lua.LState) int {
	n := L.GetTop()
	size, plain := 0, true
	for i := 1; i <= n; i++ {
		switch v := L.Get(i).(type) {
		case lua.LString:
			size += len(v)
		case lua.LNumber:
			size += 24
		default:
			plain = false
		}
	}
	if plain {
		s.checkSize(L, size)
		s.allocating(size)
		b := make([]byte, 0, size)
		for i := 1; i <= n; i++ {
			switch v := L.Get(i).(type) {
			case lua.LString:
				b = s.appendCharged(L, b, string(v))
			case lua.LNumber:
				b = s.appendCharged(L, b, numberString(float64(v)))
			}
		}
		L.Push(lua.LString(ownedString(b)))
		return 1
	}
	acc := L.Get(n)
	for i := n - 1; i >= 1; i-- {
		lhs := L.Get(i)
		ls, lok := stringOf(lhs)
		rs, rok := stringOf(acc)
		if lok && rok {
			s.checkSize(L, len(ls)+len(rs))
			s.allocating(len(ls) + len(rs))
			b := s.appendCharged(L, make([]byte, 0, len(ls)+len(rs)), ls)
			acc = lua.LString(ownedString(s.appendCharged(L, b, rs)))
			continue
		}
		fn := L.GetMetaField(lhs, "__concat")
		if fn == lua.LNil {
			fn = L.GetMetaField(acc, "__concat")
		}
		if fn == lua.LNil {
			bad := lhs
			if lok {
				bad = acc
			}
			L.RaiseError("attempt to concatenate a %s value", typeName(bad))
		}
		L.Push(fn)
		L.Push(lhs)
		L.Push(acc)
		L.Call(2, 1)
		acc = L.Get(-1)
		L.Pop(1)
	}
	L.Push(acc)
	return 1
}

func stringOf(v lua.LValue) (string, bool) {
	switch v := v.(type) {
	case lua.LString:
		return string(v), true
	case lua.LNumber:
		return numberString(float64(v)), true
	}
	return "", false
}

// checkSize refuses to build a string longer than the cap, with Lua's
// wording.
func (s *state) checkSize(L *lua.LState, n int) {
	if n > s.m.maxString || n < 0 {
		L.RaiseError("resulting string too large (%s; strings are limited to %s)", mib(int64(n)), mib(int64(s.m.maxString)))
	}
}
