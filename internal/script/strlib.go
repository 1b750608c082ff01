package script

import (
	"unsafe"

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
		"lower":   s.strLower,
		"match":   s.strMatch,
		"rep":     s.strRep,
		"reverse": s.strReverse,
		"sub":     strSub,
		"upper":   s.strUpper,
	})
	G.RawSetString("string", lib)
	// Strings index the library through a metatable that getmetatable
	// does not reveal and setmetatable cannot replace.
	mt := lockedMetatable(L)
	mt.RawSetString("__index", lib)
	L.SetMetatable(lua.LString(""), mt)
}

// ownedString returns b as a string without copying it: for a buffer a
// builtin has just filled and never writes again (results of up to 64 MiB
// need not be copied twice).
func ownedString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b)) //nolint:gosec // G103: callers own b and never write it again
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

// lowerBytes and upperBytes map bytes as C's tolower and toupper in the
// "C" locale.
var lowerBytes, upperBytes = func() (lo, up [256]byte) {
	for i := range 256 {
		c := byte(i)
		lo[i], up[i] = c, c
		if c >= 'A' && c <= 'Z' {
			lo[i] = c + 'a' - 'A'
		}
		if c >= 'a' && c <= 'z' {
			up[i] = c - ('a' - 'A')
		}
	}
	return lo, up
}()

func (s *state) strLower(L *lua.LState) int {
	L.Push(lua.LString(s.mapBytes(checkString(L, 1, "lower"), &lowerBytes)))
	return 1
}

func (s *state) strUpper(L *lua.LState) int {
	L.Push(lua.LString(s.mapBytes(checkString(L, 1, "upper"), &upperBytes)))
	return 1
}

// mapBytes returns str with every byte c replaced by to[c], polling for a
// stop as it goes.
func (s *state) mapBytes(str string, to *[256]byte) string {
	s.allocating(len(str))
	b := make([]byte, len(str))
	for start := 0; start < len(b); start += workStep {
		end := min(start+workStep, len(b))
		for i := start; i < end; i++ {
			b[i] = to[str[i]]
		}
		s.work(end - start)
	}
	return ownedString(b)
}

func (s *state) strReverse(L *lua.LState) int {
	str := checkString(L, 1, "reverse")
	s.allocating(len(str))
	b := make([]byte, len(str))
	for start := 0; start < len(b); start += workStep {
		end := min(start+workStep, len(b))
		for i := start; i < end; i++ {
			b[i] = str[len(str)-1-i]
		}
		s.work(end - start)
	}
	L.Push(lua.LString(ownedString(b)))
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
	total := n*unit - len(sep)
	s.checkSize(L, total)
	s.allocating(total)
	// One unit, then copies of what is built (a whole number of units, so
	// the pattern continues), at most workStep bytes at a time.
	b := make([]byte, total)
	built := copy(b, str)
	built += copy(b[built:], sep)
	for built < total {
		from := built - built%unit
		built += copy(b[built:], b[built-from:built-from+min(from, workStep, total-built)])
		s.work(workStep)
	}
	L.Push(lua.LString(ownedString(b)))
	return 1
}
