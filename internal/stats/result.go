package stats

import "time"

// Result is the merged outcome of a run: one Result, many renderings
// (docs/architecture.md, decision 9). It also merges with other Results, for distributed runs.
type Result struct {
	Start   time.Time     // wall clock when the run started (aligns merged time series)
	Elapsed time.Duration // measured run time
	Counts                // all threads' together; Rate holds every thread's samples
	Series  Series        // per second from Start: requests, errors, latency
}

// NewResult returns an empty Result.
func NewResult() *Result {
	return &Result{Counts: newCounts(), Series: Series{Interval: SeriesInterval}}
}

// Merge merges the recorders of a run's threads. Set Elapsed on the result.
func Merge(recs ...*Recorder) *Result {
	r := NewResult()
	for _, rec := range recs {
		r.Add(rec)
	}
	return r
}

// Add adds one thread's recorder to r. rec is unchanged.
func (r *Result) Add(rec *Recorder) {
	r.add(&rec.Counts)
	snap := rec.series.snapshot(rec)
	r.Series.Merge(&snap, 0, 0) // a run's threads share its start
}

// Merge adds o to r, as if both had been one run; the elapsed time is the
// longer of the two, since the runs were concurrent.
func (r *Result) Merge(o *Result) {
	offR, offO := startOffsets(r.Start, o.Start)
	r.Series.Merge(&o.Series, offR, offO)
	r.Elapsed = max(r.Elapsed, o.Elapsed)
	if r.Start.IsZero() || (!o.Start.IsZero() && o.Start.Before(r.Start)) {
		r.Start = o.Start
	}
	r.add(&o.Counts)
}

// RequestsPerSec is completed requests per second of Elapsed, 0 when Elapsed
// is not positive. Like wrk, it divides by the elapsed time in whole µs.
func (r *Result) RequestsPerSec() float64 { return r.perSec(r.Requests) }

// BytesPerSec is bytes read per second of Elapsed, 0 when Elapsed is not positive.
func (r *Result) BytesPerSec() float64 { return r.perSec(r.Bytes) }

func (r *Result) perSec(n uint64) float64 {
	us := r.Elapsed.Microseconds()
	if us <= 0 {
		return 0
	}
	return float64(n) / (float64(us) / 1e6)
}

// mergeOptional merges a histogram that only some runs have (rate mode's uncorrected latency).
func mergeOptional(into, from *Histogram) *Histogram {
	if from == nil {
		return into
	}
	if into == nil {
		into = NewHistogram()
	}
	into.Merge(from)
	return into
}

// startOffsets are the times from the earlier of two starts to each, in whole
// seconds (rounded), so that time series merge by wall-clock second. A zero
// start (unknown) counts as the other.
func startOffsets(a, b time.Time) (offA, offB time.Duration) {
	if a.IsZero() || b.IsZero() {
		return 0, 0
	}
	d := b.Sub(a).Round(time.Second)
	if d < 0 {
		return -d, 0
	}
	return 0, d
}
