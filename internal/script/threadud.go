package script

import (
	"net/netip"
	"strconv"

	lua "github.com/yuin/gopher-lua"
)

// The thread userdata: thread.addr (get and set), thread:get(name),
// thread:set(name, value) and thread:stop(), as in wrk.

func (s *state) initThreadMeta() {
	L := s.L
	mt := lockedMetatable(L)
	s.thrFuncs = map[string]lua.LValue{
		"get":  L.NewFunction(s.threadGet),
		"set":  L.NewFunction(s.threadSet),
		"stop": L.NewFunction(threadStop),
	}
	mt.RawSetString("__index", L.NewFunction(s.threadIndex))
	mt.RawSetString("__newindex", L.NewFunction(s.threadNewindex))
	mt.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString("thread " + strconv.Itoa(checkThread(L, "tostring").index)))
		return 1
	}))
	s.thrMeta = mt
}

// userdata returns the thread's userdata in state s, one per state so that
// it compares equal to itself across calls.
func (t *Thread) userdata(s *state) *lua.LUserData {
	p := &t.mainUD
	if s == t.s {
		p = &t.ownUD
	}
	if *p == nil {
		ud := s.L.NewUserData()
		ud.Value = t
		ud.Metatable = s.thrMeta
		*p = ud
	}
	return *p
}

func checkThread(L *lua.LState, fname string) *Thread {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		if t, ok := ud.Value.(*Thread); ok {
			return t
		}
	}
	typeError(L, 1, fname, "thread")
	return nil
}

func (s *state) threadIndex(L *lua.LState) int {
	t := checkThread(L, "index")
	key, _ := L.Get(2).(lua.LString)
	switch key {
	case "addr":
		L.Push(s.newAddr(t.addr))
	case "get", "set", "stop":
		L.Push(s.thrFuncs[string(key)])
	default:
		L.Push(unknownField(L.Get(2)))
	}
	return 1
}

// threadNewindex sets thread.addr, to an address the network policy allows:
// checked here, once, so that the engine never checks per request.
func (s *state) threadNewindex(L *lua.LState) int {
	t := checkThread(L, "newindex")
	key, _ := stringOf(L.Get(2))
	if key != "addr" {
		L.RaiseError("cannot set field %s on a thread (only addr)", quoteName(key))
	}
	var addr netip.AddrPort
	ok := false
	if ud, isUD := L.Get(3).(*lua.LUserData); isUD {
		addr, ok = ud.Value.(netip.AddrPort)
	}
	if !ok {
		L.RaiseError("thread.addr must be an address from wrk.lookup or thread.addr, got %s", typeName(L.Get(3)))
	}
	s.checkNet(L, "thread.addr", addr)
	t.addr = addr
	return 0
}

func threadStop(L *lua.LState) int {
	checkThread(L, "stop").stopped.Store(true)
	return 0
}

// threadGet is thread:get(name): a copy of the thread's global name.
func (s *state) threadGet(L *lua.LState) int {
	t := checkThread(L, "get")
	name := checkString(L, 2, "get")
	c := copier{max: s.m.maxString}
	v, err := c.copy(t.s.L.G.Global.RawGetString(name), 0)
	if err != "" {
		L.RaiseError("thread:get(%s): %s", quoteName(name), err)
	}
	L.Push(v)
	return 1
}

// threadSet is thread:set(name, value): the thread's global name becomes a
// copy of value.
func (s *state) threadSet(L *lua.LState) int {
	t := checkThread(L, "set")
	name := checkString(L, 2, "set")
	c := copier{max: s.m.maxString}
	v, err := c.copy(L.Get(3), 0)
	if err != "" {
		L.RaiseError("thread:set(%s): %s", quoteName(name), err)
	}
	t.s.L.G.Global.RawSetString(name, v)
	return 0
}

// copier deep-copies a value from one state to another. Only nil, booleans,
// numbers, strings and tables of those can be copied (metatables are not);
// nesting, entries and string bytes are bounded, which also stops cycles
// and tables that share one subtable many times over.
type copier struct {
	items, bytes, max int
}

func (c *copier) copy(v lua.LValue, depth int) (lua.LValue, string) {
	switch x := v.(type) {
	case *lua.LNilType, lua.LBool, lua.LNumber:
		return v, ""
	case lua.LString: // immutable, so both states may share it
		c.bytes += len(x)
		if c.bytes > c.max {
			return nil, "value too large to transfer (more than " + mib(int64(c.max)) + ")"
		}
		return v, ""
	case *lua.LTable:
		if depth >= maxCopyDepth {
			return nil, "tables nested deeper than " + strconv.Itoa(maxCopyDepth) + " levels (a cycle?) cannot be transferred"
		}
		out := &lua.LTable{Metatable: lua.LNil}
		c.bytes += sizeTable
		for k, val := x.Next(lua.LNil); k != lua.LNil; k, val = x.Next(k) {
			c.bytes += sizeHashEntry
			if c.items++; c.items > maxCopyItems || c.bytes > c.max {
				return nil, "value too large to transfer (more than " + strconv.Itoa(maxCopyItems) + " entries or " + mib(int64(c.max)) + ")"
			}
			ck, err := c.copy(k, depth+1)
			if err != "" {
				return nil, err
			}
			cv, err := c.copy(val, depth+1)
			if err != "" {
				return nil, err
			}
			out.RawSet(ck, cv)
		}
		return out, ""
	}
	return nil, "cannot transfer a " + typeName(v) + " value (only nil, booleans, numbers, strings and tables of those)"
}
