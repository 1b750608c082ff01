//go:build accuracy

package app

import (
	"testing"
	"time"

	"volley/internal/report"
	"volley/internal/testserver"
)

// Shards in rate mode send on one schedule: the union of their sends, as the target saw
// them, is the whole test's rate, evenly spaced, and equals a single process's run.
func TestAccuracyShardsInterleaveTheirSchedules(t *testing.T) {
	if testing.Short() {
		t.Skip("runs shard processes")
	}
	const rate, d = 3000, 2 * time.Second
	srv, err := testserver.Start(testserver.Options{Addr: "127.0.0.1:0", RecordArrivals: true})
	if err != nil {
		t.Fatal(err)
	}
	defer closeTarget(t, srv)
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
	defer closeTarget(t, single)
	code, _, errs := runApp("-t3", "-c9", "-R", "3000", "-d", "2s", "--quiet", single.URL()+"/")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if diff := float64(single.Requests()) - got; diff > want*0.01 || -diff > want*0.01 {
		t.Errorf("one process sent %d, three shards %v", single.Requests(), got)
	}
}
