package engine

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestTimerHeapOrders(t *testing.T) {
	var h timerHeap
	var want []int64
	for i := 0; i < 1000; i++ {
		at := rand.Int64N(500)
		h.push(timer{at: at, idx: int32(i)})
		want = append(want, at)
	}
	slices.Sort(want)
	for i, w := range want {
		got := h.pop().at
		if got != w {
			t.Fatalf("pop %d: got %d, want %d", i, got, w)
		}
	}
	if _, ok := h.peek(); ok {
		t.Fatal("heap not empty")
	}
}
