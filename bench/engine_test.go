package bench

import (
	"context"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"volley/internal/engine"
	"volley/internal/h1"
	"volley/internal/testserver"
)

// BenchmarkEngineLoopback drives the whole request path (write, read, parse, record) against the
// built-in target in the same process, one 200 ms run per iteration, and reports responses per
// second and heap allocations per response (target: 0 on the hot path).
func BenchmarkEngineLoopback(b *testing.B) {
	srv, err := testserver.Start(testserver.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := srv.Close(); err != nil {
			b.Errorf("closing the test server: %v", err)
		}
	}()
	addr := netip.MustParseAddrPort(srv.Addr())
	req, err := h1.AppendRequest(nil, "GET", "/", []h1.Field{{Name: "Host", Value: "127.0.0.1"}}, nil, false)
	if err != nil {
		b.Fatal(err)
	}
	cfg := engine.Config{
		Threads:     []engine.Thread{{Addr: addr, Request: req, Heads: []bool{false}}},
		Connections: 50,
		Duration:    200 * time.Millisecond,
		Timeout:     2 * time.Second,
		Limits:      h1.DefaultLimits(),
	}
	var responses uint64
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	for b.Loop() {
		res, err := engine.Run(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		responses += res.Requests
	}
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if responses == 0 {
		b.Fatal("no responses")
	}
	b.ReportMetric(float64(responses)/elapsed.Seconds(), "resp/s")
	// Includes the per-run setup and the in-process server: an upper bound for the engine.
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(responses), "allocs/resp")
}
