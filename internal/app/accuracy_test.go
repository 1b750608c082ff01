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
	buildBinary(t) // before the start time is set: building takes long on a busy machine
	start := time.Now().Add(3 * time.Second)
	files := runShardsAt(t, start, 3, "-t3", "-c9", "-R", "3000", "-d", "2s", srv.URL()+"/")
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
	// One schedule: by any instant, the target has received at most the requests due by then,
	// counted from the shards' common start (--start-at, in the target's clock). A shard that
	// is late — slow to start, or descheduled on a loaded machine — catches up as soon as it
	// can; that is never ahead of the schedule. The count above shows that it did catch up.
	origin := start.Sub(srv.Origin())
	arrivals := srv.Arrivals()
	const slack = 3 // the shards' clocks and the kernel's timestamps: a few slots at most
	for i, a := range arrivals {
		due := rate * (a - origin).Seconds()
		if float64(i+1) > due+1+slack {
			t.Fatalf("arrival %d at %v after the start: only %.0f requests were due by then", i+1, a-origin, due)
		}
	}
	// Interleaved: consecutive requests are about 1/rate apart. Shards that kept their own
	// schedules would send theirs at the same instants, in bursts of three: two thirds of the
	// gaps would be near zero. A loaded machine bunches some sends too, so the reference is
	// one process sending the same load, measured alike in the same test.
	close := closeGaps(arrivals, rate)
	// The same load from one process: the same count at the target, and spacing as even.
	single, err := testserver.Start(testserver.Options{Addr: "127.0.0.1:0", RecordArrivals: true})
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
	ref := closeGaps(single.Arrivals(), rate)
	t.Logf("gaps under a quarter slot: shards %.1f%%, one process %.1f%%", 100*close, 100*ref)
	if close > ref+0.2 {
		t.Errorf("%.0f%% of the shards' requests arrived within a quarter slot of the one before (one process: %.0f%%): the shards' schedules are not interleaved", 100*close, 100*ref)
	}
}

// closeGaps is the share of consecutive arrivals less than a quarter of a slot (1/rate) apart.
func closeGaps(arrivals []time.Duration, rate float64) float64 {
	if len(arrivals) < 2 {
		return 0
	}
	slot := time.Duration(float64(time.Second) / rate)
	var close int
	for i := 1; i < len(arrivals); i++ {
		if arrivals[i]-arrivals[i-1] < slot/4 {
			close++
		}
	}
	return float64(close) / float64(len(arrivals)-1)
}
