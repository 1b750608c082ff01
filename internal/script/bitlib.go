package script

import (
	"math"
	"math/bits"

	lua "github.com/yuin/gopher-lua"
)

// LuaJIT's bit library (BitOp): 32-bit operations whose results are signed
// 32-bit numbers, with numbers converted as LuaJIT does (modulo 2^32,
// rounding a fraction to the nearest even integer). The int32/uint32
// conversions below wrap on purpose: they reinterpret the same 32 bits as
// signed or unsigned, which is BitOp's semantics.
func (s *state) openBit(G *lua.LTable) {
	lib := s.L.NewTable()
	s.set(lib, map[string]lua.LGFunction{
		"tobit":   func(L *lua.LState) int { return push32(L, tobit(L, 1, "tobit")) },
		"bnot":    func(L *lua.LState) int { return push32(L, ^tobit(L, 1, "bnot")) },
		"band":    bitFold("band", func(a, b uint32) uint32 { return a & b }),
		"bor":     bitFold("bor", func(a, b uint32) uint32 { return a | b }),
		"bxor":    bitFold("bxor", func(a, b uint32) uint32 { return a ^ b }),
		"lshift":  bitShift("lshift", func(x uint32, n uint) uint32 { return x << n }),
		"rshift":  bitShift("rshift", func(x uint32, n uint) uint32 { return x >> n }),
		"arshift": bitShift("arshift", func(x uint32, n uint) uint32 { return uint32(int32(x) >> n) }), //nolint:gosec // G115: deliberate two's-complement reinterpretation
		"rol":     bitShift("rol", func(x uint32, n uint) uint32 { return bits.RotateLeft32(x, int(n)) }),
		"ror":     bitShift("ror", func(x uint32, n uint) uint32 { return bits.RotateLeft32(x, -int(n)) }),
		"bswap":   func(L *lua.LState) int { return push32(L, bits.ReverseBytes32(tobit(L, 1, "bswap"))) },
		"tohex":   bitTohex,
	})
	G.RawSetString("bit", lib)
}

// tobit normalizes argument n: adding 2^52+2^51 puts the integer part,
// rounded to nearest even, in the low bits of the mantissa.
func tobit(L *lua.LState, n int, fname string) uint32 {
	return uint32(math.Float64bits(checkNumber(L, n, fname) + 6755399441055744.0)) //nolint:gosec // G115: keeping the low 32 bits is the modulo 2^32 wanted
}

func push32(L *lua.LState, x uint32) int {
	L.Push(lua.LNumber(int32(x))) //nolint:gosec // G115: results are signed 32-bit, as in BitOp
	return 1
}

func bitFold(name string, op func(a, b uint32) uint32) lua.LGFunction {
	return func(L *lua.LState) int {
		x := tobit(L, 1, name)
		for i := 2; i <= L.GetTop(); i++ {
			x = op(x, tobit(L, i, name))
		}
		return push32(L, x)
	}
}

func bitShift(name string, op func(x uint32, n uint) uint32) lua.LGFunction {
	return func(L *lua.LState) int {
		return push32(L, op(tobit(L, 1, name), uint(tobit(L, 2, name)&31)))
	}
}

func bitTohex(L *lua.LState) int {
	x := tobit(L, 1, "tohex")
	n := 8
	if L.Get(2) != lua.LNil {
		n = int(int32(tobit(L, 2, "tohex"))) //nolint:gosec // G115: the count is signed (negative means upper case)
	}
	digits := "0123456789abcdef"
	if n < 0 {
		n, digits = -n, "0123456789ABCDEF"
	}
	if n < 0 || n > 8 { // -MinInt32 is still negative
		n = 8
	}
	b := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		b[i] = digits[x&15]
		x >>= 4
	}
	L.Push(lua.LString(b))
	return 1
}
