package stats

import (
	"testing"
	"time"
)

// The hot path must not allocate (docs/architecture.md, decision 1).
func TestHotPathDoesNotAllocate(t *testing.T) {
	r := NewRecorder()
	var now time.Duration
	v := int64(0)
	allocs := testing.AllocsPerRun(10_000, func() {
		v = (v + 7919) % 5_000_000
		r.Response(200, v)
		r.Read(120)
		now += 10 * time.Microsecond
		r.Tick(now)
	})
	if allocs != 0 {
		t.Fatalf("Response+Read+Tick allocate %v times per call", allocs)
	}
}

func BenchmarkRecord(b *testing.B) {
	h := NewHistogram()
	v := int64(0)
	for b.Loop() {
		v = (v + 7919) % 5_000_000 // spread over many buckets, as latencies are
		h.Record(v)
	}
}

func BenchmarkResponse(b *testing.B) {
	r := NewRecorder()
	v := int64(0)
	for b.Loop() {
		v = (v + 7919) % 5_000_000
		r.Response(200, v)
	}
}

func BenchmarkTick(b *testing.B) {
	r := NewRecorder()
	var now time.Duration
	for b.Loop() {
		now += time.Microsecond
		r.Completed(200)
		r.Tick(now)
	}
}
