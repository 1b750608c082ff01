package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"volley/internal/stats"
)

func writeDoc(t *testing.T, dir, name string, d *Document) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, d); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// A run split in two and merged back from files is the run: the same
// counts, the same histograms (so identical percentiles), the same time
// series, the same text report.
func TestMergeEqualsTheRunItSplits(t *testing.T) {
	// One run of two threads; each thread's recorder becomes a "run" of its own.
	a, b, all := stats.NewRecorder(), stats.NewRecorder(), stats.NewRecorder()
	recordRun(7, 42, a, b)
	recordRun(7, 42, all) // the same responses into one recorder
	elapsed := 4*time.Second + 200*time.Millisecond
	mk := func(recs ...*stats.Recorder) *stats.Result {
		r := stats.Merge(recs...)
		r.Start, r.Elapsed = testStart, elapsed
		return r
	}
	cfg := RunConfig{URL: "http://127.0.0.1:8080/", Threads: 1, Connections: 5, Duration: 4 * time.Second, Runs: 1}
	dir := t.TempDir()
	pa := writeDoc(t, dir, "a.json", &Document{Config: cfg, Result: mk(a)})
	pb := writeDoc(t, dir, "b.json", &Document{Config: cfg, Result: mk(b)})

	merged, err := MergeFiles([]string{pa, pb})
	if err != nil {
		t.Fatal(err)
	}
	got, want, one := merged.Result, mk(a, b), mk(all)
	if c := merged.Config; c.Threads != 2 || c.Connections != 10 || c.Runs != 2 || c.URL != cfg.URL || c.Duration != cfg.Duration {
		t.Errorf("merged config %+v", c)
	}
	if got.Requests != one.Requests || got.Bytes != one.Bytes || got.Errors.Timeout != one.Errors.Timeout ||
		got.Errors.Status != one.Errors.Status || got.Errors.Protocol != one.Errors.Protocol ||
		got.StatusCodes != one.StatusCodes || got.Errors.Reasons[`invalid status line "`+"\x1b"+`[2J"`] != one.Errors.Protocol {
		t.Errorf("counts differ: %d %d %+v, want %d %d %+v", got.Requests, got.Bytes, got.Errors, one.Requests, one.Bytes, one.Errors)
	}
	for _, p := range []float64{0, 10, 50, 75, 90, 99, 99.9, 99.99, 100} {
		if g, w := got.Latency.Percentile(p), one.Latency.Percentile(p); g != w {
			t.Errorf("p%v: %d, want %d", p, g, w)
		}
	}
	if got.Latency.Count() != one.Latency.Count() || got.Latency.Mean() != one.Latency.Mean() ||
		got.Latency.Stdev() != one.Latency.Stdev() || got.Latency.Min() != one.Latency.Min() || got.Latency.Max() != one.Latency.Max() {
		t.Errorf("latency moments differ")
	}
	if len(got.Series.Points) != len(one.Series.Points) {
		t.Fatalf("%d points, want %d", len(got.Series.Points), len(one.Series.Points))
	}
	for i := range one.Series.Points {
		g, w := got.Series.Points[i], one.Series.Points[i]
		if g.Requests != w.Requests || g.Errors != w.Errors || g.Non2xx != w.Non2xx ||
			g.Latency.TotalCount() != w.Latency.TotalCount() ||
			g.Latency.ValueAtPercentile(50) != w.Latency.ValueAtPercentile(50) ||
			g.Latency.ValueAtPercentile(99) != w.Latency.ValueAtPercentile(99) {
			t.Errorf("second %d: %+v, want %+v", i, g, w)
		}
	}
	// The merged run reports exactly as the two-thread run (Req/Sec is per thread).
	var gt, wt bytes.Buffer
	must(t, WriteText(&gt, merged.Run(true), got))
	must(t, WriteText(&wt, merged.Run(true), want))
	if gt.String() != wt.String() {
		t.Errorf("text report of the merge:\n%s\nof the run:\n%s", gt.String(), wt.String())
	}
	var gj, wj bytes.Buffer
	must(t, WriteJSON(&gj, &Document{Config: merged.Config, Result: got}))
	must(t, WriteJSON(&wj, &Document{Config: merged.Config, Result: want}))
	if gj.String() != wj.String() {
		t.Errorf("JSON of the merge differs from the run's:\n%s", firstDiff(gj.String(), wj.String()))
	}
}

func TestMergeAlignsByWallClock(t *testing.T) {
	mk := func(start time.Time, url string, seconds int) *Document {
		r := stats.NewRecorder()
		r.Tick(0)
		for i := 1; i <= seconds; i++ {
			r.Response(200, 1000)
			r.Tick(time.Duration(i) * time.Second)
		}
		res := stats.Merge(r)
		res.Start, res.Elapsed = start, time.Duration(seconds)*time.Second
		return &Document{Config: RunConfig{URL: url, Threads: 1, Connections: 1, Duration: time.Duration(seconds) * time.Second,
			HeaderNames: []string{"A"}, Runs: 1}, Result: res}
	}
	late := mk(testStart.Add(2*time.Second), "http://b/", 3)
	late.Config.HeaderNames = []string{"B", "A"}
	late.Config.Runs = 2 // itself a merge
	m := Merge([]*Document{mk(testStart, "http://a/", 3), late})
	var per []uint64
	for _, p := range m.Result.Series.Points {
		per = append(per, p.Requests)
	}
	if len(per) != 5 || per[0] != 1 || per[1] != 1 || per[2] != 2 || per[3] != 1 || per[4] != 1 {
		t.Errorf("requests per second %v, want [1 1 2 1 1]", per)
	}
	if m.Config.URL != "http://a/, http://b/" || m.Config.Runs != 3 || strings.Join(m.Config.HeaderNames, ",") != "A,B" ||
		!m.Result.Start.Equal(testStart) {
		t.Errorf("merged %+v, start %v", m.Config, m.Result.Start)
	}
}

func TestMergeFilesErrors(t *testing.T) {
	dir := t.TempDir()
	good := writeDoc(t, dir, "good.json", testDocument())
	bad := filepath.Join(dir, "bad.json")
	must(t, os.WriteFile(bad, []byte(`{"schema": "volley-result", "schema_version": 1, "config": {"runs": 1}}`), 0o644))
	tests := []struct {
		files []string
		msg   string
	}{
		{nil, "no result files to merge"},
		{[]string{good, filepath.Join(dir, "missing.json")}, "missing.json: no such file or directory"},
		{[]string{good, bad}, "bad.json: latency: missing"},
		{[]string{dir}, "is a directory"},
	}
	for _, tt := range tests {
		_, err := MergeFiles(tt.files)
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("MergeFiles(%q) = %v, want an error containing %q", tt.files, err, tt.msg)
		}
	}
}
