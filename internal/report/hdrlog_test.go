package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"volley/internal/stats"
)

// The log must read back, with hdrhistogram-go's log reader, as the series
// it was written from: one interval per second, at the right times, with
// the same histograms.
func TestHDRLogRoundTrip(t *testing.T) {
	d := testDocument()
	r := d.Result
	// An idle second in the middle: it is logged as an empty interval.
	r.Series.Points = append(r.Series.Points[:2:2], append([]stats.Point{{}}, r.Series.Points[2:]...)...)
	var buf bytes.Buffer
	if err := WriteHDRLog(&buf, r, "test"); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	for _, want := range []string{
		"#[Histogram log format version 1.3]\n",
		"#[StartTime: 1741064767.123 (seconds since epoch), 2025-03-04T05:06:07.123456789Z]\n",
		"#[BaseTime: 1741064767.123 (seconds since epoch)]\n",
		"\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n",
		"\n0.000,1.000,",
		"\n2.000,1.000,0.000,HIST",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("log lacks %q:\n%s", want, text)
		}
	}

	rd := hdrhistogram.NewHistogramLogReader(strings.NewReader(text))
	base := r.Start.UnixMilli()
	for i, p := range r.Series.Points {
		h, err := rd.NextIntervalHistogram()
		if err != nil || h == nil {
			t.Fatalf("interval %d: %v, %v", i, h, err)
		}
		if start := h.StartTimeMs() - base; start < int64(i)*1000-1 || start > int64(i)*1000+1 {
			t.Errorf("interval %d starts at +%d ms", i, start)
		}
		if h.EndTimeMs()-h.StartTimeMs() != 1000 {
			t.Errorf("interval %d lasts %d ms", i, h.EndTimeMs()-h.StartTimeMs())
		}
		var want int64
		if p.Latency != nil {
			want = p.Latency.TotalCount()
		}
		if h.TotalCount() != want {
			t.Errorf("interval %d holds %d values, want %d", i, h.TotalCount(), want)
		}
		if p.Latency == nil {
			continue
		}
		if h.SignificantFigures() != stats.SeriesSignificantFigures {
			t.Errorf("interval %d has %d significant digits", i, h.SignificantFigures())
		}
		for _, q := range []float64{1, 50, 90, 99, 100} {
			if g, w := h.ValueAtPercentile(q), p.Latency.ValueAtPercentile(q); g != w {
				t.Errorf("interval %d p%v: %d, want %d", i, q, g, w)
			}
		}
	}
	if h, err := rd.NextIntervalHistogram(); h != nil || err != nil {
		t.Errorf("an extra interval: %v %v", h, err)
	}
}

func TestHDRLogCoarseInterval(t *testing.T) {
	r := stats.NewResult()
	r.Series = stats.Series{Interval: 4 * time.Second, Points: []stats.Point{{Requests: 1}, {Requests: 2}}}
	var buf bytes.Buffer
	if err := WriteHDRLog(&buf, r, "t"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "\n4.000,4.000,0.000,HIST") || !strings.Contains(buf.String(), "#[StartTime: 0.000") {
		t.Errorf("log:\n%s", buf.String())
	}
}
