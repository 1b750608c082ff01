package engine

import (
	"net/netip"
	"testing"
	"time"

	"volley/internal/h1"
	"volley/internal/testserver"
)

// Connections go to their own origins, send their origin's payloads in turn, and each origin's
// counts add up to the run's.
func TestOriginsAndRoundRobin(t *testing.T) {
	a := startServer(t, testserver.Options{})
	b := startServer(t, testserver.Options{})
	payload := func(path string) Payload {
		return Payload{Data: request(t, "GET", path), Heads: []bool{false}}
	}
	cfg := Config{Connections: 3, Duration: 300 * time.Millisecond, Timeout: time.Second, Limits: h1.DefaultLimits(), PerOrigin: true}
	cfg.Origins = []Origin{
		{Endpoint: Endpoint{Addr: netip.MustParseAddrPort(a.Addr())}, Payloads: []Payload{payload("/hello"), payload("/status/404")}},
		{Endpoint: Endpoint{Addr: netip.MustParseAddrPort(b.Addr())}, Payloads: []Payload{payload("/bytes/3")}},
	}
	cfg.Threads = []Thread{{Conns: []int{0, 1}}, {Conns: []int{0}}}
	res := runFor(t, cfg)
	if a.Requests() == 0 || b.Requests() == 0 || len(res.Origins) != 2 {
		t.Fatalf("requests %d and %d, origins %d", a.Requests(), b.Requests(), len(res.Origins))
	}
	oa, ob := res.Origins[0], res.Origins[1]
	if oa.Requests+ob.Requests != res.Requests || oa.Connections != 2 || ob.Connections != 1 || res.Connections != 3 {
		t.Fatalf("origins %+v %+v, run: %d requests, %d connections", oa, ob, res.Requests, res.Connections)
	}
	// Round robin: half of a's responses are the 404s, none of b's.
	if n, all := 2*oa.Non2xx, oa.Requests; n+2 < all || n > all+2 || ob.Non2xx != 0 || res.Errors.Status != oa.Non2xx {
		t.Fatalf("a: %d of %d are 404s; b: %d", oa.Non2xx, oa.Requests, ob.Non2xx)
	}
	bad := Config{Connections: 1, Threads: []Thread{{Conns: []int{1}}}, Origins: cfg.Origins[:1]}
	if _, err := Run(t.Context(), bad); err == nil {
		t.Error("a connection naming a missing origin was accepted")
	}
}
