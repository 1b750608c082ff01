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
	// a few slots. The shards' clocks agree to well under a slot, but a shard that was slow to
	// start (a loaded machine) is behind until it has sent what was due, so after the first
	// 100 ms; ahead of the schedule, never.
	arrivals := srv.Arrivals()
	const slack, warmup = 10.0, 100 * time.Millisecond
	for i, a := range arrivals {
		at := a - arrivals[0]
		due := rate * at.Seconds()
		ahead := float64(i+1) - due
		if ahead > slack || at > warmup && ahead < -slack-0.01*due {
			t.Fatalf("arrival %d at %v: %.0f requests were due by then", i+1, at, due)
		}
	}
	// Interleaved: consecutive requests are about 1/rate apart. Shards that kept their own
	// schedules would send theirs at the same instants, in bursts of three.
	slot := time.Second / rate
	var close int
	for i := 1; i < len(arrivals); i++ {
		if arrivals[i]-arrivals[i-1] < slot/4 {
			close++
		}
	}
	t.Logf("%d of %d gaps under %v", close, len(arrivals)-1, slot/4)
	if close > len(arrivals)/5 {
		t.Errorf("%d of %d requests arrived within %v of the one before: the shards' schedules are not interleaved", close, len(arrivals), slot/4)
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
