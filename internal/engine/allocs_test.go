package engine

import (
	"runtime"
	"testing"
	"time"

	"volley/internal/testserver"
)

// The request path allocates nothing per request, on either side: this run's heap
// allocations, divided by its responses, are only the setup's (connections, histograms,
// buffers) spread thin. A per-request allocation in the engine, the parser, the recorder or
// the built-in target shows as about one per response.
func TestNoAllocationPerRequest(t *testing.T) {
	srv := startServer(t, testserver.Options{})
	cfg := config(t, srv.Addr(), 1, 8, 300*time.Millisecond, request(t, "GET", "/"))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	res := runFor(t, cfg)
	runtime.ReadMemStats(&after)
	noErrors(t, res)
	if res.Requests < 1000 {
		t.Skipf("only %d responses: too few to tell setup from per-request allocation", res.Requests)
	}
	if per := float64(after.Mallocs-before.Mallocs) / float64(res.Requests); per > 0.3 {
		t.Fatalf("%.2f heap allocations per response (%d responses)", per, res.Requests)
	}
}
