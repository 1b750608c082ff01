package report

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestProgressLine(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var requests, errors uint64
	p := newProgress(nil, 10*time.Second, func() (uint64, uint64) { return requests, errors }, start)
	at := func(ms int) time.Time { return start.Add(time.Duration(ms) * time.Millisecond) }

	requests = 500
	if got, want := p.line(at(250)), "  elapsed 0.2s, remaining 9.8s, 2.00k req/s, 0 errors"; got != want {
		t.Errorf("first line %q, want %q", got, want)
	}
	// 1000 req/s from here on: the rate follows within the window.
	for ms := 500; ms <= 3000; ms += 250 {
		requests += 250
		errors++
		p.line(at(ms))
	}
	if got, want := p.line(at(3250)), "  elapsed 3.2s, remaining 6.8s, 750.00 req/s, 11 errors"; got != want {
		// No requests since 3.0 s: over the last second, 750 in 1 s.
		t.Errorf("line %q, want %q", got, want)
	}
	if n := len(p.samples); n > 6 {
		t.Errorf("%d samples kept for a 1 s window", n)
	}
	if got := p.line(at(12_000)); !strings.Contains(got, "remaining 0.0s") {
		t.Errorf("past the end: %q", got)
	}
	p.duration = 0
	if got := p.line(at(13_000)); strings.Contains(got, "remaining") {
		t.Errorf("unknown duration: %q", got)
	}
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0.0s", 3250 * time.Millisecond: "3.2s", 59900 * time.Millisecond: "59.9s",
		65 * time.Second: "1m05s", 2*time.Hour + 10*time.Second: "2h00m10s",
	} {
		if got := shortDuration(d); got != want {
			t.Errorf("shortDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestProgressRedrawsAndErases(t *testing.T) {
	var out lockedBuffer
	var requests atomic.Uint64
	p := StartProgress(&out, time.Second, func() (uint64, uint64) { return requests.Add(100), 0 })
	time.Sleep(3*ProgressInterval + ProgressInterval/2)
	p.Stop()
	p.Stop() // harmless
	s := out.String()
	lines := strings.Count(s, "\r\x1b[K  elapsed ")
	if lines < 2 || lines > 4 {
		t.Errorf("%d redraws in 3.5 intervals: %q", lines, s)
	}
	if !strings.HasSuffix(s, "\r\x1b[K") || strings.Contains(s, "\n") {
		t.Errorf("output does not end erased, on one line: %q", s)
	}
	if after := out.String(); after != s {
		t.Error("written to after Stop")
	}
}
