package stats

import (
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
)

// naive computes what Histogram must report exactly, the slow way.
func naive(vs []int64) (mean, stdev float64) {
	if len(vs) == 0 {
		return 0, 0
	}
	var sum float64
	for _, v := range vs {
		sum += float64(v)
	}
	mean = sum / float64(len(vs))
	if len(vs) < 2 {
		return mean, 0
	}
	var ss float64
	for _, v := range vs {
		d := float64(v) - mean
		ss += d * d
	}
	return mean, math.Sqrt(ss / float64(len(vs)-1))
}

func closeTo(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

func TestHistogramEmpty(t *testing.T) {
	h := NewHistogram()
	if h.Count() != 0 || h.Min() != 0 || h.Max() != 0 || h.Mean() != 0 || h.Stdev() != 0 ||
		h.Percentile(50) != 0 || h.Percentile(100) != 0 || h.WithinStdev(0, 0, 1) != 0 {
		t.Fatalf("empty histogram reports non-zero: count %d min %d max %d mean %v stdev %v p50 %d",
			h.Count(), h.Min(), h.Max(), h.Mean(), h.Stdev(), h.Percentile(50))
	}
}

func TestHistogramOneValue(t *testing.T) {
	h := NewHistogram()
	h.Record(1234)
	if h.Count() != 1 || h.Min() != 1234 || h.Max() != 1234 || h.Mean() != 1234 || h.Stdev() != 0 {
		t.Fatalf("got count %d min %d max %d mean %v stdev %v", h.Count(), h.Min(), h.Max(), h.Mean(), h.Stdev())
	}
	for _, p := range []float64{0, 50, 99.9, 100} {
		if got := h.Percentile(p); got != 1234 {
			t.Errorf("Percentile(%v) = %d, want 1234", p, got)
		}
	}
}

func TestHistogramExactMoments(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var vs []int64
	h := NewHistogram()
	for range 100_000 {
		v := int64(rng.ExpFloat64() * 5000) // long-tailed, like latencies
		vs = append(vs, v)
		h.Record(v)
	}
	mean, stdev := naive(vs)
	if !closeTo(h.Mean(), mean) || !closeTo(h.Stdev(), stdev) {
		t.Fatalf("mean %v stdev %v, want %v %v", h.Mean(), h.Stdev(), mean, stdev)
	}
	if h.Min() != slices.Min(vs) || h.Max() != slices.Max(vs) {
		t.Fatalf("min %d max %d, want %d %d", h.Min(), h.Max(), slices.Min(vs), slices.Max(vs))
	}
	slices.Sort(vs)
	for _, p := range []float64{1, 50, 75, 90, 99, 99.9, 99.99} {
		want := vs[int(math.Floor(p*float64(len(vs))/100))]
		got := h.Percentile(p)
		if math.Abs(float64(got-want)) > 0.001*float64(want)+1 {
			t.Errorf("Percentile(%v) = %d, want %d within 0.1%%", p, got, want)
		}
	}
}

// A large mean next to a tiny spread is where a float sum of squares cancels
// to garbage; the exact sums must not.
func TestHistogramStdevNoCancellation(t *testing.T) {
	h := NewHistogram()
	base := int64(3_000_000_000)
	for i := range 1000 {
		h.Record(base + int64(i%2)) // stdev ≈ 0.5
	}
	want := math.Sqrt(0.25 * 1000 / 999)
	if !closeTo(h.Stdev(), want) {
		t.Fatalf("stdev %v, want %v", h.Stdev(), want)
	}
	if h.Mean() != float64(base)+0.5 {
		t.Fatalf("mean %v, want %v", h.Mean(), float64(base)+0.5)
	}
}

// Below 2048 the HDR histogram is exact, so percentiles must be exactly wrk's:
// sorted[floor(p/100·n)], the last value at p = 100.
func TestHistogramPercentileNearestRank(t *testing.T) {
	for _, n := range []int{1, 2, 3, 10, 100, 1000, 7919} {
		rng := rand.New(rand.NewPCG(7, 5))
		h := NewHistogram()
		vs := make([]int64, n)
		for i := range vs {
			vs[i] = rng.Int64N(2048)
			h.Record(vs[i])
		}
		slices.Sort(vs)
		for _, p := range []float64{0, 0.1, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 100} {
			rank := min(int(math.Floor(p*float64(n)/100))+1, n)
			if got := h.Percentile(p); got != vs[rank-1] {
				t.Errorf("n=%d: Percentile(%v) = %d, want %d (rank %d)", n, p, got, vs[rank-1], rank)
			}
		}
	}
	// wrk's median of an even count is the upper one.
	h := NewHistogram()
	for v := int64(1); v <= 10; v++ {
		h.Record(v)
	}
	if got := h.Percentile(50); got != 6 {
		t.Errorf("median of 1..10 = %d, want 6", got)
	}
}

func TestHistogramSum(t *testing.T) {
	h := NewHistogram()
	h.Record(math.MaxInt64)
	h.Record(math.MaxInt64)
	h.Record(3)
	want := new(big.Int).Mul(big.NewInt(math.MaxInt64), big.NewInt(2))
	want.Add(want, big.NewInt(3))
	if h.Sum().Cmp(want) != 0 {
		t.Fatalf("Sum = %v, want %v", h.Sum(), want)
	}
}

func TestHistogramClampsAboveRange(t *testing.T) {
	h := NewHistogram()
	h.Record(10)
	h.Record(HighestValue * 3)
	h.Record(-5)
	if h.Max() != HighestValue*3 || h.Min() != 0 || h.Count() != 3 {
		t.Fatalf("max %d min %d count %d", h.Max(), h.Min(), h.Count())
	}
	if h.Mean() != float64(HighestValue*3+10)/3 {
		t.Fatalf("mean %v", h.Mean())
	}
	if h.HDR().TotalCount() != 3 {
		t.Fatalf("HDR total %d, want 3", h.HDR().TotalCount())
	}
	if got := h.Percentile(100); got != HighestValue*3 {
		t.Fatalf("Percentile(100) = %d, want the exact max", got)
	}
	if got := h.Percentile(90); got != HighestValue*3 {
		t.Fatalf("Percentile(90) = %d, want Max, the highest value of the clamp bucket", got)
	}
	if got := h.Percentile(50); got != 10 {
		t.Fatalf("Percentile(50) = %d, want 10", got)
	}
	if got := h.WithinStdev(h.Mean(), h.Stdev(), 1); math.Abs(got-200.0/3) > 1e-9 {
		// 0 and 10 lie within one stdev of the mean, the clamped outlier not.
		t.Fatalf("WithinStdev = %v, want 66.67", got)
	}
}

func TestHistogramMergeEqualsOne(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	all, a, b := NewHistogram(), NewHistogram(), NewHistogram()
	for i := range 50_000 {
		v := rng.Int64N(1_000_000)
		all.Record(v)
		if i%3 == 0 {
			a.Record(v)
		} else {
			b.Record(v)
		}
	}
	a.Merge(b)
	a.Merge(NewHistogram())
	if a.Count() != all.Count() || a.Min() != all.Min() || a.Max() != all.Max() ||
		a.Mean() != all.Mean() || a.Stdev() != all.Stdev() {
		t.Fatalf("merged %d %d %d %v %v, want %d %d %d %v %v",
			a.Count(), a.Min(), a.Max(), a.Mean(), a.Stdev(),
			all.Count(), all.Min(), all.Max(), all.Mean(), all.Stdev())
	}
	for _, p := range []float64{50, 90, 99, 99.9} {
		if a.Percentile(p) != all.Percentile(p) {
			t.Errorf("Percentile(%v) %d, want %d", p, a.Percentile(p), all.Percentile(p))
		}
	}
	empty := NewHistogram()
	empty.Merge(a)
	if empty.Min() != all.Min() || empty.Count() != all.Count() {
		t.Fatalf("merge into empty: min %d count %d", empty.Min(), empty.Count())
	}
}

func TestHistogramWithinStdev(t *testing.T) {
	h := NewHistogram()
	// 8 values at 100, one at 90 and one at 110: mean 100, stdev sqrt(200/9)≈4.71,
	// so exactly the eight central values are within one stdev.
	for range 8 {
		h.Record(100)
	}
	h.Record(90)
	h.Record(110)
	if got := h.WithinStdev(h.Mean(), h.Stdev(), 1); got != 80 {
		t.Fatalf("within 1 stdev = %v, want 80", got)
	}
	if got := h.WithinStdev(h.Mean(), h.Stdev(), 3); got != 100 {
		t.Fatalf("within 3 stdev = %v, want 100", got)
	}
	// Two clusters in 4-wide HDR buckets, with mean ± stdev falling just past
	// 5100, inside the bucket [5100, 5103]: as wrk, all values are within one
	// stdev, because no value in that bucket exceeds the exact max.
	h = NewHistogram()
	for range 20 {
		h.Record(4900)
		h.Record(5100)
	}
	if got := h.WithinStdev(h.Mean(), h.Stdev(), 1); got != 100 {
		t.Fatalf("within 1 stdev of two clusters = %v, want 100", got)
	}
}
