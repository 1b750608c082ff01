//go:build accuracy

package engine

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"volley/internal/testserver"
)

// At a constant rate the target sees the schedule: the achieved rate is the requested one and
// sends are evenly spaced, never in bursts.
func TestAccuracyRateIsKeptWithoutBursts(t *testing.T) {
	srv := startServer(t, testserver.Options{RecordArrivals: true})
	const rate, conns = 5000, 10
	d := 2 * time.Second
	cfg := config(t, srv.Addr(), 2, conns, d, request(t, "GET", "/"))
	cfg.Rate = rate
	res := runFor(t, cfg)
	noErrors(t, res)
	// The schedule's requests, less those a busy machine kept from going out before the end:
	// at most as many as the generator's worst lateness (its timers' lag, measured in the
	// same run) holds at this rate.
	want := rate * d.Seconds()
	behind := rate * (time.Duration(res.Lag.Max()) * time.Microsecond).Seconds()
	if got := float64(res.Requests); got < want*0.99-behind || got > want*1.01 {
		t.Fatalf("%v requests at %d/s for %v, want %v -1%% (-%.0f for a lag of up to %dus) +1%%", got, rate, d, want, behind, res.Lag.Max())
	}
	if res.Uncorrected == nil || res.Uncorrected.Count() != res.Latency.Count() {
		t.Fatal("rate mode records uncorrected latencies too")
	}
	// Never ahead of the schedule: by any instant, the target has received at most the
	// requests due by then, counted from the run's start (the schedule's origin, in the
	// target's clock), so that a late first request cannot make the catch-up behind it look
	// like a burst. A send that is late, because the connection was waiting for a response or
	// the machine stalled, goes out as soon as it can: that is catching up on the schedule,
	// not a burst above it, and a loaded machine makes it common.
	origin := res.Start.Sub(srv.Origin())
	arrivals := srv.Arrivals()
	const slack = 2 // the kernel's receive timestamp and the run's start are two clocks' readings
	for i, a := range arrivals {
		due := int(rate*(a-origin).Seconds()) + 1
		if i+1 > due+slack {
			t.Fatalf("ahead of schedule: %d requests had arrived %v after the start, only %d were due", i+1, a-origin, due)
		}
	}
	t.Logf("generator lag p50 %dus p99 %dus max %dus", res.Lag.Percentile(50), res.Lag.Percentile(99), res.Lag.Max())
}

// p50 of what volley measured against a target that answers after d, compared with references
// measured in the same run, so that a loaded machine moves both alike:
//   - never below the delay the target produced (from the kernel's receive timestamp of each
//     request to the start of its response's write): a response cannot come before it;
//   - in closed mode, at most the gap between one connection's consecutive requests at the
//     target (kernel timestamps): the client sends the next request as soon as it has timed
//     the response, so the gap is its latency plus its turnaround;
//   - in rate mode, where sends follow a schedule instead, at most the target's delay plus how
//     late the requests reached it against the schedule (kernel timestamps) plus what the
//     -c 1 closed case measured between a response and the next request (the client's wake-up
//     and turnaround): what a busy machine adds to a send and to the read of its response.
//
// Each bound has 2% of the delay to spare, for the clocks' granularity.
func TestAccuracyKnownLatency(t *testing.T) {
	// The loopback round trip: one connection, no delay, measured the same way.
	base := startServer(t, testserver.Options{})
	rtt := time.Duration(runFor(t, config(t, base.Addr(), 1, 1, time.Second, request(t, "GET", "/"))).Latency.Percentile(50)) * time.Microsecond
	readSlack := rtt // until the -c 1 closed case has measured it
	for _, tc := range []struct {
		conns int
		rate  float64
	}{{1, 0}, {100, 0}, {1, 50}, {100, 2000}} {
		const delay = 10 * time.Millisecond
		srv := startServer(t, testserver.Options{Delay: delay, RecordArrivals: true})
		cfg := config(t, srv.Addr(), 1, tc.conns, 2*time.Second, request(t, "GET", "/"))
		cfg.Rate = tc.rate
		res := runFor(t, cfg)
		noErrors(t, res)
		got := time.Duration(res.Latency.Percentile(50)) * time.Microsecond
		produced := srv.DelaySummary().P50
		spare := delay / 50
		var upper time.Duration
		var reference string
		if tc.rate == 0 {
			upper = gapP50(srv.ArrivalsByConnection())
			reference = "the gap between a connection's requests at the target"
			if tc.conns == 1 {
				readSlack = max(upper-produced, 0)
			}
		} else {
			late := lateness(srv.Arrivals(), res.Start.Sub(srv.Origin()), tc.rate)
			p90 := srv.DelaySummary().P90
			upper = p90 + late + readSlack
			reference = fmt.Sprintf("the target's delay p90 %v + its sends' lateness p90 %v + the -c 1 turnaround %v", p90, late, readSlack)
		}
		t.Logf("-c %d -R %v: volley p50 %v, target's delay p50 %v, upper bound %v (%s)", tc.conns, tc.rate, got, produced, upper, reference)
		if got < produced-spare || got < delay {
			t.Errorf("-c %d -R %v: p50 %v below the delay the target produced, %v", tc.conns, tc.rate, got, produced)
		}
		if got > upper+spare {
			t.Errorf("-c %d -R %v: p50 %v above %v, %s", tc.conns, tc.rate, got, upper, reference)
		}
	}
}

// lateness is the 90th percentile of how late the requests arrived against a constant-rate
// schedule starting at origin: the i-th arrival against the i-th slot, i/rate.
func lateness(arrivals []time.Duration, origin time.Duration, rate float64) time.Duration {
	if len(arrivals) == 0 {
		return 0
	}
	late := make([]time.Duration, len(arrivals))
	for i, a := range arrivals {
		late[i] = max(a-origin-time.Duration(float64(i)*float64(time.Second)/rate), 0)
	}
	slices.Sort(late)
	return late[len(late)*9/10]
}

// gapP50 is the median gap between consecutive arrivals on the same connection.
func gapP50(byConn [][]time.Duration) time.Duration {
	var gaps []time.Duration
	for _, a := range byConn {
		for i := 1; i < len(a); i++ {
			gaps = append(gaps, a[i]-a[i-1])
		}
	}
	if len(gaps) == 0 {
		return 0
	}
	slices.Sort(gaps)
	return gaps[len(gaps)/2]
}

// The target freezes for 1 s in the middle of a constant-rate run: the requests due during
// the stall have corrected latencies spread from ~1 s down to ~0, while the uncorrected ones
// (measured from when each was actually sent) hide the stall.
func TestAccuracyStallIsNotOmitted(t *testing.T) {
	srv := startServer(t, testserver.Options{})
	const rate, conns = 1000, 10
	const stall = time.Second
	cfg := config(t, srv.Addr(), 1, conns, 10*time.Second, request(t, "GET", "/"))
	cfg.Rate = rate
	cfg.Timeout = 3 * stall // a request held through the stall on a busy machine is no timeout
	go func() {
		time.Sleep(5 * time.Second)
		srv.Freeze(stall)
	}()
	res := runFor(t, cfg)
	noErrors(t, res)
	ms := func(us int64) time.Duration { return time.Duration(us) * time.Microsecond }
	c, u := res.Latency, res.Uncorrected
	t.Logf("corrected p50 %v p90 %v p95 %v p99 %v max %v; uncorrected p99 %v max %v",
		ms(c.Percentile(50)), ms(c.Percentile(90)), ms(c.Percentile(95)), ms(c.Percentile(99)), ms(c.Max()),
		ms(u.Percentile(99)), ms(u.Max()))
	// 10% of the requests were due inside the stall, waiting from 1 s down to 0: the top 1%
	// waited at least 0.9 s, the top 5% at least 0.5 s. A busy machine delays sends and reads
	// outside the stall too, and the backlog after it takes longer to catch up: the upper
	// bounds allow what this run measured of that, the generator's lag p99 (late sends), the
	// uncorrected p99 (slow answers) and the corrected p90 (just below the stall's share, so
	// the wait of the requests due just after it).
	noise := ms(max(res.Lag.Percentile(99), u.Percentile(99), c.Percentile(90)))
	t.Logf("noise allowed: %v (lag p99 %v)", noise, ms(res.Lag.Percentile(99)))
	within := func(name string, got, lo, hi time.Duration) {
		if got < lo || got > hi {
			t.Errorf("%s = %v, want %v..%v", name, got, lo, hi)
		}
	}
	within("corrected max", ms(c.Max()), stall*95/100, stall*115/100+noise)
	within("corrected p99", ms(c.Percentile(99)), stall*85/100, stall*97/100+noise)
	within("corrected p95", ms(c.Percentile(95)), stall*43/100, stall*57/100+noise)
	within("corrected p50", ms(c.Percentile(50)), 0, 20*time.Millisecond+noise)
	within("uncorrected p99", ms(u.Percentile(99)), 0, 50*time.Millisecond+ms(res.Lag.Percentile(99)))
	within("uncorrected max", ms(u.Max()), stall*95/100, stall*115/100+noise)
}
