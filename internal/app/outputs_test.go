package app

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"volley/internal/cli"
	"volley/internal/report"
	"volley/internal/stats"
)

func parse(t *testing.T, args ...string) *cli.Config {
	t.Helper()
	cfg, _, err := cli.Parse(args)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// resultFile writes a JSON result of n responses of 1 ms, some 5xx, starting at start.
func resultFile(t *testing.T, dir, name string, start time.Time, n int) string {
	t.Helper()
	rec := stats.NewRecorder()
	rec.Tick(0)
	for i := range n {
		status := 200
		if i%10 == 9 {
			status = 500
		}
		rec.Response(status, 1000+int64(i))
		rec.Tick(time.Duration(i) * 10 * time.Millisecond)
	}
	res := stats.Merge(rec)
	res.Start, res.Elapsed = start, time.Duration(n)*10*time.Millisecond
	var buf bytes.Buffer
	doc := &report.Document{Version: "t", Result: res,
		Config: report.RunConfig{URL: "http://127.0.0.1:1/", Threads: 1, Connections: 2, Duration: time.Second, Runs: 1}}
	if err := report.WriteJSON(&buf, doc); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunMerge(t *testing.T) {
	dir := t.TempDir()
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	a := resultFile(t, dir, "a.json", start, 100)
	b := resultFile(t, dir, "b.json", start.Add(time.Second), 50)
	html := filepath.Join(dir, "m.html")
	hlog := filepath.Join(dir, "m.hlog")
	var out, errb bytes.Buffer
	code := runMerge(parse(t, "merge", "-L", "--json", "-", "--html", html, "--hdr-log", hlog,
		"--fail-on", "requests>=150", "--fail-on", "non2xx<10%", a, b), &out, &errb)
	if code != ExitThreshold {
		t.Fatalf("exit %d, want %d (non2xx is 10%%)\n%s", code, ExitThreshold, errb.String())
	}
	// --json -: stdout is the JSON alone; the report and the verdicts are on stderr.
	var doc map[string]any
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out.String())
	}
	if doc["requests"] != 150.0 || doc["config"].(map[string]any)["runs"] != 2.0 || doc["volley_version"] != Version {
		t.Errorf("merged JSON: requests %v, config %v", doc["requests"], doc["config"])
	}
	text := errb.String()
	for _, want := range []string{
		"Running 1s test @ http://127.0.0.1:1/\n  2 threads and 4 connections\n",
		"  Latency Distribution\n", "  150 requests in ",
		"PASS requests>=150 (requests = 150)\n",
		"FAIL non2xx<10% (non2xx = 10.00%, 15 of 150)\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("stderr lacks %q:\n%s", want, text)
		}
	}
	for _, f := range []string{html, hlog} {
		if st, err := os.Stat(f); err != nil || st.Size() < 500 {
			t.Errorf("%s: %v", f, err)
		}
	}

	out.Reset()
	errb.Reset()
	if code := runMerge(parse(t, "merge", "--fail-on", "p99<1s", a), &out, &errb); code != ExitOK || errb.Len() != 0 ||
		!strings.HasSuffix(out.String(), "PASS p99<1s (p99 = 1.10ms)\n") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
}

func TestRunMergeErrors(t *testing.T) {
	dir := t.TempDir()
	a := resultFile(t, dir, "a.json", time.Time{}, 10)
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte("{\"schema\": \"volley-result\", \"schema_version\": 9}"), 0o644); err != nil {
		t.Fatal(err)
	}
	html := filepath.Join(dir, "none", "x.html")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"merge", a, bad}, "volley: merge: " + bad + ": schema_version 9 is not supported (this volley reads 1)\n"},
		{[]string{"merge", a, filepath.Join(dir, "nope.json")}, "nope.json: no such file or directory\n"},
		{[]string{"merge", "--html", html, a}, "volley: --html " + html + ": no such file or directory\n"},
	} {
		var out, errb bytes.Buffer
		if code := runMerge(parse(t, tt.args...), &out, &errb); code != ExitUsage || !strings.HasSuffix(errb.String(), tt.want) || out.Len() != 0 {
			t.Errorf("%q: exit %d, stderr %q, stdout %q; want %q", tt.args, code, errb.String(), out.String(), tt.want)
		}
	}
}

// An output that cannot be opened stops the run before it starts, in one line.
func TestRunOutputErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none", "r.json")
	code, out, errs := runApp("--json", path, "-d", "10ms", "http://127.0.0.1:1/")
	if want := "volley: --json " + path + ": no such file or directory\n"; code != ExitUsage || errs != want || out != "" {
		t.Fatalf("exit %d, stderr %q, stdout %q; want %q", code, errs, out, want)
	}
}

func TestOutputsNotWrittenAreRemoved(t *testing.T) {
	dir := t.TempDir()
	j := filepath.Join(dir, "r.json")
	o, err := openOutputs(parse(t, "--json", j, "http://127.0.0.1:1/"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(j); err != nil {
		t.Fatalf("the output is not created before the run: %v", err)
	}
	o.close() // the run did not happen
	if _, err := os.Stat(j); !os.IsNotExist(err) {
		t.Errorf("an unwritten output is left behind: %v", err)
	}

	// A file that existed is left as it was until there is a result to write.
	if err := os.WriteFile(j, []byte("an earlier result"), 0o644); err != nil {
		t.Fatal(err)
	}
	o, err = openOutputs(parse(t, "--json", j, "http://127.0.0.1:1/"), nil)
	if err != nil {
		t.Fatal(err)
	}
	o.close()
	if b, err := os.ReadFile(j); err != nil || string(b) != "an earlier result" {
		t.Errorf("an existing output was changed by a run that did not happen: %q, %v", b, err)
	}
	o, err = openOutputs(parse(t, "--json", j, "http://127.0.0.1:1/"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := o.write(report.RunConfig{Runs: 1}, stats.NewResult()); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(j); err != nil || !strings.HasPrefix(string(b), "{") || strings.Contains(string(b), "earlier") {
		t.Errorf("rewritten output: %q, %v", b, err)
	}
}

func TestTextOutputAndProgress(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if textOutput(parse(t, "--json", "-", "http://h/"), &stdout, &stderr) != &stderr ||
		textOutput(parse(t, "--json", "x", "http://h/"), &stdout, &stderr) != &stdout {
		t.Error("the text report goes to the wrong stream")
	}
	live, stop := startProgress(parse(t, "http://h/"), &stderr)
	stop()
	if live != nil || stderr.Len() != 0 {
		t.Error("progress on a stream that is not a terminal")
	}
}

func TestRunConfigLeavesOutSecrets(t *testing.T) {
	rc := runConfig(parse(t, "-H", "Authorization: Bearer secret", "-R", "100", "-s", "x.lua", "http://h/", "script-arg"))
	if rc.URL != "http://h/" || rc.Rate != 100 || len(rc.HeaderNames) != 1 || rc.HeaderNames[0] != "Authorization" || rc.Runs != 1 {
		t.Errorf("run config %+v", rc)
	}
}
