package stats

import (
	"errors"
	"fmt"
	"math"
	"math/big"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Moments are the exact summary a Histogram keeps beside its HDR counts.
// Together with the counts they are the whole histogram: exporting both and
// restoring them (RestoreHistogram) gives back an equal Histogram, so that
// results written to files merge exactly.
type Moments struct {
	Count    int64
	Min, Max int64    // 0 and 0 when Count is 0; Max is exact even above HighestValue
	Sum      *big.Int // Σv, exact
	SumSq    *big.Int // Σv², exact
}

// Moments returns h's exact summary.
func (h *Histogram) Moments() Moments {
	return Moments{Count: h.count, Min: h.Min(), Max: h.Max(),
		Sum: u128Big(h.sumHi, h.sumLo), SumSq: u128Big(h.sqHi, h.sqLo)}
}

var maxU128 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 128), big.NewInt(1))

// RestoreHistogram rebuilds a Histogram from exported HDR counts (1 µs – 1 h,
// 3 significant digits, as every Histogram has) and moments. It checks that
// the two agree, so that a corrupted or hand-edited file cannot poison a
// merge: the counts' total must be Count, Min and Max must fall in the
// lowest and highest populated buckets, and the sums must be possible for
// Count values between Min and Max. hdr is not retained.
func RestoreHistogram(hdr *hdrhistogram.Histogram, m Moments) (*Histogram, error) {
	if hdr.LowestTrackableValue() != LowestValue || hdr.HighestTrackableValue() != HighestValue ||
		hdr.SignificantFigures() != SignificantFigures {
		return nil, fmt.Errorf("histogram covers %d–%d with %d significant digits, want %d–%d with %d",
			hdr.LowestTrackableValue(), hdr.HighestTrackableValue(), hdr.SignificantFigures(),
			LowestValue, HighestValue, SignificantFigures)
	}
	if m.Sum == nil || m.SumSq == nil {
		return nil, errors.New("missing sum or sum of squares")
	}
	if m.Count < 0 || hdr.TotalCount() != m.Count {
		return nil, fmt.Errorf("count %d does not match the histogram's %d values", m.Count, hdr.TotalCount())
	}
	if m.Sum.Sign() < 0 || m.SumSq.Sign() < 0 || m.Sum.Cmp(maxU128) > 0 || m.SumSq.Cmp(maxU128) > 0 {
		return nil, errors.New("sum or sum of squares out of range")
	}
	h := NewHistogram()
	if m.Count == 0 {
		if m.Min != 0 || m.Max != 0 || m.Sum.Sign() != 0 || m.SumSq.Sign() != 0 {
			return nil, errors.New("an empty histogram with non-zero min, max or sums")
		}
		return h, nil
	}
	if m.Min < 0 || m.Max < m.Min {
		return nil, fmt.Errorf("min %d and max %d are not a range", m.Min, m.Max)
	}
	if !hdr.ValuesAreEquivalent(hdr.Min(), m.Min) || !hdr.ValuesAreEquivalent(hdr.Max(), min(m.Max, HighestValue)) {
		return nil, fmt.Errorf("min %d or max %d lies outside the histogram's values (%d–%d)", m.Min, m.Max, hdr.Min(), hdr.Max())
	}
	// n·min ≤ Σv ≤ n·max, min·Σv ≤ Σv² ≤ max·Σv, and (Σv)² ≤ n·Σv² (Cauchy–Schwarz).
	n := big.NewInt(m.Count)
	lo, hi := big.NewInt(m.Min), big.NewInt(m.Max)
	mul := func(a, b *big.Int) *big.Int { return new(big.Int).Mul(a, b) }
	if m.Sum.Cmp(mul(n, lo)) < 0 || m.Sum.Cmp(mul(n, hi)) > 0 ||
		m.SumSq.Cmp(mul(lo, m.Sum)) < 0 || m.SumSq.Cmp(mul(hi, m.Sum)) > 0 ||
		mul(m.Sum, m.Sum).Cmp(mul(n, m.SumSq)) > 0 {
		return nil, errors.New("sums impossible for the count, min and max")
	}
	if dropped := h.hdr.Merge(hdr); dropped != 0 {
		return nil, fmt.Errorf("%d values out of range", dropped)
	}
	h.count, h.min, h.max = m.Count, m.Min, m.Max
	h.sumHi, h.sumLo = splitU128(m.Sum)
	h.sqHi, h.sqLo = splitU128(m.SumSq)
	return h, nil
}

// splitU128 splits 0 <= b < 2^128 into its high and low 64 bits.
func splitU128(b *big.Int) (hi, lo uint64) {
	lo = new(big.Int).And(b, new(big.Int).SetUint64(math.MaxUint64)).Uint64()
	hi = new(big.Int).Rsh(b, 64).Uint64()
	return hi, lo
}
