package report

import (
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// ProgressInterval is how often the progress line is redrawn.
const ProgressInterval = 250 * time.Millisecond

// rateWindow is how far back the current req/s looks: long enough to be
// steady, short enough to show a change within a second.
const rateWindow = time.Second

// Progress keeps one status line up to date on a terminal while a run goes:
//
//	elapsed 3.2s, remaining 6.8s, 12.34k req/s, 0 errors
//
// redrawn in place (carriage return, clear line) a few times a second, and
// erased by Stop so that the report starts on a clean line. Use it only when
// the writer is a terminal (IsTerminal): elsewhere it would litter logs.
type Progress struct {
	w        io.Writer
	duration time.Duration
	snapshot func() (requests, errors uint64)
	start    time.Time
	samples  []sample // the last rateWindow of snapshots, oldest first
	stop     chan struct{}
	done     chan struct{}
	once     sync.Once
}

type sample struct {
	at       time.Time
	requests uint64
}

// StartProgress starts redrawing on w until Stop. duration is the run's
// planned length (0 when unknown: no remaining time is shown); snapshot
// returns the run's responses and errors so far and must be safe to call
// from another goroutine.
func StartProgress(w io.Writer, duration time.Duration, snapshot func() (requests, errors uint64)) *Progress {
	p := newProgress(w, duration, snapshot, time.Now())
	go p.loop()
	return p
}

func newProgress(w io.Writer, duration time.Duration, snapshot func() (uint64, uint64), start time.Time) *Progress {
	return &Progress{w: w, duration: duration, snapshot: snapshot, start: start,
		stop: make(chan struct{}), done: make(chan struct{})}
}

func (p *Progress) loop() {
	defer close(p.done)
	t := time.NewTicker(ProgressInterval)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			// The line is cosmetic: a terminal that fails a write is left alone.
			_, _ = io.WriteString(p.w, "\r\x1b[K")
			return
		case now := <-t.C:
			if _, err := io.WriteString(p.w, "\r\x1b[K"+p.line(now)); err != nil {
				<-p.stop
				return
			}
		}
	}
}

// Stop erases the line and returns once nothing more will be written. It
// may be called more than once.
func (p *Progress) Stop() {
	p.once.Do(func() { close(p.stop) })
	<-p.done
}

// line is the status at now.
func (p *Progress) line(now time.Time) string {
	requests, errors := p.snapshot()
	p.samples = append(p.samples, sample{now, requests})
	for len(p.samples) > 2 && now.Sub(p.samples[1].at) >= rateWindow {
		p.samples = p.samples[1:]
	}
	var rate float64
	if first := p.samples[0]; len(p.samples) > 1 && now.After(first.at) {
		rate = float64(requests-first.requests) / now.Sub(first.at).Seconds()
	} else if elapsed := now.Sub(p.start); elapsed > 0 {
		rate = float64(requests) / elapsed.Seconds()
	}
	elapsed := max(now.Sub(p.start), 0)
	s := "  elapsed " + shortDuration(elapsed)
	if p.duration > 0 {
		s += ", remaining " + shortDuration(max(p.duration-elapsed, 0))
	}
	return s + ", " + FormatMetric(rate) + " req/s, " + strconv.FormatUint(errors, 10) + " errors"
}

// shortDuration shows a duration to a tenth of a second below a minute
// ("3.2s"), in whole seconds above ("1m05s", "2h00m10s").
func shortDuration(d time.Duration) string {
	if d < time.Minute {
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + "s"
	}
	d = d.Truncate(time.Second)
	h, m, s := int(d/time.Hour), int(d/time.Minute%60), int(d/time.Second%60)
	two := func(n int) string {
		if n < 10 {
			return "0" + strconv.Itoa(n)
		}
		return strconv.Itoa(n)
	}
	if h > 0 {
		return strconv.Itoa(h) + "h" + two(m) + "m" + two(s) + "s"
	}
	return strconv.Itoa(m) + "m" + two(s) + "s"
}

// IsTerminal reports whether w is a terminal (a character device that
// answers the terminal ioctl), where a redrawn progress line makes sense.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || f == nil {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), getTermios)
	return err == nil
}
