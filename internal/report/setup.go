package report

import (
	"fmt"
	"strings"

	"volley/internal/stats"
)

// writeSetupLines writes what volley adds after wrk's last line, each only when there is
// something to say, so that a plain run's report stays wrk's to the byte:
//
//	Connections: 5012 opened, 5012 TLS handshakes (4998 resumed)
//	Origins:
//	  http://10.0.0.1:80      61234 requests, 0 errors, 0 non-2xx, latency p50 1.10ms p99 4.20ms
//	  http://10.0.0.2:80      60012 requests, 3 errors, 0 non-2xx, latency p50 1.30ms p99 5.00ms
//
// Connections appear when more were opened than the run keeps (reconnects, Connection: close:
// the rate of connection setup is then part of what was measured).
func writeSetupLines(b *strings.Builder, run Run, r *stats.Result) {
	if r.Connections > uint64(max(run.Connections, 0)) {
		fmt.Fprintf(b, "  Connections: %d opened", r.Connections)
		if r.Handshakes > 0 {
			fmt.Fprintf(b, ", %d TLS handshakes (%d resumed)", r.Handshakes, r.Resumed)
		}
		b.WriteByte('\n')
	}
	if len(r.Origins) < 2 {
		return
	}
	width := 0
	for _, o := range r.Origins {
		width = max(width, len(Escape(o.Name)))
	}
	b.WriteString("  Origins:\n")
	for _, o := range r.Origins {
		fmt.Fprintf(b, "    %-*s %8d requests, %d errors, %d non-2xx", width, Escape(o.Name), o.Requests, o.Errors, o.Non2xx)
		if o.Latency != nil && o.Latency.TotalCount() > 0 {
			fmt.Fprintf(b, ", latency p50 %s p99 %s",
				formatTimeUs(extInt64(o.Latency.ValueAtPercentile(50))), formatTimeUs(extInt64(o.Latency.ValueAtPercentile(99))))
		}
		b.WriteByte('\n')
	}
}
