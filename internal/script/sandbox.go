package script

import (
	"math/rand/v2"

	lua "github.com/yuin/gopher-lua"
)

// Limits of each Lua state. Lua 5.1 refuses more than 8000 results from one
// call (LUAI_MAXCSTACK), which also bounds unpack and string.byte here.
const (
	callStackSize = 1000     // nested calls: deeper recursion is a Lua "stack overflow" error
	registrySize  = 1 << 12  // initial value stack slots
	registryMax   = 1 << 18  // value stack slots at most (4 MiB)
	maxResults    = 8000     // values one builtin may return
	maxArrayIndex = 1 << 20  // integer keys above this go to a table's hash part
	maxCopyDepth  = 100      // thread:get/set table nesting
	maxCopyItems  = 1 << 20  // thread:get/set table entries in all
	flushAt       = 32 << 10 // buffered output is written out past this
)

func init() {
	// gopher-lua grows a table's array part up to a written integer key in
	// one step: t[67108863] = 1 would allocate 1 GiB at once. Larger keys go
	// to the hash part, so one assignment allocates at most 16 MiB.
	lua.MaxArrayIndex = maxArrayIndex
}

// removedGlobals are opened by gopher-lua's base library and reach files,
// bytecode, environments, the collector or gopher-lua internals.
var removedGlobals = []string{
	"collectgarbage", "dofile", "getfenv", "load", "loadfile", "loadstring",
	"module", "newproxy", "require", "setfenv", "_printregs", "_GOPHER_LUA_VERSION",
}

// newState creates a sandboxed state for the main script (th == nil) or a
// thread, registered with the watchdog before any script code runs in it.
func (m *Main) newState(th *Thread) (s *state, err error) {
	L := lua.NewState(lua.Options{
		SkipOpenLibs:     true,
		CallStackSize:    callStackSize,
		RegistrySize:     registrySize,
		RegistryMaxSize:  registryMax,
		RegistryGrowStep: 1024,
	})
	s = &state{m: m, L: L, thread: th}
	s.g.ctx = newAbortCtx()
	L.SetContext(s.g.ctx)
	s.rng = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	m.addState(s)
	defer func() {
		if r := recover(); r != nil { // opening the libraries raised: a bug
			err = newError(ErrScript, m.name+": cannot create the Lua state")
		}
	}()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{{lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}, {lua.MathLibName, lua.OpenMath}} {
		L.Push(L.NewFunction(lib.open))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	G := L.G.Global
	for _, name := range removedGlobals {
		G.RawSetString(name, lua.LNil)
	}
	s.openBase(G)
	s.openString(G)
	s.openTable(G)
	s.openMath(G)
	s.openBit(G)
	s.openIO(G)
	s.openOS(G)
	s.openWrk(G)
	return s, nil
}

func (s *state) set(t *lua.LTable, funcs map[string]lua.LGFunction) {
	for name, fn := range funcs {
		t.RawSetString(name, s.L.NewFunction(fn))
	}
}

// lockedMetatable returns a new metatable whose __metatable field hides it
// from getmetatable and protects it from setmetatable.
func lockedMetatable(L *lua.LState) *lua.LTable {
	mt := L.NewTable()
	mt.RawSetString("__metatable", lua.LFalse)
	return mt
}
