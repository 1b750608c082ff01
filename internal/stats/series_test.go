package stats

import (
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// run feeds a recorder as the engine does: Tick every 100 ms, with the given
// responses per tick (latency µs, status) and an error every tenth tick.
func run(r *Recorder, ticks int, perTick func(tick int) []int64) {
	r.Tick(0)
	for i := 1; i <= ticks; i++ {
		for _, v := range perTick(i) {
			status := 200
			if v%7 == 0 {
				status = 503
			}
			r.Response(status, v)
		}
		if i%10 == 0 {
			r.Errors.Add(KindTimeout, "")
		}
		r.Tick(time.Duration(i) * 100 * time.Millisecond)
	}
}

func TestSeriesPerSecond(t *testing.T) {
	r := NewRecorder()
	// 25 ticks: seconds 0 and 1 complete, 0.5 s of second 2 pending.
	run(r, 25, func(tick int) []int64 {
		if tick <= 10 {
			return []int64{100, 200} // second 0: 20 responses
		}
		return []int64{1000} // later: 1 per tick
	})
	res := Merge(r)
	s := res.Series
	if s.Interval != time.Second || len(s.Points) != 3 {
		t.Fatalf("interval %v, %d points, want 1s and 3", s.Interval, len(s.Points))
	}
	// Tick 10 (t = 1 s) closes second 0 with what happened up to then.
	want := []struct {
		requests, errors uint64
		latencies        int64
	}{{20, 1, 20}, {10, 1, 10}, {5, 0, 5}}
	for i, w := range want {
		p := s.Points[i]
		if p.Requests != w.requests || p.Errors != w.errors || p.Latency.TotalCount() != w.latencies {
			t.Errorf("point %d: %d requests %d errors %d latencies, want %+v", i, p.Requests, p.Errors, p.Latency.TotalCount(), w)
		}
	}
	if p := s.Points[0].Latency.ValueAtPercentile(50); p != 100 {
		t.Errorf("second 0 p50 = %d, want 100", p)
	}
	if p := s.Points[1].Latency.ValueAtPercentile(99); p < 1000 || p > 1010 {
		t.Errorf("second 1 p99 = %d, want 1000 within 1%%", p)
	}
	req, errs, _ := s.Totals()
	if req != res.Requests || errs != res.Errors.Timeout {
		t.Errorf("series totals %d requests %d errors; result %d %d", req, errs, res.Requests, res.Errors.Timeout)
	}
	// The snapshot left the recorder's own series alone.
	if n := len(r.series.series.Points); n != 2 {
		t.Errorf("recorder holds %d closed points, want 2", n)
	}
}

func TestSeriesNon2xxAndIdleSeconds(t *testing.T) {
	r := NewRecorder()
	r.Tick(0)
	r.Response(500, 10)
	r.Response(200, 10)
	r.Tick(3500 * time.Millisecond) // a stalled thread: seconds 1 and 2 pass unseen
	r.Response(404, 10)
	res := Merge(r)
	s := res.Series
	if len(s.Points) != 4 {
		t.Fatalf("%d points, want 4", len(s.Points))
	}
	if s.Points[0].Non2xx != 1 || s.Points[0].Requests != 2 || s.Points[1].Requests != 0 ||
		s.Points[1].Latency != nil || s.Points[3].Non2xx != 1 {
		t.Fatalf("points %+v", s.Points)
	}
}

func TestSeriesWithoutTicks(t *testing.T) {
	r := NewRecorder()
	r.Response(200, 5)
	res := Merge(r)
	if len(res.Series.Points) != 1 || res.Series.Points[0].Requests != 1 {
		t.Fatalf("points %+v", res.Series.Points)
	}
	if res := Merge(NewRecorder()); len(res.Series.Points) != 0 {
		t.Fatalf("an idle recorder has points %+v", res.Series.Points)
	}
}

func TestSeriesCoarsensPastMaxPoints(t *testing.T) {
	r := NewRecorder()
	secs := MaxSeriesPoints + 5
	r.Tick(0)
	for i := 1; i <= secs; i++ {
		r.Response(200, int64(i))
		r.Tick(time.Duration(i) * time.Second)
	}
	r.Response(200, 1) // pending in second secs
	res := Merge(r)
	s := res.Series
	if s.Interval != 2*time.Second || len(s.Points) != (secs+2)/2 {
		t.Fatalf("interval %v, %d points", s.Interval, len(s.Points))
	}
	if req, _, _ := s.Totals(); req != uint64(secs+1) {
		t.Fatalf("coarsened series counts %d requests, want %d", req, secs+1)
	}
	if s.Points[0].Requests != 2 || s.Points[0].Latency.Max() != 2 {
		t.Fatalf("first coarse point %+v", s.Points[0])
	}
}

func TestSeriesBucketBound(t *testing.T) {
	r := NewRecorder()
	r.Tick(0)
	// Every second populates about 1100 distinct buckets (1 µs – 4 ms).
	secs := MaxSeriesBuckets/1000 + 10
	for i := 1; i <= secs; i++ {
		for v := int64(1); v < 4_000_000; v = v*101/100 + 1 {
			r.Response(200, v)
		}
		r.Tick(time.Duration(i) * time.Second)
	}
	s := &r.series.series
	if s.Interval != 2*time.Second || s.buckets() > MaxSeriesBuckets {
		t.Fatalf("interval %v with %d buckets", s.Interval, s.buckets())
	}
}

func TestResultMergeAlignsSeriesByStart(t *testing.T) {
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	mk := func(start time.Time, seconds int) *Result {
		r := NewRecorder()
		r.Tick(0)
		for i := 1; i <= seconds; i++ {
			r.Response(200, int64(100*i))
			r.Tick(time.Duration(i) * time.Second)
		}
		res := Merge(r)
		res.Start = start
		return res
	}
	a := mk(t0.Add(3*time.Second+400*time.Millisecond), 2) // starts 3.4 s later: rounds to 3
	b := mk(t0, 4)
	a.Merge(b)
	if !a.Start.Equal(t0) {
		t.Fatalf("start %v, want the earlier %v", a.Start, t0)
	}
	got := make([]uint64, len(a.Series.Points))
	for i, p := range a.Series.Points {
		got[i] = p.Requests
	}
	if len(got) != 5 || got[0] != 1 || got[2] != 1 || got[3] != 2 || got[4] != 1 {
		t.Fatalf("merged requests per second %v, want [1 1 1 2 1]", got)
	}
	if a.Series.Points[3].Latency.TotalCount() != 2 {
		t.Fatalf("second 3 holds %d latencies", a.Series.Points[3].Latency.TotalCount())
	}
	// b is unchanged by the merge.
	if b.Series.Points[3].Latency.TotalCount() != 1 {
		t.Fatal("merge changed its source")
	}
}

func TestSeriesMergeIntervals(t *testing.T) {
	fine := Series{Interval: time.Second}
	coarse := Series{Interval: 4 * time.Second}
	for i := range 10 {
		fine.put(i, &Point{Requests: 1}, false)
	}
	for i := range 3 {
		coarse.put(i, &Point{Requests: 10}, false)
	}
	fine.Merge(&coarse, 0, 2*time.Second) // coarse starts 2 s later
	if fine.Interval != 4*time.Second || len(fine.Points) != 3 {
		t.Fatalf("interval %v, %d points", fine.Interval, len(fine.Points))
	}
	// The coarse points start at 2, 6 and 10 s: each lands in the point of its start.
	want := []uint64{4 + 10, 4 + 10, 2 + 10}
	for i, w := range want {
		if fine.Points[i].Requests != w {
			t.Errorf("point %d: %d requests, want %d", i, fine.Points[i].Requests, w)
		}
	}
}

func TestHistogramExportRestore(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	h := NewHistogram()
	for range 20_000 {
		h.Record(int64(rng.ExpFloat64() * 3000))
	}
	h.Record(HighestValue * 2) // clamped in HDR, exact in the moments
	enc, err := h.HDR().Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := hdrhistogram.Decode(enc)
	if err != nil {
		t.Fatal(err)
	}
	g, err := RestoreHistogram(dec, h.Moments())
	if err != nil {
		t.Fatal(err)
	}
	if g.Count() != h.Count() || g.Min() != h.Min() || g.Max() != h.Max() || g.Mean() != h.Mean() ||
		g.Stdev() != h.Stdev() || g.Sum().Cmp(h.Sum()) != 0 {
		t.Fatalf("restored %d %d %d %v %v, want %d %d %d %v %v", g.Count(), g.Min(), g.Max(), g.Mean(), g.Stdev(),
			h.Count(), h.Min(), h.Max(), h.Mean(), h.Stdev())
	}
	for _, p := range []float64{0, 50, 90, 99, 99.9, 99.99, 100} {
		if g.Percentile(p) != h.Percentile(p) {
			t.Errorf("p%v: %d, want %d", p, g.Percentile(p), h.Percentile(p))
		}
	}
	empty, err := RestoreHistogram(NewHistogram().HDR(), NewHistogram().Moments())
	if err != nil || empty.Count() != 0 || empty.Min() != 0 {
		t.Fatalf("empty: %v %v", empty, err)
	}

	bad := func(name string, mod func(*Moments)) {
		m := h.Moments()
		mod(&m)
		if _, err := RestoreHistogram(dec, m); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	bad("count", func(m *Moments) { m.Count++ })
	bad("min", func(m *Moments) { m.Min += 5000 })
	bad("max", func(m *Moments) { m.Max = 10 })
	bad("inverted", func(m *Moments) { m.Min, m.Max = m.Max, m.Min })
	bad("sum", func(m *Moments) { m.Sum.Mul(big.NewInt(m.Count), big.NewInt(m.Max+1)) })
	bad("sumsq", func(m *Moments) { m.SumSq.SetInt64(0) })
	bad("negative sumsq", func(m *Moments) { m.SumSq.SetInt64(-1) })
	bad("huge sum", func(m *Moments) { m.Sum.Lsh(m.Sum, 200) })
	bad("nil sum", func(m *Moments) { m.Sum = nil })
	other := hdrhistogram.New(LowestValue, HighestValue, SeriesSignificantFigures)
	if _, err := RestoreHistogram(other, Moments{Sum: new(big.Int), SumSq: new(big.Int)}); err == nil {
		t.Error("a histogram of another geometry was accepted")
	}
}

// The series' own bucket layout must be HDR's at 2 significant digits, so
// that moving counts into a PackedHistogram changes nothing.
func TestSeriesIndexIsHDRLayout(t *testing.T) {
	h := hdrhistogram.New(LowestValue, HighestValue, SeriesSignificantFigures)
	for v := int64(0); v <= HighestValue; v = v*1001/1000 + 1 {
		i := seriesIndex(v)
		lo, next := seriesValue(i), seriesValue(i+1)
		if lo > v || v >= next || !h.ValuesAreEquivalent(lo, v) || h.ValuesAreEquivalent(next, v) {
			t.Fatalf("value %d: bucket %d is [%d, %d)", v, i, lo, next)
		}
	}
	if i := seriesIndex(HighestValue); i >= seriesBuckets {
		t.Fatalf("HighestValue maps to %d of %d buckets", i, seriesBuckets)
	}
}
