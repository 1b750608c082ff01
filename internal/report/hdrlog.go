package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"volley/internal/stats"
)

// WriteHDRLog writes the run's latencies as an HdrHistogram interval log,
// the format HdrHistogram's HistogramLogProcessor (and hdrhistogram-go's
// HistogramLogReader) read: one interval histogram per point of the time
// series (one per second), timestamps in seconds relative to BaseTime, the
// run's start. Values are µs with 2 significant digits (the series'
// resolution); Interval_Max is in ms. With HistogramLogProcessor, pass
// -outputValueUnitRatio 1000 to see milliseconds.
func WriteHDRLog(w io.Writer, r *stats.Result, version string) error {
	var b strings.Builder
	start := r.Start
	secs := float64(start.UnixMilli()) / 1000
	if start.IsZero() {
		secs = 0
	}
	fmt.Fprintf(&b, "#[Logged with volley %s]\n", Escape(version))
	b.WriteString("#[Histogram log format version 1.3]\n")
	fmt.Fprintf(&b, "#[StartTime: %.3f (seconds since epoch), %s]\n", secs, start.UTC().Format(time.RFC3339Nano))
	fmt.Fprintf(&b, "#[BaseTime: %.3f (seconds since epoch)]\n", secs)
	b.WriteString("#[Values in microseconds; Interval_Max in milliseconds]\n")
	b.WriteString("\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n")
	s := &r.Series
	length := max(s.Interval, stats.SeriesInterval).Seconds()
	for i := range s.Points {
		h := s.Points[i].Latency
		if h == nil {
			h = stats.NewSeriesHistogram() // an interval without responses is still an interval
		}
		enc, err := h.Encode()
		if err != nil {
			return fmt.Errorf("encoding a histogram: %w", err)
		}
		var maxMs float64
		if h.TotalCount() > 0 {
			maxMs = float64(h.Max()) / 1000
		}
		fmt.Fprintf(&b, "%.3f,%.3f,%.3f,%s\n", float64(i)*length, length, maxMs, enc)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
