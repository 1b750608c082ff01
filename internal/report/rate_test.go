package report

import (
	"strings"
	"testing"
	"time"

	"volley/internal/stats"
)

func rateResult() *stats.Result {
	r := stats.NewResult()
	r.Elapsed = 2 * time.Second
	r.Uncorrected = stats.NewHistogram()
	for i := int64(1); i <= 1000; i++ {
		r.Latency.Record(i * 10)
		r.Uncorrected.Record(i)
		r.Requests++
	}
	return r
}

func TestRateModeReport(t *testing.T) {
	lag := stats.NewHistogram()
	for range 100 {
		lag.Record(5000) // 5 ms late: the generator could not keep up
	}
	var b strings.Builder
	run := Run{URL: "http://x/", Threads: 1, Connections: 1, Duration: 2 * time.Second, Latency: true,
		Rate: 600, Uncorrected: true, Lag: lag}
	if err := WriteText(&b, run, rateResult()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"  Latency Distribution (HdrHistogram - Recorded Latency)\n 50.000%    5.01ms\n",
		"  Latency Distribution (HdrHistogram - Uncorrected Latency (measured without taking delayed starts into account))\n",
		"  Detailed Percentile spectrum:\n       Value   Percentile   TotalCount 1/(1-Percentile)\n\n",
		"#[Mean    =        5.005, StdDeviation   =        2.888]\n#[Max     =       10.000, Total count    =         1000]\n#[Buckets =           22, SubBuckets     =         2048]\n",
		"  Rate: 600.00 requests/sec requested, 500.00 achieved\n",
		"  Warning: volley fell behind its own schedule (send lag p99 5.00ms",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("rate-mode report lacks %q:\n%s", want, out)
		}
	}

	// On schedule: no warning.
	b.Reset()
	run.Lag = stats.NewHistogram()
	run.Lag.Record(20)
	if err := WriteText(&b, run, rateResult()); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "Warning") {
		t.Errorf("a generator on schedule is not warned about:\n%s", b.String())
	}
}
