package engine

// slotTable is, for a poller whose events name only a descriptor (kqueue), which connection
// slot and generation each descriptor was registered for. A descriptor closed and opened again
// while a batch of events is being handled must not receive that batch's events, which were
// for the descriptor's previous life: a registration records the batch it was made in, and
// lookups during that batch find nothing. (epoll carries slot and generation in each event.)
type slotTable struct {
	slots []pollSlot // by descriptor
	batch uint64     // batches of events so far
}

type pollSlot struct {
	idx, gen int32
	since    uint64 // the batch during which it was registered
}

// evNone is what a lookup finds for a descriptor that is not, or not yet, registered.
const evNone = -3

// next starts a new batch: called before each wait for events.
func (s *slotTable) next() { s.batch++ }

func (s *slotTable) set(fd int, idx, gen int32) {
	for len(s.slots) <= fd {
		s.slots = append(s.slots, pollSlot{idx: evNone})
	}
	s.slots[fd] = pollSlot{idx: idx, gen: gen, since: s.batch}
}

func (s *slotTable) clear(fd int) {
	if fd >= 0 && fd < len(s.slots) {
		s.slots[fd] = pollSlot{idx: evNone}
	}
}

// lookup returns the slot and generation for an event of the current batch on fd.
func (s *slotTable) lookup(fd int) (idx, gen int32) {
	if fd < 0 || fd >= len(s.slots) {
		return evNone, 0
	}
	if sl := s.slots[fd]; sl.idx != evNone && sl.since != s.batch {
		return sl.idx, sl.gen
	}
	return evNone, 0
}
