package testserver

import (
	"slices"
	"sync"
	"time"
)

// maxSamples bounds the arrival times and delays kept (8 MiB each); counts,
// minimum, maximum and mean of delays cover every sample regardless.
const maxSamples = 1 << 20

// recorder keeps the samples that tests read back. It is only touched for
// requests that were held or when arrivals are recorded, never on the plain
// hello path.
type recorder struct {
	mu       sync.Mutex
	arrivals []time.Duration
	arrConn  []uint64 // the connection of each arrival (its number in accept order)
	delays   []time.Duration
	count    int
	sum      time.Duration
	min, max time.Duration
}

func (r *recorder) arrival(t time.Duration, conn uint64) {
	r.mu.Lock()
	if len(r.arrivals) < maxSamples {
		r.arrivals = append(r.arrivals, t)
		r.arrConn = append(r.arrConn, conn)
	}
	r.mu.Unlock()
}

// delay records, for each held response, the time from its request's arrival
// to the start of the write that carried it.
func (r *recorder) delay(writeStart time.Duration, arrivals []time.Duration) {
	r.mu.Lock()
	for _, a := range arrivals {
		d := writeStart - a
		if len(r.delays) < maxSamples {
			r.delays = append(r.delays, d)
		}
		if r.count == 0 || d < r.min {
			r.min = d
		}
		if d > r.max {
			r.max = d
		}
		r.count++
		r.sum += d
	}
	r.mu.Unlock()
}

// Arrivals returns, in increasing order, when each complete request arrived
// (the monotonic time since Start of the read that completed it). Empty
// unless Options.RecordArrivals; at most 1<<20 are kept.
func (s *Server) Arrivals() []time.Duration {
	s.rec.mu.Lock()
	a := slices.Clone(s.rec.arrivals)
	s.rec.mu.Unlock()
	slices.Sort(a)
	return a
}

// ArrivalsByConnection returns Arrivals grouped by connection, each in increasing order: the
// gaps between one connection's arrivals are what a closed-loop client took per request, as the
// kernel saw it, a reference for the latency the client reports.
func (s *Server) ArrivalsByConnection() [][]time.Duration {
	s.rec.mu.Lock()
	defer s.rec.mu.Unlock()
	byConn := map[uint64][]time.Duration{}
	for i, a := range s.rec.arrivals {
		byConn[s.rec.arrConn[i]] = append(byConn[s.rec.arrConn[i]], a)
	}
	out := make([][]time.Duration, 0, len(byConn))
	for _, a := range byConn {
		slices.Sort(a)
		out = append(out, a)
	}
	return out
}

// Origin is the instant every Duration the server reports counts from: Arrivals()[i] happened
// at Origin().Add(Arrivals()[i]).
func (s *Server) Origin() time.Time { return s.start }

// Delays returns the delays actually produced for held responses (those with
// a delay from Options, the route or the query, or held by Freeze): the time
// from the request's arrival to the start of the write of its response, in
// the order written. At most 1<<20 are kept.
func (s *Server) Delays() []time.Duration {
	s.rec.mu.Lock()
	defer s.rec.mu.Unlock()
	return slices.Clone(s.rec.delays)
}

// DelaySummary describes the delays actually produced.
type DelaySummary struct {
	Count               int
	Min, Mean, Max      time.Duration
	P50, P90, P99, P999 time.Duration // over the first 1<<20 delays
}

// DelaySummary summarizes Delays.
func (s *Server) DelaySummary() DelaySummary {
	s.rec.mu.Lock()
	sum := DelaySummary{Count: s.rec.count, Min: s.rec.min, Max: s.rec.max}
	if s.rec.count > 0 {
		sum.Mean = s.rec.sum / time.Duration(s.rec.count)
	}
	d := slices.Clone(s.rec.delays)
	s.rec.mu.Unlock()
	if len(d) == 0 {
		return sum
	}
	slices.Sort(d)
	at := func(q float64) time.Duration { return d[int(q*float64(len(d)-1)+0.5)] }
	sum.P50, sum.P90, sum.P99, sum.P999 = at(0.5), at(0.9), at(0.99), at(0.999)
	return sum
}
