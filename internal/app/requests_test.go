package app

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"volley/internal/testserver"
)

// -n without -d has no hidden duration: the banner counts requests, the JSON says there was
// no duration, and with -d as well the banner says that -d caps -n.
func TestRequestsBannerAndJSON(t *testing.T) {
	srv := startTarget(t)
	out := filepath.Join(t.TempDir(), "r.json")
	code, stdout, errs := runApp("-n", "500", "-t1", "-c2", "--json", out, srv.URL()+"/")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if want := "Running 500 requests @ " + srv.URL() + "/\n"; !strings.HasPrefix(stdout, want) {
		t.Errorf("banner:\n%s\nwant %q", stdout, want)
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Requests uint64
		Config   map[string]any
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Requests != 500 || doc.Config["duration_s"] != 0.0 || doc.Config["request_limit"] != 500.0 {
		t.Errorf("requests %d, config %v: want 500 requests, duration_s 0, request_limit 500", doc.Requests, doc.Config)
	}
	_, stdout, _ = runApp("-n", "50", "-d", "5s", "-t1", "-c1", srv.URL()+"/")
	if want := "Running 50 requests, for at most 5s @ "; !strings.HasPrefix(stdout, want) {
		t.Errorf("banner with -n and -d:\n%s\nwant %q", stdout, want)
	}
}

// An -n run whose target goes away ends, once nothing has connected or answered for 5 ×
// --timeout, with exit 2 and one line saying why, not a report.
func TestRequestsRunGivesUpWithoutProgress(t *testing.T) {
	srv, err := testserver.Start(testserver.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	url := srv.URL() + "/"
	go func() {
		time.Sleep(300 * time.Millisecond)
		closeTarget(t, srv)
	}()
	type outcome struct {
		code           int
		stdout, stderr string
	}
	done := make(chan outcome, 1)
	start := time.Now()
	go func() {
		code, stdout, stderr := runApp("-n", "1G", "-T", "100ms", "-t1", "-c2", url)
		done <- outcome{code, stdout, stderr}
	}()
	select {
	case o := <-done:
		took := time.Since(start)
		if o.code != ExitNoStart || strings.Count(o.stderr, "\n") != 1 ||
			!strings.HasPrefix(o.stderr, "volley: no open connection and no response for 500ms (5 × -T/--timeout): giving up (") {
			t.Errorf("exit %d, stderr %q", o.code, o.stderr)
		}
		if strings.Contains(o.stdout, "requests in") {
			t.Errorf("a report after giving up:\n%s", o.stdout)
		}
		t.Logf("gave up after %v: %s", took, o.stderr)
	case <-time.After(30 * time.Second):
		t.Fatal("an -n run against a closed port still runs after 30s")
	}
}

// A run shorter than one Req/Sec sample (100 ms) shows the rate it had, as one sample, not
// zeros; so does a short -n run.
func TestShortRunShowsReqPerSec(t *testing.T) {
	srv := startTarget(t)
	for _, args := range [][]string{{"-d", "50ms"}, {"-n", "20"}} {
		code, out, errs := runApp(append(args, "-t1", "-c1", srv.URL()+"/")...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		var line string
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "    Req/Sec") {
				line = l
			}
		}
		if f := strings.Fields(line); len(f) != 5 || f[1] == "0.00" || f[2] != "0.00" || f[3] != f[1] || f[4] != "100.00%" {
			t.Errorf("%v: %q, want one sample: mean = max, stdev 0.00, 100.00%%\n%s", args, line, out)
		}
	}
}
