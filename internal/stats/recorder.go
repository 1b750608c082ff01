package stats

import "time"

// RateInterval is how often a thread samples its request rate, as wrk's
// record_rate does (RECORD_INTERVAL_MS).
const RateInterval = 100 * time.Millisecond

// Recorder is one engine thread's record of a run. It has no locks: only the
// goroutine that owns it may touch it until the run ends.
type Recorder struct {
	Counts
	window rateWindow
	series seriesRecorder
}

// Counts is what each thread records and what a run's Result adds up.
type Counts struct {
	Latency     *Histogram // µs from a request's first byte (rate mode: its scheduled time) to its response's last
	Uncorrected *Histogram // rate mode only (else nil): µs from the request's actual first byte
	Rate        *Histogram // req/s, one sample per RateInterval in which requests completed
	Requests    uint64     // complete responses
	InFlight    uint64     // requests written but unanswered when the run ended
	Bytes       uint64     // bytes read from the sockets, whole or partial responses alike
	Errors      Errors
	StatusCodes [600]uint64 // responses by status code; index 0 counts codes outside 1..599

	// Connection setup: connections that became ready to carry requests (after connect,
	// proxy tunnel and TLS), and of them the TLS handshakes, resumed or full.
	Connections, Handshakes, Resumed uint64
	// Origins has each origin's counts when a run has several (else nil), by origin index.
	Origins []OriginCounts
}

func newCounts() Counts { return Counts{Latency: NewHistogram(), Rate: NewHistogram()} }

// add adds o to c, as if both had been recorded together.
func (c *Counts) add(o *Counts) {
	c.Requests += o.Requests
	c.InFlight += o.InFlight
	c.Bytes += o.Bytes
	c.Errors.Merge(&o.Errors)
	c.Latency.Merge(o.Latency)
	c.Uncorrected = mergeOptional(c.Uncorrected, o.Uncorrected)
	c.Rate.Merge(o.Rate)
	for i, n := range o.StatusCodes {
		c.StatusCodes[i] += n
	}
	c.Connections += o.Connections
	c.Handshakes += o.Handshakes
	c.Resumed += o.Resumed
	c.Origins = mergeOrigins(c.Origins, o.Origins)
}

// NewRecorder returns an empty recorder.
func NewRecorder() *Recorder {
	return &Recorder{Counts: newCounts(), series: newSeriesRecorder()}
}

// Response counts one complete response and records its latency in µs.
func (r *Recorder) Response(status int, latencyUs int64) {
	r.Completed(status)
	r.Latency.Record(latencyUs)
	r.series.record(latencyUs)
}

// Completed counts one complete response without a latency sample: wrk
// records one latency per pipelined batch, at the batch's last response.
func (r *Recorder) Completed(status int) {
	r.Requests++
	if uint(status) >= uint(len(r.StatusCodes)) {
		status = 0
	}
	r.StatusCodes[status]++
	if status > 399 || status == 0 {
		r.Errors.Status++
	}
}

// Read counts n bytes read from a socket; n <= 0 (a failed read) counts nothing.
func (r *Recorder) Read(n int) {
	if n > 0 {
		r.Bytes += uint64(n)
	}
}

// rateWindow is the state of the current rate sample: when it began and how
// many requests had completed by then.
type rateWindow struct {
	start   time.Duration
	base    uint64
	started bool
}

// Tick samples the request rate. Call it once when the thread starts and then
// as often as convenient with the thread's monotonic clock (any fixed origin):
// it is two comparisons until RateInterval has passed. Like wrk's record_rate,
// a window in which nothing completed records no sample and keeps growing, so
// the next sample averages over the idle time too; and a final window shorter
// than RateInterval is never recorded. Unlike wrk, the rate divides by the
// window's exact length rather than whole milliseconds.
//
// Tick also closes the seconds of the time series (Series): the first Tick
// starts second 0, which the series takes to be Result.Start.
func (r *Recorder) Tick(now time.Duration) {
	r.series.tick(now, r)
	w := &r.window
	if !w.started {
		*w = rateWindow{start: now, base: r.Requests, started: true}
		return
	}
	elapsed := now - w.start
	if elapsed < RateInterval {
		return
	}
	n := r.Requests - w.base
	if n == 0 {
		return
	}
	r.Rate.Record(int64(float64(n) * float64(time.Second) / float64(elapsed)))
	w.start, w.base = now, r.Requests
}

// Finish ends the thread's record at now, when its run ended. A thread that completed
// requests without ever filling a RateInterval (a run shorter than one sample) records its
// rate over the time it did run, so that Req/Sec shows what there is — one sample, as wrk
// shows for a run of one interval — rather than zeros. Otherwise the last, partial window
// is left out, as wrk does.
func (r *Recorder) Finish(now time.Duration) {
	w := &r.window
	if r.Rate.Count() > 0 || !w.started || now <= w.start || r.Requests == w.base {
		return
	}
	r.Rate.Record(int64(float64(r.Requests-w.base) * float64(time.Second) / float64(now-w.start)))
}
