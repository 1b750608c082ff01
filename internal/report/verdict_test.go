package report

import (
	"testing"
	"time"

	"volley/internal/stats"
	"volley/internal/threshold"
)

// --fail-on lines show the actual value as wrk's report would print it.
func TestVerdictInWrkUnits(t *testing.T) {
	rec := stats.NewRecorder()
	for i := 1; i <= 1000; i++ {
		status := 200
		if i%100 == 0 {
			status = 503
		}
		rec.Response(status, 8000+int64(i)) // 8.001 … 9 ms
	}
	for range 5 {
		rec.Errors.Add(stats.KindTimeout, "")
	}
	res := stats.Merge(rec)
	res.Elapsed = 20 * time.Millisecond
	for expr, want := range map[string]string{
		"p99<0.01s":   "PASS p99<0.01s (p99 = 8.99ms)",
		"p50<8ms":     "FAIL p50<8ms (p50 = 8.50ms)",
		"max<=900us":  "FAIL max<=900us (max = 9.00ms)",
		"rps>=1k":     "PASS rps>=1k (rps = 50.00k)",
		"errors<1%":   "PASS errors<1% (errors = 0.50%, 5 of 1005)",
		"requests>10": "PASS requests>10 (requests = 1000)",
		"non2xx==1%":  "PASS non2xx==1% (non2xx = 1.00%, 10 of 1000)",
	} {
		e, err := threshold.Parse(expr)
		if err != nil {
			t.Fatal(err)
		}
		if got := Verdict(e.Eval(res)); got != want {
			t.Errorf("%s: %q, want %q", expr, got, want)
		}
	}
	e, _ := threshold.Parse("p99<1s")
	if got := Verdict(e.Eval(stats.NewResult())); got != "FAIL p99<1s (p99 = n/a: no responses)" {
		t.Errorf("empty run: %q", got)
	}
}
