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

// removedGlobals are opened by gopher-lua's base library and reach files, bytecode,
// environments, the collector or gopher-lua internals. The names scripts know from Lua come
// back as the sandbox's own versions or as functions that say they are left out (denied).
var removedGlobals = []string{
	"collectgarbage", "dofile", "getfenv", "load", "loadfile", "loadstring",
	"module", "newproxy", "require", "setfenv", "_printregs", "_GOPHER_LUA_VERSION",
}

// denied are the functions of Lua 5.1 that the sandbox leaves out, by library ("" for
// globals), each with what to use instead. Calling one raises
// `script.lua:7: os.execute is not available in volley's sandbox (...)`: a script learns
// what is missing, never "attempt to call a nil value". Names that Lua 5.1 itself lacks are
// not listed, so that feature tests such as `table.unpack or unpack` keep working.
var denied = map[string]map[string]string{
	"": {
		"load":       "code is loaded from files only: require or dofile a .lua file",
		"loadstring": "code is loaded from files only: require or dofile a .lua file",
		"getfenv":    "function environments cannot be read",
		"setfenv":    "function environments cannot be changed",
		"module":     "write modules as `local M = {} ... return M`",
		"newproxy":   "",
	},
	"os": {
		"execute":   "a script cannot start processes",
		"exit":      "to fail a run call error() in done(); to stop early, thread:stop()",
		"remove":    "a script cannot delete files",
		"rename":    "a script cannot rename files",
		"tmpname":   "write under an --allow-write directory",
		"setlocale": "",
	},
	"io":     {"popen": "a script cannot start processes", "tmpfile": "write under an --allow-write directory"},
	"string": {"dump": "functions cannot be turned into bytecode"},
	"socket": {
		"sleep": "it would stall the thread's event loop: return the wait from delay()",
		"tcp":   socketHint, "udp": socketHint, "connect": socketHint, "bind": socketHint, "select": socketHint,
		"dns": socketHint,
	},
	"package": {"loadlib": "native modules cannot be loaded", "seeall": "write modules as `local M = {} ... return M`"},
	"coroutine": {
		"create": coroutineHint, "resume": coroutineHint, "yield": coroutineHint,
		"status": coroutineHint, "wrap": coroutineHint, "running": coroutineHint,
	},
	"debug": {
		"debug": "", "getfenv": "", "gethook": "", "getinfo": "", "getlocal": "", "getmetatable": "",
		"getregistry": "", "getupvalue": "", "setfenv": "", "sethook": "", "setlocal": "",
		"setmetatable": "", "setupvalue": "",
	},
}

// coroutineHint says why coroutines are left out: each is an interpreter thread of its own,
// with stacks that the memory quota does not see, and a goroutine to carry the time limit.
const coroutineHint = "coroutines are left out of the sandbox's quotas"

// socketHint says why LuaSocket's networking is left out.
const socketHint = "volley does the networking: shape requests with wrk.format and request()"

// deny installs the denied functions of library lib into t.
func (s *state) deny(t *lua.LTable, lib string) {
	for name, hint := range denied[lib] {
		full := name
		if lib != "" {
			full = lib + "." + name
		}
		msg := sandboxMessage(full, hint)
		t.RawSetString(name, s.L.NewFunction(func(L *lua.LState) int {
			L.RaiseError("%s", msg)
			return 0
		}))
	}
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
	L.SetAllocHook(s.overBudget, 0)
	s.setBudget(m.scriptBytes())
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
	s.deny(G, "")
	s.deny(G.RawGetString("string").(*lua.LTable), "string") //nolint:forcetypeassert // openString made it
	for _, lib := range []string{"coroutine", "debug"} {
		t := L.NewTable()
		s.deny(t, lib)
		G.RawSetString(lib, t)
	}
	s.debugTraceback(G)
	s.openPackage(G)
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
