package engine

// timer wakes a slot that waits for its delay() or schedule, or a connection that waits for a
// reconnect backoff. gen guards
// against a connection that was closed and reopened in the meantime.
type timer struct {
	at   int64
	idx  int32
	gen  int32
	slot int32 // 1 + the slot whose delay this is; 0 for the connection's reconnect backoff
}

// timerHeap is a binary min-heap on at: no allocation once it has grown to the number of
// connections, unlike container/heap with its interface boxing.
type timerHeap []timer

func (h *timerHeap) push(t timer) {
	*h = append(*h, t)
	s := *h
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if s[p].at <= s[i].at {
			break
		}
		s[p], s[i] = s[i], s[p]
		i = p
	}
}

func (h timerHeap) peek() (timer, bool) {
	if len(h) == 0 {
		return timer{}, false
	}
	return h[0], true
}

func (h *timerHeap) pop() timer {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	i := 0
	for {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(s) && s[l].at < s[m].at {
			m = l
		}
		if r < len(s) && s[r].at < s[m].at {
			m = r
		}
		if m == i {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return top
}
