//go:build accuracy

package engine

import (
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
	want := rate * d.Seconds()
	if got := float64(res.Requests); got < want*0.99 || got > want*1.01 {
		t.Fatalf("%v requests at %d/s for %v, want %v ±1%%", got, rate, d, want)
	}
	if res.Uncorrected == nil || res.Uncorrected.Count() != res.Latency.Count() {
		t.Fatal("rate mode records uncorrected latencies too")
	}
	// Never ahead of the schedule: by any instant, the target has received at most the
	// requests due by then. (A send that is late, because the connection was waiting for a
	// response or the machine stalled, goes out as soon as it can: that is catching up on the
	// schedule, not a burst above it.)
	arrivals := srv.Arrivals()
	slices.Sort(arrivals)
	slack := conns
	for i, a := range arrivals {
		due := int(rate*(a-arrivals[0]).Seconds()) + 1
		if i+1 > due+slack {
			t.Fatalf("ahead of schedule: %d requests had arrived %v after the first, only %d were due", i+1, a-arrivals[0], due)
		}
	}
	t.Logf("generator lag p50 %dus p99 %dus max %dus", res.Lag.Percentile(50), res.Lag.Percentile(99), res.Lag.Max())
}

// p50 of what volley measured against a target that answers after exactly d: never below d,
// and within 2% of the delay the target actually produced plus the loopback round trip.
func TestAccuracyKnownLatency(t *testing.T) {
	// The loopback round trip: one connection, no delay, measured the same way.
	base := startServer(t, testserver.Options{})
	rtt := time.Duration(runFor(t, config(t, base.Addr(), 1, 1, time.Second, request(t, "GET", "/"))).Latency.Percentile(50)) * time.Microsecond
	for _, tc := range []struct {
		conns int
		rate  float64
	}{{1, 0}, {100, 0}, {1, 50}, {100, 2000}} {
		const delay = 10 * time.Millisecond
		srv := startServer(t, testserver.Options{Delay: delay})
		cfg := config(t, srv.Addr(), 1, tc.conns, 2*time.Second, request(t, "GET", "/"))
		cfg.Rate = tc.rate
		res := runFor(t, cfg)
		noErrors(t, res)
		got := time.Duration(res.Latency.Percentile(50)) * time.Microsecond
		want := srv.DelaySummary().P50 + rtt
		t.Logf("-c %d -R %v: volley p50 %v, target p50 %v + rtt %v", tc.conns, tc.rate, got, srv.DelaySummary().P50, rtt)
		if got < delay {
			t.Errorf("-c %d -R %v: p50 %v below the target's delay %v", tc.conns, tc.rate, got, delay)
		}
		if diff := got - want; diff > want/50 || -diff > want/50 {
			t.Errorf("-c %d -R %v: p50 %v, want %v ±2%%", tc.conns, tc.rate, got, want)
		}
	}
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
	// waited at least 0.9 s, the top 5% at least 0.5 s.
	within := func(name string, got, lo, hi time.Duration) {
		if got < lo || got > hi {
			t.Errorf("%s = %v, want %v..%v", name, got, lo, hi)
		}
	}
	within("corrected max", ms(c.Max()), stall*95/100, stall*115/100)
	within("corrected p99", ms(c.Percentile(99)), stall*85/100, stall*97/100)
	within("corrected p95", ms(c.Percentile(95)), stall*43/100, stall*57/100)
	within("corrected p50", ms(c.Percentile(50)), 0, 20*time.Millisecond)
	within("uncorrected p99", ms(u.Percentile(99)), 0, 50*time.Millisecond)
	within("uncorrected max", ms(u.Max()), stall*95/100, stall*115/100)
}
