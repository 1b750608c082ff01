package app

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"volley/internal/report"
)

// runShards runs n shards of one test as separate processes, started together with
// --start-at, and returns their JSON result files.
func runShards(t *testing.T, n int, args ...string) []string {
	t.Helper()
	return runShardsAt(t, time.Now().Add(1500*time.Millisecond), n, args...)
}

// runShardsAt is runShards with the shards' --start-at, the origin of their common schedule.
func runShardsAt(t *testing.T, at time.Time, n int, args ...string) []string {
	t.Helper()
	bin := buildBinary(t)
	dir := t.TempDir()
	start := at.UTC().Format(time.RFC3339Nano)
	files := make([]string, n)
	errs := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		files[i] = filepath.Join(dir, fmt.Sprintf("shard-%d.json", i))
		a := append([]string{"--shard", fmt.Sprintf("%d/%d", i, n), "--start-at", start, "--json", files[i], "--quiet"}, args...)
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out bytes.Buffer
			cmd := exec.Command(bin, a...)
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Run(); err != nil {
				errs[i] = fmt.Sprintf("shard %d: %v\n%s", i, err, out.String())
			}
		}()
	}
	wg.Wait()
	for _, e := range errs {
		if e != "" {
			t.Fatal(e)
		}
	}
	return files
}

// Shards split -n exactly: the target counts exactly the requests asked for, and the merged
// result says the same.
func TestShardsSplitRequestsExactly(t *testing.T) {
	if testing.Short() {
		t.Skip("runs shard processes")
	}
	srv := startTarget(t)
	files := runShards(t, 3, "-t3", "-c7", "-n", "3001", srv.URL()+"/")
	merged, err := report.MergeFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	r := merged.Result
	if r.Requests != 3001 || srv.Requests() != 3001 {
		t.Fatalf("merged %d requests, target %d, want 3001", r.Requests, srv.Requests())
	}
	if merged.Config.Connections != 7 || merged.Config.Threads != 3 || merged.Config.Runs != 3 {
		t.Fatalf("merged config %+v", merged.Config)
	}
	if !strings.Contains(merged.Config.Shard, "0/3") || !strings.Contains(merged.Config.Shard, "2/3") {
		t.Fatalf("merged shards %q", merged.Config.Shard)
	}
}

func TestMergeRefusesDuplicateShardsAndWarnsOfMissingOnes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs shard processes")
	}
	srv := startTarget(t)
	files := runShards(t, 3, "-t3", "-c3", "-n", "30", srv.URL()+"/")
	code, _, errs := runApp("merge", files[0], files[1], files[0])
	if code != ExitUsage || !strings.Contains(errs, "shard 0/3 is in both") {
		t.Errorf("a shard merged twice: exit %d, %q", code, errs)
	}
	code, out, errs := runApp("merge", files[0], files[2])
	if code != 0 || !strings.Contains(errs, "shards 1/3 are missing") || !strings.Contains(out, "  20 requests in") {
		t.Errorf("a missing shard: exit %d, stderr %q\n%s", code, errs, out)
	}
}

// --start-at in the past still runs what is left of the test, saying how late it started; one
// so far past that nothing is left, or more than a day ahead, cannot start.
func TestStartAtBounds(t *testing.T) {
	srv := startTarget(t)
	at := func(d time.Duration) string { return time.Now().Add(d).UTC().Format(time.RFC3339Nano) }
	for _, tc := range []struct {
		start string
		want  string
	}{
		{at(-time.Hour), "has passed, and with it the whole 1s test"},
		{at(25 * time.Hour), "is more than 24h0m0s away"},
	} {
		code, _, errs := runApp("--start-at", tc.start, "-d", "1s", srv.URL()+"/")
		if code != ExitNoStart || !strings.Contains(errs, tc.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("--start-at %s: exit %d, stderr %q; want exit %d and %q", tc.start, code, errs, ExitNoStart, tc.want)
		}
	}
	file := filepath.Join(t.TempDir(), "r.json")
	begin := time.Now()
	code, _, errs := runApp("--start-at", at(-200*time.Millisecond), "-d", "500ms", "--json", file, srv.URL()+"/")
	if took := time.Since(begin); code != 0 || took > 800*time.Millisecond {
		t.Fatalf("exit %d after %v: %s", code, took, errs)
	}
	if !strings.Contains(errs, "after --start-at") {
		t.Errorf("no word of the late start: %q", errs)
	}
	doc, err := report.MergeFiles([]string{file})
	if err != nil {
		t.Fatal(err)
	}
	if late := doc.Config.LateStart; late < 200*time.Millisecond {
		t.Errorf("late start %v in the result, want at least 200ms", late)
	}
}
