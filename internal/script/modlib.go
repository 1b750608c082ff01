package script

import (
	"crypto/md5" //nolint:gosec // G501: md5.sumhexa is what scripts ask for (cache keys, signatures of old APIs), not security
	"encoding/hex"
	"io"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// builtinModule returns a new table for a module volley provides, or nil.
func (s *state) builtinModule(name string) *lua.LTable {
	switch name {
	case "json":
		return s.jsonModule(jsonFlavor{name: "json"})
	case "cjson":
		return s.jsonModule(jsonFlavor{name: "cjson", keep: true, slash: true})
	case "cjson.safe":
		return s.jsonModule(jsonFlavor{name: "cjson", keep: true, slash: true, safe: true})
	case "dkjson":
		return s.jsonModule(jsonFlavor{name: "dkjson", dk: true})
	case "md5":
		return s.md5Module()
	case "socket":
		return s.socketModule()
	}
	return nil
}

// md5Module is the kepler md5 module's sum (16 raw bytes) and sumhexa (32 hex digits).
func (s *state) md5Module() *lua.LTable {
	mod := s.L.NewTable()
	sum := func(L *lua.LState) []byte {
		data := checkString(L, 1, "sum")
		h := md5.New() //nolint:gosec // G401: see the import
		for len(data) > 0 {
			n := min(len(data), workStep)
			_, _ = io.WriteString(h, data[:n]) // a hash never fails to write
			data = data[n:]
			s.work(n)
		}
		return h.Sum(nil)
	}
	s.set(mod, map[string]lua.LGFunction{
		"sum": func(L *lua.LState) int {
			L.Push(lua.LString(sum(L)))
			return 1
		},
		"sumhexa": func(L *lua.LState) int {
			L.Push(lua.LString(hex.EncodeToString(sum(L))))
			return 1
		},
	})
	return mod
}

// socketModule is LuaSocket's clock only: scripts load "socket" for socket.gettime(). Its
// networking is volley's, and socket.sleep would stall the thread's event loop.
func (s *state) socketModule() *lua.LTable {
	mod := s.L.NewTable()
	mod.RawSetString("gettime", s.L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LNumber(float64(time.Now().UnixMicro()) / 1e6))
		return 1
	}))
	s.deny(mod, "socket")
	return mod
}
