package stats

import (
	"math/bits"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// A run's time series: what happened in each second, for plots, the JSON
// report, the HDR interval log and merging runs by wall-clock time.
//
// Memory is bounded whatever the run's length. A point's latencies are an
// HdrHistogram with 2 significant digits (1% resolution), kept sparse: a few
// bytes per populated bucket, a few KB for a busy second. A series holds at
// most MaxSeriesPoints points and MaxSeriesBuckets populated buckets over all
// of them; past either bound it coarsens: neighbouring points merge and the
// interval doubles (1 s, 2 s, 4 s, …). A one-hour run keeps 1 s resolution.
const (
	SeriesInterval           = time.Second // the interval of a series that never coarsened
	MaxSeriesPoints          = 3600
	MaxSeriesBuckets         = 1 << 19 // ~3 MB of sparse histogram per series
	SeriesSignificantFigures = 2
)

// Point is what happened in one interval of a run.
type Point struct {
	Requests uint64 // responses completed
	Errors   uint64 // socket errors: connect, read, write, timeout
	Non2xx   uint64 // responses with an error status (see Errors.Status)
	// Latency holds the interval's latencies in µs (HDR, 2 significant
	// digits, 1 µs – 1 h); nil when none were recorded.
	Latency *hdrhistogram.PackedHistogram
}

// Series is a run's time series: Points[i] covers [i·Interval, (i+1)·Interval)
// from the run's start (Result.Start). Responses are counted in the interval
// in which the recorder's Tick saw them, so a point may hold up to one tick
// period (~100 ms) of the next interval's responses.
type Series struct {
	Interval time.Duration // SeriesInterval times a power of two
	Points   []Point
}

// NewSeriesHistogram returns an empty histogram for Point.Latency.
func NewSeriesHistogram() *hdrhistogram.PackedHistogram {
	return hdrhistogram.NewPacked(LowestValue, HighestValue, SeriesSignificantFigures)
}

// ValidSeriesHistogram reports whether h has the geometry of a point's
// latency histogram, so that merging it loses nothing.
func ValidSeriesHistogram(h *hdrhistogram.PackedHistogram) bool {
	return h.LowestTrackableValue() == LowestValue && h.HighestTrackableValue() == HighestValue &&
		h.SignificantFigures() == SeriesSignificantFigures
}

// Totals adds up the series' counts.
func (s *Series) Totals() (requests, errors, non2xx uint64) {
	for i := range s.Points {
		p := &s.Points[i]
		requests += p.Requests
		errors += p.Errors
		non2xx += p.Non2xx
	}
	return requests, errors, non2xx
}

// Merge adds o to s. Each series' points are placed by start time: offS and
// offO are the times from a common origin to the start of s and of o (both
// ≥ 0, typically whole seconds). The merged series has the coarser of the two
// intervals, and coarsens further if it grows past the bounds. o is unchanged.
func (s *Series) Merge(o *Series, offS, offO time.Duration) {
	if s.Interval == 0 {
		s.Interval = SeriesInterval
	}
	interval := max(s.Interval, o.Interval)
	for s.Interval < interval {
		s.coarsen()
	}
	if offS > 0 {
		old := s.Points
		s.Points = nil
		for i := range old {
			s.put(s.index(offS+time.Duration(i)*s.Interval), &old[i], false)
		}
	}
	for i := range o.Points {
		s.put(s.index(offO+time.Duration(i)*o.Interval), &o.Points[i], true)
	}
	s.bound()
}

// index is the point that holds what happened at t from the series' start.
func (s *Series) index(t time.Duration) int {
	return int(max(t, 0) / s.Interval)
}

// put adds p to point i, growing the series as needed. With clone, p's
// histogram is copied rather than taken over.
func (s *Series) put(i int, p *Point, clone bool) {
	for len(s.Points) <= i {
		s.Points = append(s.Points, Point{})
	}
	q := &s.Points[i]
	q.Requests += p.Requests
	q.Errors += p.Errors
	q.Non2xx += p.Non2xx
	switch {
	case p.Latency == nil || p.Latency.TotalCount() == 0:
	case q.Latency == nil && clone:
		q.Latency = p.Latency.Clone()
	case q.Latency == nil:
		q.Latency = p.Latency
	default:
		q.Latency.Merge(p.Latency)
	}
}

// bound coarsens the series until it is within MaxSeriesPoints and
// MaxSeriesBuckets.
func (s *Series) bound() {
	for len(s.Points) > 1 && (len(s.Points) > MaxSeriesPoints || s.buckets() > MaxSeriesBuckets) {
		s.coarsen()
	}
}

func (s *Series) buckets() int {
	n := 0
	for i := range s.Points {
		if h := s.Points[i].Latency; h != nil {
			n += int(h.Populated())
		}
	}
	return n
}

// coarsen doubles the interval, merging each pair of neighbouring points.
func (s *Series) coarsen() {
	old := s.Points
	s.Points = make([]Point, 0, (len(old)+1)/2)
	s.Interval *= 2
	for i := range old {
		s.put(i/2, &old[i], false)
	}
	for i := range s.Points {
		if h := s.Points[i].Latency; h != nil {
			h.Compact()
		}
	}
}

// seriesRecorder builds one thread's series. The current second's latencies
// go into a dense array laid out as an HDR histogram with 2 significant
// digits (recording is a shift and an increment); each second they move into
// a sparse point.
type seriesRecorder struct {
	series  Series
	active  *[seriesBuckets]uint32 // counts by HDR bucket; a second cannot hold 2^32 responses
	latency bool                   // active holds a count
	origin  time.Duration          // the first Tick's time: second 0 starts here
	next    time.Duration          // end of the current second
	started bool
	// Counts at the start of the current second.
	requests, errors, non2xx uint64
}

// HDR's bucket layout at 2 significant digits, unit 1 µs: values below 256
// are exact, then each power of two splits into 128 sub-buckets.
const (
	seriesExact   = 256
	seriesHalf    = 128
	seriesBuckets = (32 - 8 + 2) * seriesHalf // covers HighestValue < 2^32
)

func seriesIndex(us int64) int {
	if us < seriesExact {
		return int(us)
	}
	shift := bits.Len64(uint64(us)) - 8
	return shift*seriesHalf + int(us>>shift)
}

// seriesValue is the lowest value of bucket i.
func seriesValue(i int) int64 {
	if i < seriesExact {
		return int64(i)
	}
	shift := i/seriesHalf - 1
	return int64(i-shift*seriesHalf) << shift
}

func newSeriesRecorder() seriesRecorder {
	return seriesRecorder{series: Series{Interval: SeriesInterval}, active: new([seriesBuckets]uint32)}
}

// record adds one latency in µs, clamped into range as Histogram.Record does.
func (s *seriesRecorder) record(us int64) {
	s.active[seriesIndex(min(max(us, 0), HighestValue))]++
	s.latency = true
}

// tick closes every second that ended by now; the counts are r's totals.
func (s *seriesRecorder) tick(now time.Duration, r *Recorder) {
	if !s.started {
		s.origin, s.next, s.started = now, now+time.Second, true
		return
	}
	for now >= s.next {
		p := s.pending(r)
		if s.latency {
			*s.active = [seriesBuckets]uint32{}
			s.latency = false
		}
		s.requests, s.errors, s.non2xx = r.Requests, socketErrors(&r.Errors), r.Errors.Status
		s.series.put(s.series.index(s.next-time.Second-s.origin), &p, false)
		s.series.bound()
		s.next += time.Second
	}
}

// pending is the current second's point so far, leaving s unchanged.
func (s *seriesRecorder) pending(r *Recorder) Point {
	p := Point{
		Requests: r.Requests - s.requests,
		Errors:   socketErrors(&r.Errors) - s.errors,
		Non2xx:   r.Errors.Status - s.non2xx,
	}
	if s.latency {
		p.Latency = NewSeriesHistogram()
		for i, n := range s.active {
			if n != 0 {
				_ = p.Latency.RecordValues(seriesValue(i), int64(n)) // in range, ascending: appends
			}
		}
	}
	return p
}

// snapshot is the series including the current, unfinished second. It
// shares histograms with s: merge it with clone semantics (Series.Merge).
func (s *seriesRecorder) snapshot(r *Recorder) Series {
	out := Series{Interval: s.series.Interval, Points: s.series.Points}
	p := s.pending(r)
	if p == (Point{}) {
		return out
	}
	i := 0
	if s.started {
		i = s.series.index(s.next - time.Second - s.origin)
	}
	if i < len(out.Points) {
		// The current second shares a coarsened point: add to a copy.
		out.Points = append([]Point(nil), out.Points...)
		q := out.Points[i]
		if q.Latency != nil {
			q.Latency = q.Latency.Clone()
		}
		out.Points[i] = Point{}
		tmp := Series{Interval: out.Interval, Points: out.Points}
		tmp.put(i, &q, false)
		tmp.put(i, &p, false)
		return tmp
	}
	out.Points = append(out.Points[:len(out.Points):len(out.Points)], make([]Point, i-len(out.Points))...)
	out.Points = append(out.Points, p)
	return out
}

// socketErrors are the errors that are not responses: wrk's socket errors.
func socketErrors(e *Errors) uint64 { return e.Connect + e.Read + e.Write + e.Timeout }
