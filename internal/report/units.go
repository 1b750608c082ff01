// Package report renders a run's stats.Result for people: wrk's text report,
// byte for byte, and the escaping that makes any text from a server or a
// script safe to print on a terminal.
package report

import (
	"math"
	"math/big"
	"strconv"
	"time"
)

// wrk computes and prints its numbers in C's long double, which on x86-64 is
// the x87 format with a 64-bit significand. The same quotient rounded to a
// float64 can fall on the other side of a decimal tie: 22535 µs is 22.53ms in
// wrk and would be 22.54ms in float64. So the report does its arithmetic in
// big.Float at 64 bits, rounding to nearest even as the x87 does, and prints
// the exact binary value as glibc's printf does.
const extPrec = 64

// ext is a float64 in extended precision; NaN and ±Inf become 0, so that no
// report ever prints nan or inf.
func ext(x float64) *big.Float {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		x = 0
	}
	return new(big.Float).SetPrec(extPrec).SetFloat64(x)
}

func extUint(u uint64) *big.Float { return new(big.Float).SetPrec(extPrec).SetUint64(u) }

func extInt64(i int64) *big.Float { return new(big.Float).SetPrec(extPrec).SetInt64(i) }

func extInt(i *big.Int) *big.Float { return new(big.Float).SetPrec(extPrec).SetInt(i) }

func extQuo(a, b *big.Float) *big.Float { return new(big.Float).SetPrec(extPrec).Quo(a, b) }

func extMul(a, b *big.Float) *big.Float { return new(big.Float).SetPrec(extPrec).Mul(a, b) }

// unitScale is one of wrk's unit ladders: a value is divided by scale and
// moves one unit up while it is at least 85% of scale, so 850us prints as
// 0.85ms. wrk never climbs to the last unit of its tables (h, P); these
// tables list only the units it reaches.
type unitScale struct {
	scale float64
	base  string
	units []string
}

var (
	timeUs  = unitScale{1000, "us", []string{"ms"}}
	timeS   = unitScale{60, "s", []string{"m"}}
	binaryU = unitScale{1024, "", []string{"K", "M", "G", "T"}}
	metricU = unitScale{1000, "", []string{"k", "M", "G", "T"}}
)

// climb is the fraction of the scale at which a value moves one unit up. wrk
// multiplies it in double precision (850, 870.39999999999997726, 51).
const climb = 0.85

func (u unitScale) format(n *big.Float, decimals int) string {
	threshold, scale := ext(u.scale*climb), ext(u.scale)
	unit := u.base
	for i := 0; i < len(u.units) && n.Cmp(threshold) >= 0; i++ {
		n = extQuo(n, scale)
		unit = u.units[i]
	}
	return n.Text('f', decimals) + unit
}

func formatTimeUs(us *big.Float) string {
	if us.Cmp(ext(1e6)) >= 0 {
		return timeS.format(extQuo(us, ext(1e6)), 2)
	}
	return timeUs.format(us, 2)
}

// FormatTimeUs formats a time in µs as wrk does: us, ms, then from one second
// on s and m ("849.99us", "0.85ms", "1.00s", "0.85m", "60.00m" for an hour).
func FormatTimeUs(us float64) string { return formatTimeUs(ext(us)) }

// FormatTimeS formats seconds as wrk does, without decimals: "10s", and from
// 51 s on minutes rounded half to even ("1m" for 51 s, "2m" for 150 s, "120m"
// for 2 h).
func FormatTimeS(s float64) string { return timeS.format(ext(s), 0) }

// FormatBinary formats a byte count in powers of 1024 ("870.00", "0.85K", "1.00M").
func FormatBinary(n float64) string { return binaryU.format(ext(n), 2) }

// FormatMetric formats a count in powers of 1000 ("849.99", "0.85k", "35.50k").
func FormatMetric(n float64) string { return metricU.format(ext(n), 2) }

// FormatDuration renders a run's duration for the banner. wrk prints
// FormatTimeS of whole seconds, which is exact below 51 s and for whole
// minutes, and rounds otherwise (51 s and 89 s both print "1m"). volley prints
// wrk's text whenever that text is exact, and otherwise the exact duration in
// seconds with as few decimals as needed: "10s", "2m", "120m" as wrk, but
// "55s", "90s", "1.5s", "0.25s" where wrk would round or cannot go.
func FormatDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	if (d < 51*time.Second && d%time.Second == 0) || d%time.Minute == 0 {
		return FormatTimeS(d.Seconds())
	}
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
}
