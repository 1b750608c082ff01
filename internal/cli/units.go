package cli

import (
	"errors"
	"math/big"
	"strings"
	"time"
)

// Values are parsed as exact decimals ("1.5k" is exactly 1500), so there is
// no float rounding and overflow is detected rather than wrapped.

// maxValueLen bounds a numeric argument; anything longer is a mistake.
const maxValueLen = 64

var errTooLarge = errors.New("too large")

// decimal is "<digits>[.<digits>]<unit>" with an optional leading '+'.
type decimal struct {
	num  string // the digits, with the '.' if any
	unit string
}

// splitDecimal checks the numeric part of s and separates its unit.
// Surrounding blanks are ignored, as wrk's sscanf does.
func splitDecimal(s string) (decimal, error) {
	s = strings.Trim(s, " \t")
	switch {
	case s == "":
		return decimal{}, errors.New("empty value")
	case len(s) > maxValueLen:
		return decimal{}, errors.New("too long")
	case s[0] == '-':
		return decimal{}, errors.New("must not be negative")
	}
	s = strings.TrimPrefix(s, "+")
	i := digitsEnd(s, 0)
	if i == 0 {
		return decimal{}, errors.New("not a number")
	}
	if i < len(s) && s[i] == '.' {
		j := digitsEnd(s, i+1)
		if j == i+1 {
			return decimal{}, errors.New("not a number")
		}
		i = j
	}
	return decimal{num: s[:i], unit: s[i:]}, nil
}

func digitsEnd(s string, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// scaled returns d.num × scale, requiring a whole result.
func (d decimal) scaled(scale int64) (int64, error) {
	r, _ := new(big.Rat).SetString(d.num) // splitDecimal guarantees the syntax
	r.Mul(r, new(big.Rat).SetInt64(scale))
	if !r.IsInt() {
		return 0, errors.New("not a whole number")
	}
	if !r.Num().IsInt64() {
		return 0, errTooLarge
	}
	return r.Num().Int64(), nil
}

// parseCount parses a count with an optional SI suffix (k, M, G: ×1000,
// any case), as wrk's scan_metric does; fractions are accepted when the
// result is whole ("1.5k").
func parseCount(s string) (int64, error) {
	return parseScaled(s, 1000, "use k, M or G")
}

// parseBytes parses a byte size with binary suffixes (k, M, G: ×1024, any
// case), so the defaults read naturally: 64k is 65536.
func parseBytes(s string) (int64, error) {
	return parseScaled(s, 1024, "use k, M or G")
}

func parseScaled(s string, base int64, hint string) (int64, error) {
	d, err := splitDecimal(s)
	if err != nil {
		return 0, err
	}
	var scale int64
	switch strings.ToLower(d.unit) {
	case "":
		scale = 1
	case "k":
		scale = base
	case "m":
		scale = base * base
	case "g":
		scale = base * base * base
	default:
		return 0, unknownUnit(d.unit, hint)
	}
	return d.scaled(scale)
}

// timeUnits maps a lower-cased suffix to its length. A bare number is
// seconds, as in wrk; "m" is minutes in any case, as in wrk.
var timeUnits = map[string]time.Duration{
	"":   time.Second,
	"s":  time.Second,
	"m":  time.Minute,
	"h":  time.Hour,
	"ms": time.Millisecond,
	"us": time.Microsecond,
	"µs": time.Microsecond, // U+00B5
	"μs": time.Microsecond, // U+03BC
}

// parseDuration parses wrk's time arguments (2s, 2m, 2h, bare seconds)
// plus ms, us and fractions ("1.5s", "0.5m"). Sub-nanosecond parts are
// dropped.
func parseDuration(s string) (time.Duration, error) {
	d, err := splitDecimal(s)
	if err != nil {
		return 0, err
	}
	unit, ok := timeUnits[strings.ToLower(d.unit)]
	if !ok {
		return 0, unknownUnit(d.unit, "use us, ms, s, m or h")
	}
	r, _ := new(big.Rat).SetString(d.num)
	r.Mul(r, new(big.Rat).SetInt64(int64(unit)))
	ns := new(big.Int).Quo(r.Num(), r.Denom())
	if !ns.IsInt64() {
		return 0, errTooLarge
	}
	return time.Duration(ns.Int64()), nil
}

func unknownUnit(unit, hint string) error {
	return errors.New("unknown unit " + quote(unit) + " (" + hint + ")")
}
