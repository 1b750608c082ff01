// Package stats records what a run measures: latencies, request rates,
// byte and error counts. Each engine thread owns a Recorder and writes to it
// without locks; the Recorders are merged once, at the end, into a Result.
package stats

import (
	"math"
	"math/big"
	"math/bits"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// The histogram's range: 1 µs to 1 h, 3 significant digits (docs/architecture.md, decision 5).
// Values are exact below 2048 and within 0.1% above.
const (
	LowestValue        = 1
	HighestValue       = 3_600_000_000
	SignificantFigures = 3
)

// Histogram is an HdrHistogram plus the exact moments of what was recorded,
// so that count, min, max, mean and standard deviation are exact while
// percentiles carry HDR's bounded error. Values above HighestValue are
// clamped into the HDR range; the moments and Max keep the true value.
//
// The sum and the sum of squares are 128-bit integers: exact for any run in
// which every value is below 2^32 µs (71 minutes) and there are fewer than
// 2^64 of them, and for far more in practice.
type Histogram struct {
	hdr          *hdrhistogram.Histogram
	count        int64
	min, max     int64
	sumHi, sumLo uint64
	sqHi, sqLo   uint64
}

// NewHistogram returns an empty histogram over 1 µs – 1 h.
func NewHistogram() *Histogram {
	return &Histogram{
		hdr: hdrhistogram.New(LowestValue, HighestValue, SignificantFigures),
		min: math.MaxInt64,
	}
}

// Record adds one value. It is the hot path: no allocation, no lock.
// Negative values (which a monotonic clock never yields) count as 0.
func (h *Histogram) Record(v int64) {
	if v < 0 {
		v = 0
	}
	h.count++
	if v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	var c uint64
	h.sumLo, c = bits.Add64(h.sumLo, uint64(v), 0)
	h.sumHi += c
	hi, lo := bits.Mul64(uint64(v), uint64(v))
	h.sqLo, c = bits.Add64(h.sqLo, lo, 0)
	h.sqHi += hi + c
	if v > HighestValue {
		v = HighestValue
	}
	// Cannot fail: v is in range and one more count cannot overflow int64
	// before h.count does.
	_ = h.hdr.RecordValue(v)
}

// Merge adds everything recorded in o to h. o is unchanged.
func (h *Histogram) Merge(o *Histogram) {
	if o.count == 0 {
		return
	}
	h.hdr.Merge(o.hdr)
	h.count += o.count
	h.min = min(h.min, o.min)
	h.max = max(h.max, o.max)
	var c uint64
	h.sumLo, c = bits.Add64(h.sumLo, o.sumLo, 0)
	h.sumHi += o.sumHi + c
	h.sqLo, c = bits.Add64(h.sqLo, o.sqLo, 0)
	h.sqHi += o.sqHi + c
}

// Count is the number of recorded values.
func (h *Histogram) Count() int64 { return h.count }

// Min is the smallest recorded value, 0 when empty.
func (h *Histogram) Min() int64 {
	if h.count == 0 {
		return 0
	}
	return h.min
}

// Max is the largest recorded value (exact, even above HighestValue), 0 when empty.
func (h *Histogram) Max() int64 { return h.max }

// Mean is the exact arithmetic mean, 0 when empty.
func (h *Histogram) Mean() float64 {
	if h.count == 0 {
		return 0
	}
	return u128Float(h.sumHi, h.sumLo) / float64(h.count)
}

// Sum is the exact sum of the recorded values.
func (h *Histogram) Sum() *big.Int { return u128Big(h.sumHi, h.sumLo) }

// Stdev is the sample standard deviation (n-1 in the denominator, as wrk
// computes it), 0 with fewer than two values. It is computed from the exact
// sums as sqrt((n·Σx² − (Σx)²) / (n·(n−1))) in big integers, so there is no
// cancellation error however large the mean is next to the spread.
func (h *Histogram) Stdev() float64 {
	if h.count < 2 {
		return 0
	}
	n := big.NewInt(h.count)
	num := new(big.Int).Mul(n, u128Big(h.sqHi, h.sqLo))
	s := u128Big(h.sumHi, h.sumLo)
	num.Sub(num, s.Mul(s, s))
	if num.Sign() <= 0 {
		return 0
	}
	den := new(big.Int).Mul(n, big.NewInt(h.count-1))
	v, _ := new(big.Rat).SetFrac(num, den).Float64()
	return math.Sqrt(v)
}

// Percentile is the smallest value v such that more than p percent of the
// values are at or below v, i.e. the value of rank floor(p/100·count)+1: wrk's
// definition, so that the medians agree (of 1..10 both say 6). Unlike wrk, p =
// 100 gives Max rather than 0. The value is within HDR's 0.1% (exact below
// 2048) and never outside [Min, Max]; 0 when empty.
func (h *Histogram) Percentile(p float64) int64 {
	if h.count == 0 {
		return 0
	}
	if p >= 100 {
		return h.max // exact, even when clamped out of the HDR range
	}
	rank := min(max(int64(math.Floor(p*float64(h.count)/100))+1, 1), h.count)
	// HDR rounds p/100·count to the nearest rank; ask it for exactly ours.
	v := h.hdr.ValueAtPercentile(float64(rank) / float64(h.count) * 100)
	if h.max > HighestValue && v >= HighestValue {
		return h.max // the bucket that holds the clamped values: its highest is Max
	}
	return min(max(v, h.Min()), h.max)
}

// WithinStdev is the percentage of values within mean ± n·stdev, wrk's
// "+/- Stdev" column; 0 when empty.
func (h *Histogram) WithinStdev(mean, stdev, n float64) float64 {
	if h.count == 0 {
		return 0
	}
	return float64(h.CountWithin(mean-stdev*n, mean+stdev*n)) / float64(h.count) * 100
}

// CountWithin is the number of values v with lo <= v <= hi. Values in HDR
// buckets wider than 1 (those above 2047) count by the bucket's midpoint,
// brought within [Min, Max], which are exact; values clamped into the HDR
// range count as Max.
func (h *Histogram) CountWithin(lo, hi float64) int64 {
	var in int64
	for _, b := range h.hdr.Distribution() {
		if b.Count == 0 {
			continue
		}
		v := float64(b.From) + float64(b.To-b.From)/2
		if h.max > HighestValue && b.To >= HighestValue {
			v = float64(h.max) // the bucket that holds the clamped values
		}
		v = min(max(v, float64(h.min)), float64(h.max))
		if v >= lo && v <= hi {
			in += b.Count
		}
	}
	return in
}

// HDR is the underlying HdrHistogram, for renderings that need the full
// distribution (JSON, HDR log). Callers must not record into it.
func (h *Histogram) HDR() *hdrhistogram.Histogram { return h.hdr }

func u128Float(hi, lo uint64) float64 {
	return float64(hi)*(1<<64) + float64(lo)
}

func u128Big(hi, lo uint64) *big.Int {
	b := new(big.Int).SetUint64(hi)
	b.Lsh(b, 64)
	return b.Or(b, new(big.Int).SetUint64(lo))
}
