package script

import (
	lua "github.com/yuin/gopher-lua"

	"strings"
	"testing"
)

// FuzzJSON decodes what a server might send with each JSON module, never panicking, and
// checks that what decodes re-encodes to a text that decodes to the same encoding.
func FuzzJSON(f *testing.F) {
	for _, s := range []string{
		`{"token":"abc","n":1.5e3,"list":[1,2,null,{"x":[]}],"ok":true}`,
		`[` + strings.Repeat(`[`, 1200) + strings.Repeat(`]`, 1200) + `]`,
		`"\ud800 \u00e9 \\ \/ \n"`, `{"a":1,"a":2}`, `1e999`, `-0`, `[1,2] trailing`, `{"x":`, "\xff\xfe",
	} {
		f.Add(s)
	}
	m, _ := mustLoad(f, `
		safe = require "cjson.safe"
		dk = require "dkjson"
		function roundtrip(s)
			local v = safe.decode(s)
			dk.decode(s)
			if v == nil then return "" end
			local e1 = safe.encode(v)
			if e1 == nil then return "" end
			local e2 = safe.encode(safe.decode(e1))
			if e1 ~= e2 then return "unstable: " .. e1 .. " then " .. tostring(e2) end
			return ""
		end`)
	f.Fuzz(func(t *testing.T, s string) {
		L := m.main.L
		L.Push(m.main.global("roundtrip"))
		L.Push(lua.LString(s))
		if err := m.main.pcall("roundtrip", DefaultHookTimeout*10, 1, 1); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		r := L.Get(-1)
		L.Pop(1)
		if r.String() != "" {
			t.Fatalf("%q: %s", s, r.String())
		}
	})
}
