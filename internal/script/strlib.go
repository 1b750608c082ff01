package script

import (
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The string library is ours rather than gopher-lua's: byte-wise lower and
// upper as in C's "C" locale, Lua's index rules, every result capped, the
// pattern functions on a step budget, and no string.dump.
func (s *state) openString(G *lua.LTable) {
	L := s.L
	lib := L.NewTable()
	s.set(lib, map[string]lua.LGFunction{
		"byte":    strByte,
		"char":    strChar,
		"find":    s.strFind,
		"format":  s.strFormat,
		"gmatch":  s.strGmatch,
		"gsub":    s.strGsub,
		"len":     strLen,
		"lower":   strLower,
		"match":   s.strMatch,
		"rep":     s.strRep,
		"reverse": strReverse,
		"sub":     strSub,
		"upper":   strUpper,
	})
	G.RawSetString("string", lib)
	// Strings index the library through a metatable that getmetatable
	// does not reveal and setmetatable cannot replace.
	mt := lockedMetatable(L)
	mt.RawSetString("__index", lib)
	L.SetMetatable(lua.LString(""), mt)
}

// strRange converts Lua's i, j (1-based, negative from the end) to a byte
// range of a string of length n; empty when start >= end.
func strRange(n, i, j int) (start, end int) {
	if i < 0 {
		i += n + 1
	}
	if j < 0 {
		j += n + 1
	}
	i = max(i, 1)
	j = min(j, n)
	if i > j {
		return 0, 0
	}
	return i - 1, j
}

func strByte(L *lua.LState) int {
	str := checkString(L, 1, "byte")
	i := optInt(L, 2, "byte", 1)
	start, end := strRange(len(str), i, optInt(L, 3, "byte", i))
	if end-start > maxResults {
		L.RaiseError("string slice too long")
	}
	for _, c := range []byte(str[start:end]) {
		L.Push(lua.LNumber(c))
	}
	return end - start
}

func strChar(L *lua.LState) int {
	n := L.GetTop()
	b := make([]byte, n)
	for i := 1; i <= n; i++ {
		c := checkInt(L, i, "char")
		if c < 0 || c > 255 {
			argError(L, i, "char", "invalid value")
		}
		b[i-1] = byte(c) //nolint:gosec // G115: argError above raised unless 0 <= c <= 255
	}
	L.Push(lua.LString(b))
	return 1
}

func strLen(L *lua.LState) int {
	L.Push(lua.LNumber(len(checkString(L, 1, "len"))))
	return 1
}

func strLower(L *lua.LState) int {
	str := checkString(L, 1, "lower")
	b := []byte(str)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	L.Push(lua.LString(b))
	return 1
}

func strUpper(L *lua.LState) int {
	str := checkString(L, 1, "upper")
	b := []byte(str)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - ('a' - 'A')
		}
	}
	L.Push(lua.LString(b))
	return 1
}

func strReverse(L *lua.LState) int {
	str := checkString(L, 1, "reverse")
	b := make([]byte, len(str))
	for i := range b {
		b[i] = str[len(str)-1-i]
	}
	L.Push(lua.LString(b))
	return 1
}

func strSub(L *lua.LState) int {
	str := checkString(L, 1, "sub")
	start, end := strRange(len(str), checkInt(L, 2, "sub"), optInt(L, 3, "sub", -1))
	L.Push(lua.LString(str[start:end]))
	return 1
}

// strRep is string.rep(s, n [, sep]) (sep as in LuaJIT), refusing results
// past the string size cap before allocating anything.
func (s *state) strRep(L *lua.LState) int {
	str := checkString(L, 1, "rep")
	n := checkInt(L, 2, "rep")
	sep := optString(L, 3, "rep", "")
	if n <= 0 {
		L.Push(lua.LString(""))
		return 1
	}
	unit := len(str) + len(sep)
	if unit > 0 && n > s.m.maxString/unit+1 {
		s.checkSize(L, s.m.maxString+1)
	}
	s.checkSize(L, n*unit-len(sep))
	if sep == "" {
		L.Push(lua.LString(strings.Repeat(str, n)))
		return 1
	}
	var b strings.Builder
	b.Grow(n*unit - len(sep))
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(str)
	}
	L.Push(lua.LString(b.String()))
	return 1
}
