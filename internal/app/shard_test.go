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
	"volley/internal/testserver"
)

// runShards runs n shards of one test as separate processes, started together with
// --start-at, and returns their JSON result files.
func runShards(t *testing.T, n int, args ...string) []string {
	t.Helper()
	bin := buildBinary(t)
	dir := t.TempDir()
	start := time.Now().Add(1500 * time.Millisecond).UTC().Format(time.RFC3339Nano)
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

// Shards in rate mode send on one schedule: the union of their sends, as the target saw
// them, is the whole test's rate, evenly spaced, and equals a single process's run.
func TestShardsInterleaveTheirSchedules(t *testing.T) {
	if testing.Short() {
		t.Skip("runs shard processes")
	}
	const rate, d = 3000, 2 * time.Second
	srv, err := testserver.Start(testserver.Options{Addr: "127.0.0.1:0", RecordArrivals: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	files := runShards(t, 3, "-t3", "-c9", "-R", "3000", "-d", "2s", srv.URL()+"/")
	merged, err := report.MergeFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	want := rate * d.Seconds()
	got := float64(srv.Requests())
	if got != float64(merged.Result.Requests+merged.Result.InFlight) {
		t.Errorf("target counted %v, merged result %d (+%d in flight)", got, merged.Result.Requests, merged.Result.InFlight)
	}
	if got < want*0.99 || got > want*1.01 {
		t.Errorf("target counted %v requests, want %v ±1%%", got, want)
	}
	if merged.Config.Rate < rate-1 || merged.Config.Rate > rate+1 {
		t.Errorf("the shards' requested rates add up to %v, want %v", merged.Config.Rate, rate)
	}
	// Evenly spaced: by any instant, the target has received the requests due by then, within
	// a few slots (the shards' clocks start within a millisecond or so of each other).
	arrivals := srv.Arrivals()
	slack := 10.0
	for i, a := range arrivals {
		due := rate * (a - arrivals[0]).Seconds()
		if d := float64(i+1) - due; d > slack || d < -slack-0.01*due {
			t.Fatalf("arrival %d at %v: %.0f requests were due by then", i+1, a-arrivals[0], due)
		}
	}

	// The same load from one process: the same count at the target.
	single, err := testserver.Start(testserver.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer single.Close()
	code, _, errs := runApp("-t3", "-c9", "-R", "3000", "-d", "2s", "--quiet", single.URL()+"/")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if diff := float64(single.Requests()) - got; diff > want*0.01 || -diff > want*0.01 {
		t.Errorf("one process sent %d, three shards %v", single.Requests(), got)
	}
}
