package engine

import "testing"

// The slot table behind kqueue: a descriptor's events go to the connection it is registered
// for, from the batch after its registration on, and to nobody once it is closed, even when
// the same number is registered again for another connection within one batch.
func TestSlotTableDropsStaleEvents(t *testing.T) {
	var s slotTable
	s.set(5, 0, 1) // connection 0, generation 1, before the first wait
	s.next()
	if idx, gen := s.lookup(5); idx != 0 || gen != 1 {
		t.Fatalf("lookup(5) = %d, %d; want 0, 1", idx, gen)
	}
	// While handling this batch, connection 0 closes fd 5 and connection 3 opens a socket
	// that gets the same number: the batch's remaining events for fd 5 were for the old one.
	s.clear(5)
	if idx, _ := s.lookup(5); idx != evNone {
		t.Fatalf("a closed descriptor's event went to slot %d", idx)
	}
	s.set(5, 3, 7)
	if idx, _ := s.lookup(5); idx != evNone {
		t.Fatalf("an event of the batch before the registration went to slot %d", idx)
	}
	s.next()
	if idx, gen := s.lookup(5); idx != 3 || gen != 7 {
		t.Fatalf("next batch: lookup(5) = %d, %d; want 3, 7", idx, gen)
	}
	for _, fd := range []int{-1, 4, 1 << 20} {
		if idx, _ := s.lookup(fd); idx != evNone {
			t.Errorf("unregistered descriptor %d went to slot %d", fd, idx)
		}
	}
	s.set(2, evStop, 0)
	s.next()
	if idx, _ := s.lookup(2); idx != evStop {
		t.Errorf("the stop signal's descriptor went to %d", idx)
	}
}
