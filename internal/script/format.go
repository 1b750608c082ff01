package script

import (
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// strFormat is string.format with Lua 5.1's rules: flags "-+ #0", width and
// precision of at most two digits each (so one directive yields at most a
// few hundred bytes beyond its argument), the conversions c d i o u x X e E
// f g G q s, %s through tostring (as LuaJIT does), and a result capped like
// every other string. Every byte read and written is charged (see work), and
// what can be long (literal text, %s and %q of long strings, moving the
// result to a larger buffer) is copied a workStep at a time, so that a
// format of huge strings polls for its stop as it goes.
func (s *state) strFormat(L *lua.LState) int {
	f := checkString(L, 1, "format")
	var out []byte
	arg := 1
	for i := 0; i < len(f); {
		if f[i] != '%' {
			n := strings.IndexByte(f[i:], '%')
			if n < 0 {
				n = len(f) - i
			}
			out = s.appendCharged(L, out, f[i:i+n])
			i += n
			continue
		}
		i++
		if i < len(f) && f[i] == '%' {
			out = s.appendCharged(L, out, "%")
			i++
			continue
		}
		spec, n := parseSpec(L, f[i:])
		i += n
		arg++
		if arg > L.GetTop() {
			argError(L, arg, "format", "no value")
		}
		if spec.verb == 's' || spec.verb == 'q' { // these charge as they copy
			out = s.formatString(L, out, spec, arg)
			continue
		}
		// Room first, so that a long result is not moved by append unpolled.
		out = s.reserve(L, out, min(maxDirective, s.m.maxString-len(out)))
		before := len(out)
		out = formatNumber(L, out, spec, arg)
		s.checkSize(L, len(out))
		s.work(len(out) - before)
	}
	s.allocating(len(out))
	L.Push(lua.LString(ownedString(out)))
	return 1
}

// maxDirective bounds what a numeric directive writes: %99.99f of 1e308 is
// 410 bytes.
const maxDirective = 512

// appendCharged appends str to out a workStep at a time, charging the bytes
// read and written.
func (s *state) appendCharged(L *lua.LState, out []byte, str string) []byte {
	out = s.reserve(L, out, len(str))
	for len(str) > 0 {
		n := min(len(str), workStep)
		out = append(out, str[:n]...)
		str = str[n:]
		s.work(2 * n)
	}
	return out
}

// reserve returns out with room for n more bytes, refusing a result past the
// string size cap before allocating. Moving what out holds to a larger buffer
// is charged and polled like any other copy; large buffers grow by a quarter,
// as append's do, so that a result keeps little room the memory quota does
// not see.
func (s *state) reserve(L *lua.LState, out []byte, n int) []byte {
	need := len(out) + n
	s.checkSize(L, need)
	if need <= cap(out) {
		return out
	}
	grown := 2 * cap(out)
	if cap(out) >= 256<<10 {
		grown = cap(out) + cap(out)/4
	}
	b := make([]byte, 0, min(max(need, grown), s.m.maxString))
	return s.appendCharged(L, b, ownedString(out))
}

type spec struct {
	minus, plus, space, hash, zero bool
	width, prec                    int // -1 when absent
	verb                           byte
}

// parseSpec reads "[flags][width][.precision]conversion" and returns it with
// the number of bytes read.
func parseSpec(L *lua.LState, f string) (spec, int) {
	sp := spec{width: -1, prec: -1}
	i := 0
	for ; i < len(f) && strings.IndexByte("-+ #0", f[i]) >= 0; i++ {
		switch f[i] {
		case '-':
			sp.minus = true
		case '+':
			sp.plus = true
		case ' ':
			sp.space = true
		case '#':
			sp.hash = true
		case '0':
			sp.zero = true
		}
	}
	if i > 5 {
		L.RaiseError("invalid format (repeated flags)")
	}
	digits := func() int {
		v, n := -1, 0
		for ; i < len(f) && f[i] >= '0' && f[i] <= '9'; i++ {
			if n == 2 {
				L.RaiseError("invalid format (width or precision too long)")
			}
			v = max(v, 0)*10 + int(f[i]-'0')
			n++
		}
		return v
	}
	sp.width = digits()
	if i < len(f) && f[i] == '.' {
		i++
		sp.prec = max(digits(), 0)
	}
	if i >= len(f) {
		L.RaiseError("%s", "invalid option '%' to 'format'")
	}
	sp.verb = f[i]
	if strings.IndexByte("cdiouxXeEfgGqs", sp.verb) < 0 {
		L.RaiseError("invalid option '%%%c' to 'format'", sp.verb)
	}
	return sp, i + 1
}

func formatNumber(L *lua.LState, out []byte, sp spec, arg int) []byte {
	switch sp.verb {
	case 'c':
		return pad(out, []byte{byte(checkNumber(L, arg, "format"))}, sp)
	case 'd', 'i':
		v := checkNumber(L, arg, "format")
		n := toInt(v)
		digits := strconv.AppendUint(nil, uint64(max(n, -n)), 10) //nolint:gosec // G115: |n| >= 0 but for MinInt64, replaced below
		if n == math.MinInt64 {
			digits = []byte("9223372036854775808")
		}
		return formatInt(out, digits, n < 0, sp, "")
	case 'o', 'u', 'x', 'X':
		// As C's printf with Lua 5.1's cast to a 64-bit integer, a negative
		// number is printed as its two's complement: %x of -1 is ffffffffffffffff.
		u := uint64(toInt(checkNumber(L, arg, "format"))) //nolint:gosec // G115: wraps on purpose (see above)
		base, prefix := 10, ""
		switch sp.verb {
		case 'o':
			base = 8
		case 'x':
			base, prefix = 16, "0x"
		case 'X':
			base, prefix = 16, "0X"
		}
		digits := strconv.AppendUint(nil, u, base)
		if sp.verb == 'X' {
			digits = []byte(strings.ToUpper(string(digits)))
		}
		if !sp.hash || u == 0 {
			prefix = ""
		}
		if sp.verb == 'o' && sp.hash && digits[0] != '0' {
			digits = append([]byte{'0'}, digits...)
		}
		sp.plus, sp.space = false, false
		return formatInt(out, digits, false, sp, prefix)
	}
	return formatFloat(out, checkNumber(L, arg, "format"), sp) // e E f g G
}

// formatString is %s and %q.
func (s *state) formatString(L *lua.LState, out []byte, sp spec, arg int) []byte {
	if sp.verb == 'q' {
		return s.appendQuoted(L, out, checkString(L, arg, "format"))
	}
	str := s.tostring(L.Get(arg))
	if sp.prec < 0 && len(str) >= 100 {
		return s.appendCharged(L, out, str) // Lua 5.1 copies long strings unformatted
	}
	if sp.prec >= 0 && len(str) > sp.prec {
		str = str[:sp.prec]
	}
	out = s.reserve(L, out, max(len(str), sp.width)) // at most 99 bytes here
	before := len(out)
	out = pad(out, []byte(str), sp)
	s.work(len(out) - before)
	return out
}

// formatInt lays out an integer as C's printf does: precision is the
// minimum number of digits, and the 0 flag pads after the sign unless a
// precision is given.
func formatInt(out, digits []byte, neg bool, sp spec, prefix string) []byte {
	if sp.prec == 0 && len(digits) == 1 && digits[0] == '0' {
		digits = digits[:0]
	}
	for len(digits) < sp.prec {
		digits = append([]byte{'0'}, digits...)
	}
	sign := ""
	switch {
	case neg:
		sign = "-"
	case sp.plus:
		sign = "+"
	case sp.space:
		sign = " "
	}
	body := append([]byte(sign+prefix), digits...)
	if sp.zero && !sp.minus && sp.prec < 0 {
		for len(body) < sp.width {
			body = append(body[:len(sign)+len(prefix)], append([]byte{'0'}, body[len(sign)+len(prefix):]...)...)
		}
	}
	return pad(out, body, sp)
}

func formatFloat(out []byte, v float64, sp spec) []byte {
	upper := sp.verb == 'E' || sp.verb == 'G'
	if math.IsInf(v, 0) || math.IsNaN(v) {
		str := "inf"
		if math.IsNaN(v) {
			str = "nan"
		}
		if upper {
			str = strings.ToUpper(str)
		}
		switch {
		case math.IsInf(v, -1):
			str = "-" + str
		case sp.plus:
			str = "+" + str
		case sp.space:
			str = " " + str
		}
		return pad(out, []byte(str), sp)
	}
	prec := sp.prec
	if prec < 0 {
		prec = 6
	}
	var body []byte
	switch sp.verb {
	case 'e', 'E':
		body = strconv.AppendFloat(nil, math.Abs(v), 'e', prec, 64)
		if sp.hash && prec == 0 {
			body = append(body[:1], append([]byte{'.'}, body[1:]...)...)
		}
	case 'f':
		body = strconv.AppendFloat(nil, math.Abs(v), 'f', prec, 64)
		if sp.hash && prec == 0 {
			body = append(body, '.')
		}
	default: // g, G
		body = formatG(math.Abs(v), max(prec, 1), sp.hash)
	}
	if upper {
		body = []byte(strings.ToUpper(string(body)))
	}
	sign := ""
	switch {
	case math.Signbit(v):
		sign = "-"
	case sp.plus:
		sign = "+"
	case sp.space:
		sign = " "
	}
	if sp.zero && !sp.minus {
		for len(sign)+len(body) < sp.width {
			body = append([]byte{'0'}, body...)
		}
	}
	return pad(out, append([]byte(sign), body...), sp)
}

// formatG is C's %g: %e if the exponent is below -4 or at least the
// precision, else %f, with trailing zeros removed unless '#'.
func formatG(v float64, prec int, hash bool) []byte {
	e := strconv.AppendFloat(nil, v, 'e', prec-1, 64)
	exp, _ := strconv.Atoi(string(e[strings.IndexByte(string(e), 'e')+1:]))
	var body []byte
	if exp < -4 || exp >= prec {
		body = e
	} else {
		body = strconv.AppendFloat(nil, v, 'f', prec-1-exp, 64)
	}
	if hash {
		if !strings.ContainsRune(string(body), '.') {
			at := strings.IndexByte(string(body), 'e')
			if at < 0 {
				at = len(body)
			}
			body = append(body[:at], append([]byte{'.'}, body[at:]...)...)
		}
		return body
	}
	mant, tail := string(body), ""
	if at := strings.IndexByte(mant, 'e'); at >= 0 {
		mant, tail = mant[:at], mant[at:]
	}
	if strings.ContainsRune(mant, '.') {
		mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
	}
	return []byte(mant + tail)
}

// pad applies the width: spaces on the left, or on the right with '-'.
func pad(out, body []byte, sp spec) []byte {
	n := sp.width - len(body)
	if n <= 0 {
		return append(out, body...)
	}
	if sp.minus {
		out = append(out, body...)
		return append(out, strings.Repeat(" ", n)...)
	}
	out = append(out, strings.Repeat(" ", n)...)
	return append(out, body...)
}

// appendQuoted is %q: a Lua string literal that reads back as the same bytes,
// a workStep of str at a time, charging the bytes read (twice: measured,
// then quoted) and written.
func (s *state) appendQuoted(L *lua.LState, out []byte, str string) []byte {
	out = s.appendCharged(L, out, `"`)
	for start := 0; start < len(str); start += workStep {
		chunk := str[start:min(start+workStep, len(str))]
		n := len(chunk)
		for i := range len(chunk) {
			switch chunk[i] {
			case '"', '\\', '\n', '\r':
				n++
			case 0:
				n += 3
			}
		}
		out = s.reserve(L, out, n)
		out = appendQuotedBytes(out, chunk)
		s.work(2*len(chunk) + n)
	}
	return s.appendCharged(L, out, `"`)
}

func appendQuotedBytes(out []byte, str string) []byte {
	for i := 0; i < len(str); i++ {
		switch c := str[i]; c {
		case '"', '\\':
			out = append(out, '\\', c)
		case '\n':
			out = append(out, '\\', '\n')
		case '\r':
			out = append(out, '\\', 'r')
		case 0:
			out = append(out, '\\', '0', '0', '0')
		default:
			out = append(out, c)
		}
	}
	return out
}
