package stats

import "time"

// Result is the merged outcome of a run: one Result, many renderings
// (DESIGN decision 9). It also merges with other Results, for distributed runs.
type Result struct {
	Elapsed     time.Duration // measured run time
	Requests    uint64
	Bytes       uint64
	Errors      Errors
	Latency     *Histogram // µs
	Rate        *Histogram // req/s samples, per thread
	StatusCodes [600]uint64
}

// NewResult returns an empty Result.
func NewResult() *Result {
	return &Result{Latency: NewHistogram(), Rate: NewHistogram()}
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
	r.Requests += rec.Requests
	r.Bytes += rec.Bytes
	r.Errors.Merge(&rec.Errors)
	r.Latency.Merge(rec.Latency)
	r.Rate.Merge(rec.Rate)
	for i, n := range rec.StatusCodes {
		r.StatusCodes[i] += n
	}
}

// Merge adds o to r, as if both had been one run; the elapsed time is the
// longer of the two, since the runs were concurrent.
func (r *Result) Merge(o *Result) {
	r.Elapsed = max(r.Elapsed, o.Elapsed)
	r.Requests += o.Requests
	r.Bytes += o.Bytes
	r.Errors.Merge(&o.Errors)
	r.Latency.Merge(o.Latency)
	r.Rate.Merge(o.Rate)
	for i, n := range o.StatusCodes {
		r.StatusCodes[i] += n
	}
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
