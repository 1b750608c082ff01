package script

import (
	"strconv"

	lua "github.com/yuin/gopher-lua"
)

// Argument checks with Lua 5.1's wording: "bad argument #2 to 'rep'
// (number expected, got nil)". Strings and numbers convert into each other
// as they do in Lua's C API.

func argError(L *lua.LState, n int, fname, msg string) {
	L.RaiseError("bad argument #%d to '%s' (%s)", n, fname, msg)
}

func typeError(L *lua.LState, n int, fname, want string) {
	argError(L, n, fname, want+" expected, got "+typeName(L.Get(n)))
}

// typeName is Lua's type name, "no value" for a missing argument.
func typeName(v lua.LValue) string {
	if v == nil {
		return "no value"
	}
	return v.Type().String()
}

func checkString(L *lua.LState, n int, fname string) string {
	switch v := L.Get(n).(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return numberString(float64(v))
	}
	if n > L.GetTop() {
		argError(L, n, fname, "string expected, got no value")
	}
	typeError(L, n, fname, "string")
	return ""
}

func optString(L *lua.LState, n int, fname, def string) string {
	if v := L.Get(n); v == lua.LNil {
		return def
	}
	return checkString(L, n, fname)
}

func checkNumber(L *lua.LState, n int, fname string) float64 {
	switch v := L.Get(n).(type) {
	case lua.LNumber:
		return float64(v)
	case lua.LString:
		if f, ok := parseNumber(string(v)); ok {
			return f
		}
	}
	if n > L.GetTop() {
		argError(L, n, fname, "number expected, got no value")
	}
	typeError(L, n, fname, "number")
	return 0
}

func optNumber(L *lua.LState, n int, fname string, def float64) float64 {
	if v := L.Get(n); v == lua.LNil {
		return def
	}
	return checkNumber(L, n, fname)
}

func checkInt(L *lua.LState, n int, fname string) int {
	return toInt(checkNumber(L, n, fname))
}

func optInt(L *lua.LState, n int, fname string, def int) int {
	if v := L.Get(n); v == lua.LNil {
		return def
	}
	return checkInt(L, n, fname)
}

func checkTable(L *lua.LState, n int, fname string) *lua.LTable {
	if t, ok := L.Get(n).(*lua.LTable); ok {
		return t
	}
	typeError(L, n, fname, "table")
	return nil
}

// quoteName renders a foreign string for an error message, bounded.
func quoteName(s string) string {
	if len(s) > 120 {
		return strconv.Quote(s[:120]) + "..."
	}
	return strconv.Quote(s)
}
