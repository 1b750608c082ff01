package report

import (
	"fmt"
	"math"
	"strings"
	"time"

	"volley/internal/stats"
)

// spectrumPercentiles are the rows of wrk2's HdrHistogram latency distribution.
var spectrumPercentiles = []float64{50, 75, 90, 99, 99.9, 99.99, 99.999, 100}

// lagWarning is the generator lag (p99) past which the report says that volley itself could not
// keep the schedule.
const lagWarning = time.Millisecond

// writeSpectrum writes wrk2's rate-mode latency block, so that parsers of wrk2's output keep
// working: the percentile rows, then HdrHistogram's classic percentile spectrum in ms.
func writeSpectrum(b *strings.Builder, title string, h *stats.Histogram) {
	fmt.Fprintf(b, "  Latency Distribution (HdrHistogram - %s)\n", title)
	for _, p := range spectrumPercentiles {
		fmt.Fprintf(b, "%7.3f%%", p)
		writeCell(b, formatTimeUs(extInt64(h.Percentile(p))), 10)
		b.WriteByte('\n')
	}
	b.WriteString("\n  Detailed Percentile spectrum:\n")
	fmt.Fprintf(b, "%12s %12s %12s %12s\n\n", "Value", "Percentile", "TotalCount", "1/(1-Percentile)")
	if h.Count() > 0 {
		for _, br := range h.HDR().CumulativeDistributionWithTicks(5) {
			q := br.Quantile / 100
			inv := fmt.Sprintf("%12.2f", 1/(1-q))
			if q >= 1 {
				inv = fmt.Sprintf("%12s", "inf")
			}
			fmt.Fprintf(b, "%12.3f %12f %12d %s\n", float64(br.ValueAt)/1000, q, br.Count, inv)
		}
	}
	fmt.Fprintf(b, "#[Mean    = %12.3f, StdDeviation   = %12.3f]\n", h.Mean()/1000, h.Stdev()/1000)
	fmt.Fprintf(b, "#[Max     = %12.3f, Total count    = %12d]\n", float64(h.Max())/1000, h.Count())
	buckets, sub := hdrGeometry()
	fmt.Fprintf(b, "#[Buckets = %12d, SubBuckets     = %12d]\n", buckets, sub)
	b.WriteString("----------------------------------------------------------\n")
}

// hdrGeometry is the bucket layout of stats' histograms, as HdrHistogram computes it.
func hdrGeometry() (buckets, subBuckets int) {
	largest := 2 * math.Pow(10, stats.SignificantFigures)
	subBuckets = 1 << int(math.Ceil(math.Log2(largest)))
	smallestUntrackable := int64(subBuckets) // unit magnitude 0: the lowest value is 1
	buckets = 1
	for smallestUntrackable <= stats.HighestValue {
		smallestUntrackable <<= 1
		buckets++
	}
	return buckets, subBuckets
}

// writeRateLines says what volley adds to a rate-mode run: the rate asked for next to the
// rate achieved, requests left without an answer at the end, and whether the generator itself
// fell behind its schedule.
func writeRateLines(b *strings.Builder, run Run, r *stats.Result) {
	if r.InFlight > 0 {
		fmt.Fprintf(b, "  In flight at the end: %d requests (sent, unanswered, not counted)\n", r.InFlight)
	}
	if run.Rate <= 0 {
		return
	}
	achieved := r.RequestsPerSec()
	fmt.Fprintf(b, "  Rate: %.2f requests/sec requested, %.2f achieved\n", run.Rate, achieved)
	if lag := run.Lag; lag != nil && lag.Count() > 0 && time.Duration(lag.Percentile(99))*time.Microsecond > lagWarning {
		fmt.Fprintf(b, "  Warning: volley fell behind its own schedule (send lag p99 %s, max %s): the machine\n"+
			"  running volley is overloaded, and latencies include this lag; use more threads or machines\n",
			FormatTimeUs(float64(lag.Percentile(99))), FormatTimeUs(float64(lag.Max())))
	}
}
