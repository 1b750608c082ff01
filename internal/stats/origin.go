package stats

import "github.com/HdrHistogram/hdrhistogram-go"

// OriginCounts is what a run with several origins records for each of them.
type OriginCounts struct {
	Name        string // set by the caller for reports; the engine records by index
	Requests    uint64 // complete responses
	Non2xx      uint64 // responses with an error status (see Errors.Status)
	Errors      uint64 // socket errors: connect, read, write, timeout
	Connections uint64 // connections that became ready to carry requests
	// Latency holds the origin's latencies in µs, as a series point does (HDR, 2 significant
	// digits, sparse: many origins must not cost a full histogram each).
	Latency *hdrhistogram.PackedHistogram
}

// NewOriginCounts returns empty counts for n origins.
func NewOriginCounts(n int) []OriginCounts {
	o := make([]OriginCounts, n)
	for i := range o {
		o[i].Latency = NewSeriesHistogram()
	}
	return o
}

// Response counts one complete response of the origin and its latency in µs.
func (o *OriginCounts) Response(status int, latencyUs int64) {
	o.Requests++
	if status > 399 || status <= 0 || status >= 600 {
		o.Non2xx++
	}
	_ = o.Latency.RecordValue(min(max(latencyUs, LowestValue), HighestValue)) // clamped: cannot fail
}

// mergeOrigins adds b to a by index; a grows to b's length. Names come from a, else from b.
func mergeOrigins(a, b []OriginCounts) []OriginCounts {
	for i := range b {
		if i == len(a) {
			a = append(a, OriginCounts{Name: b[i].Name, Latency: NewSeriesHistogram()})
		}
		o, p := &a[i], &b[i]
		if o.Name == "" {
			o.Name = p.Name
		}
		o.Requests += p.Requests
		o.Non2xx += p.Non2xx
		o.Errors += p.Errors
		o.Connections += p.Connections
		o.Latency.Merge(p.Latency)
	}
	return a
}
