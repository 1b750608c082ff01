package engine

import "time"

// schedule is one connection's share of a constant-rate run. With C connections at R requests/s
// in all, connection g sends its k-th request at g/R + k·C/R: each connection is evenly paced
// and staggered from the others, so that all send times together are evenly spaced at 1/R, as
// if one sender had sent them. A send that is late because the connection was still waiting
// for a response keeps its place in the schedule: its latency is measured from the scheduled
// time, which is what a user arriving at that time would have experienced (coordinated
// omission corrected).
type schedule struct {
	offset int64   // ns from the run's start to this connection's first slot
	period float64 // ns between this connection's slots
	k      int64   // the next slot
}

func newSchedule(global, connections int, rate float64) schedule {
	return schedule{
		offset: int64(float64(global) * float64(time.Second) / rate),
		period: float64(connections) * float64(time.Second) / rate,
	}
}

// due is the scheduled time of the next request.
func (s *schedule) due() int64 { return s.offset + int64(float64(s.k)*s.period) }

// advance consumes n slots: a pipelined batch of n requests is n requests of the rate.
func (s *schedule) advance(n int) { s.k += int64(n) }

// postpone shifts the rest of the schedule by a script's delay(): think time is not latency.
func (s *schedule) postpone(d int64) { s.offset += d }

// claim takes n requests from the -n quota shared by all threads. It fails, taking nothing,
// when fewer than n remain.
func (t *thread) claim(n int) bool {
	limit := t.cfg.Requests
	if limit == 0 {
		return true
	}
	batch := uint64(n) //nolint:gosec // G115: n is a pipelined batch's length, never negative
	for {
		cur := t.sh.issued.Load()
		if cur+batch > limit {
			t.quotaDone = true
			return false
		}
		if t.sh.issued.CompareAndSwap(cur, cur+batch) {
			if cur+batch == limit {
				t.quotaDone = true
			}
			return true
		}
	}
}
