package script

import (
	"math"
	"strconv"
	"strings"
)

// numberString formats a number as Lua 5.1 and LuaJIT print it ("%.14g"):
// 0.1+0.2 is "0.3", 1e15 is "1e+15", 1/0 is "inf".
func numberString(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e14 {
		if f == 0 && math.Signbit(f) {
			return "-0"
		}
		return strconv.FormatInt(int64(f), 10)
	}
	return string(appendNumber(nil, f))
}

func appendNumber(dst []byte, f float64) []byte {
	switch {
	case f == math.Trunc(f) && math.Abs(f) < 1e14 && !(f == 0 && math.Signbit(f)):
		return strconv.AppendInt(dst, int64(f), 10)
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(f):
		return append(dst, "nan"...)
	}
	return strconv.AppendFloat(dst, f, 'g', 14, 64)
}

// parseNumber converts a string as Lua's tonumber(s) does: surrounding
// whitespace, a decimal number with optional fraction and exponent, or a
// hexadecimal integer "0x1F". Unlike Go's parser it rejects "inf", "nan",
// underscores and hexadecimal floats, as Lua does.
func parseNumber(s string) (float64, bool) {
	s = strings.Trim(s, " \t\n\r\f\v")
	if s == "" {
		return 0, false
	}
	body, neg := s, false
	if body[0] == '-' || body[0] == '+' {
		neg, body = body[0] == '-', body[1:]
	}
	if len(body) > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X') {
		var v float64
		for _, c := range []byte(body[2:]) {
			d, ok := digitValue(c)
			if !ok || d >= 16 {
				return 0, false
			}
			v = v*16 + float64(d)
		}
		if neg {
			v = -v
		}
		return v, true
	}
	digits, dot, exp := 0, false, false
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot && !exp:
			dot = true
		case (c == 'e' || c == 'E') && !exp && digits > 0:
			exp = true
			if i+1 < len(body) && (body[i+1] == '+' || body[i+1] == '-') {
				i++
			}
			if i+1 >= len(body) {
				return 0, false
			}
		default:
			return 0, false
		}
	}
	if digits == 0 {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil && !strings.Contains(err.Error(), "range") {
		return 0, false
	}
	return v, true // out-of-range values are ±inf or 0, as strtod gives
}

// parseBase converts s in base 2..36 as tonumber(s, base) does: an integer,
// optionally negative, surrounded by whitespace.
func parseBase(s string, base int) (float64, bool) {
	s = strings.Trim(s, " \t\n\r\f\v")
	neg := false
	if s != "" && s[0] == '-' {
		neg, s = true, s[1:]
	}
	if s == "" {
		return 0, false
	}
	var v float64
	for _, c := range []byte(s) {
		d, ok := digitValue(c)
		if !ok || d >= base {
			return 0, false
		}
		v = v*float64(base) + float64(d)
	}
	if neg {
		v = -v
	}
	return v, true
}

func digitValue(c byte) (int, bool) {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0'), true
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 10, true
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10, true
	}
	return 0, false
}

// toInt converts a Lua number to an int the way C's cast does for the
// values scripts use, saturating instead of being undefined out of range.
func toInt(f float64) int {
	switch {
	case f != f:
		return 0
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int(f)
}
