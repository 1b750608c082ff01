package script

import (
	"crypto/sha256"
	"errors"
	"path/filepath"
	"strings"
	"sync"

	lua "github.com/yuin/gopher-lua"
)

// Modules: require finds package.loaded, then package.preload, then the built-in modules
// (json, cjson, cjson.safe, dkjson, md5, socket), then Lua source files along package.path.
// loadfile and dofile load source files. Every file is read through the grants (readFile):
// under an --allow-read or --allow-write directory, or a *.lua file in the script's own
// directory or below it, which needs no flag — helpers beside a script are part of it. Source
// is compiled as the script is (the same rewrite, the same quotas, the same globals);
// bytecode is refused.

// maxModules bounds the distinct sources compiled in a run (they stay in memory).
const maxModules = 256

// moduleCache holds compiled sources by content, shared by every state of a run.
type moduleCache struct {
	mu     sync.Mutex
	protos map[[sha256.Size]byte]*lua.FunctionProto
}

// registersGlobal are the built-in modules whose originals, C modules built for Lua 5.1
// (luaL_register), also set a global of their name: scripts write `require "socket"` and then
// call socket.gettime() (DeathStarBench's wrk2 scripts do).
var registersGlobal = map[string]bool{"socket": true, "md5": true}

// native are modules that exist only as C code, with why the sandbox cannot offer them.
var native = map[string]string{
	"socket.core": "volley does the networking: scripts shape requests with wrk.format and request()",
	"socket.http": "volley sends HTTP only as the run's requests: build them with wrk.format and request()",
	"socket.url":  "volley does the networking: scripts shape requests with wrk.format and request()",
	"ssl":         "TLS is volley's: use an https:// URL",
	"ssl.https":   "volley sends HTTP only as the run's requests: build them with wrk.format and request()",
	"lfs":         "scripts reach files only through io.open under --allow-read and --allow-write",
	"posix":       "scripts cannot reach the operating system",
	"ffi":         "scripts cannot call C",
	"jit":         "volley's Lua is gopher-lua, not LuaJIT",
	"cURL":        "volley sends HTTP only as the run's requests: build them with wrk.format and request()",
	"resty.http":  "volley sends HTTP only as the run's requests: build them with wrk.format and request()",
}

func (s *state) openPackage(G *lua.LTable) {
	L := s.L
	pkg := L.NewTable()
	s.loaded = L.NewTable()
	for _, lib := range []string{"string", "table", "math", "io", "os", "bit", "coroutine", "debug"} {
		s.loaded.RawSetString(lib, G.RawGetString(lib))
	}
	s.loaded.RawSetString("_G", G)
	s.loaded.RawSetString("package", pkg)
	pkg.RawSetString("loaded", s.loaded)
	pkg.RawSetString("preload", L.NewTable())
	pkg.RawSetString("path", lua.LString(s.m.defaultPath()))
	pkg.RawSetString("cpath", lua.LString(""))
	s.deny(pkg, "package")
	G.RawSetString("package", pkg)
	s.set(G, map[string]lua.LGFunction{
		"require":  s.require,
		"loadfile": s.loadfile,
		"dofile":   s.dofile,
	})
}

// defaultPath is package.path at start: Lua's "./?.lua;./?/init.lua" relative to the working
// directory, then the script's directory, then each --allow-read directory.
func (m *Main) defaultPath() string {
	dirs := []string{"."}
	if g := m.grants.scriptDir; g != nil {
		dirs = append(dirs, g.names[0])
	}
	for _, d := range m.grants.read {
		dirs = append(dirs, d.names[0])
	}
	var b strings.Builder
	for _, d := range dirs {
		for _, t := range []string{"?.lua", "?/init.lua"} {
			if b.Len() > 0 {
				b.WriteByte(';')
			}
			b.WriteString(d + "/" + t)
		}
	}
	return b.String()
}

// loadSource reads and compiles the Lua file at path into a function of this state. A path
// the grants do not reach is raised naming the flag; other failures are returned.
func (s *state) loadSource(L *lua.LState, fname, path string) (*lua.LFunction, error) {
	src, err := s.m.readFile(path, true)
	if errors.Is(err, errDenied) {
		L.RaiseError("%s: reading %s needs --allow-read (a script's own directory holds only *.lua modules)", fname, quoteName(path))
	}
	if err != nil {
		return nil, errors.New("cannot read " + ioMessage(path, err))
	}
	return s.compileSource(L, path, src)
}

// compileSource compiles src, read from path, into a function of this state.
func (s *state) compileSource(L *lua.LState, path, src string) (*lua.LFunction, error) {
	s.checkAbort() // compiling is Go code: a call out of time stops here, not after many files
	proto, err := s.m.modules.compile(path, []byte(src))
	if err != nil {
		return nil, err
	}
	L.Push(L.NewFunctionFromProto(proto))
	L.Push(s.concatFn)
	L.Call(1, 1)
	fn, _ := L.Get(-1).(*lua.LFunction)
	L.Pop(1)
	return fn, nil
}

func (c *moduleCache) compile(name string, src []byte) (*lua.FunctionProto, error) {
	key := sha256.Sum256(append([]byte(name+"\x00"), src...))
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.protos[key]; ok {
		return p, nil
	}
	if len(c.protos) >= maxModules {
		return nil, errors.New(name + ": a run may load at most 256 distinct module sources")
	}
	p, err := compile(name, src)
	if err != nil {
		return nil, err
	}
	if c.protos == nil {
		c.protos = map[[sha256.Size]byte]*lua.FunctionProto{}
	}
	c.protos[key] = p
	return p, nil
}

// loadfile returns the file's chunk as a function, or nil and a message.
func (s *state) loadfile(L *lua.LState) int {
	if L.Get(1) == lua.LNil {
		L.RaiseError("%s", sandboxMessage("loadfile()", "standard input is not readable; give it a file name"))
	}
	fn, err := s.loadSource(L, "loadfile", checkString(L, 1, "loadfile"))
	if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString(err.Error()))
		return 2
	}
	L.Push(fn)
	return 1
}

// dofile runs the file's chunk and returns what it returns.
func (s *state) dofile(L *lua.LState) int {
	if L.Get(1) == lua.LNil {
		L.RaiseError("%s", sandboxMessage("dofile()", "standard input is not readable; give it a file name"))
	}
	fn, err := s.loadSource(L, "dofile", checkString(L, 1, "dofile"))
	if err != nil {
		L.RaiseError("%s", err.Error())
	}
	top := L.GetTop()
	L.Push(fn)
	L.Call(0, lua.MultRet)
	return L.GetTop() - top
}

// loading marks a module whose chunk is running, as Lua's sentinel does.
var loading = lua.LString("\x00volley: loading")

func (s *state) require(L *lua.LState) int {
	name := checkString(L, 1, "require")
	if v := s.loaded.RawGetString(name); lua.LVAsBool(v) {
		if v == loading {
			L.RaiseError("loop or previous error loading module %s", quoteName(name))
		}
		L.Push(v)
		return 1
	}
	var fn lua.LValue
	if pkg, ok := L.G.Global.RawGetString("package").(*lua.LTable); ok {
		if pre, ok := pkg.RawGetString("preload").(*lua.LTable); ok {
			if f := pre.RawGetString(name); f != lua.LNil {
				fn = f
			}
		}
	}
	if fn == nil {
		if mod := s.builtinModule(name); mod != nil {
			s.loaded.RawSetString(name, mod)
			if registersGlobal[name] {
				L.G.Global.RawSetString(name, mod)
			}
			L.Push(mod)
			return 1
		}
		if why, ok := native[name]; ok {
			L.RaiseError("module %s is a native (C) module, which volley's sandbox cannot load: %s", quoteName(name), why)
		}
		fn = s.findModule(L, name)
	}
	s.loaded.RawSetString(name, loading)
	L.Push(fn)
	L.Push(lua.LString(name))
	L.Call(1, 1)
	r := L.Get(-1)
	L.Pop(1)
	if r != lua.LNil {
		s.loaded.RawSetString(name, r)
	}
	if s.loaded.RawGetString(name) == loading {
		s.loaded.RawSetString(name, lua.LTrue)
	}
	L.Push(s.loaded.RawGetString(name))
	return 1
}

// maxSearched bounds the candidates listed in a "module not found" message.
const maxSearched = 6

// findModule looks for name along package.path and returns its chunk.
func (s *state) findModule(L *lua.LState, name string) *lua.LFunction {
	path := s.m.defaultPath()
	if pkg, ok := L.G.Global.RawGetString("package").(*lua.LTable); ok {
		if p, ok := pkg.RawGetString("path").(lua.LString); ok {
			path = string(p)
		}
	}
	file := strings.ReplaceAll(name, ".", "/")
	var tried []string
	for _, tmpl := range strings.Split(path, ";") {
		if tmpl == "" || len(tried) > 64 {
			continue
		}
		candidate := filepath.Clean(strings.ReplaceAll(tmpl, "?", file))
		src, err := s.m.readFile(candidate, true)
		if err != nil {
			note := candidate
			if errors.Is(err, errDenied) {
				note += " (not granted)"
			}
			tried = append(tried, note)
			continue
		}
		fn, err := s.compileSource(L, candidate, src)
		if err != nil {
			L.RaiseError("error loading module %s: %s", quoteName(name), err.Error())
		}
		return fn
	}
	if len(tried) > maxSearched {
		tried = append(tried[:maxSearched], "...")
	}
	L.RaiseError("module %s not found: not built in, and no file in package.path (%s); modules load from the script's directory and --allow-read directories",
		quoteName(name), strings.Join(tried, ", "))
	return nil
}
