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
func (s *schedule) due() int64 { return s.dueAfter(0) }

// dueAfter is the scheduled time of the slot i slots after the next one.
func (s *schedule) dueAfter(i int) int64 { return s.offset + int64(float64(s.k+int64(i))*s.period) }

// advance consumes n slots: a pipelined batch of n requests is n requests of the rate.
func (s *schedule) advance(n int) { s.k += int64(n) }

// fit is how many of the next n slots are due before end (a binary search: n may be large).
func (s *schedule) fit(n int, end int64) int {
	lo, hi := 0, n // slots [0, lo) are due before end; slots [hi, n) are not
	for lo < hi {
		if mid := int(uint(lo+hi) >> 1); s.dueAfter(mid) < end {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// postpone shifts the rest of the schedule by a script's delay(): think time is not latency.
func (s *schedule) postpone(d int64) { s.offset += d }

// claim takes up to n requests from the -n quota shared by all threads and returns how many it
// took: fewer than n when fewer remain (the batch is then cut to those), 0 when none do.
func (t *thread) claim(n int) int {
	limit := t.cfg.Requests
	if limit == 0 || n == 0 {
		return n
	}
	for {
		cur := t.sh.issued.Load()
		batch := min(uint64(n), limit-cur) //nolint:gosec // G115: n is a pipelined batch's length, never negative
		if batch == 0 {
			t.quotaDone = true
			return 0
		}
		if t.sh.issued.CompareAndSwap(cur, cur+batch) {
			if cur+batch == limit {
				t.quotaDone = true
			}
			return int(batch) //nolint:gosec // G115: batch ≤ n
		}
	}
}
