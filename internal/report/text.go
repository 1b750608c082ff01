package report

import (
	"cmp"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"volley/internal/stats"
)

// Run is what the text report says about the invocation.
type Run struct {
	URL         string // as the user gave it; printed escaped
	Threads     int
	Connections int
	Duration    time.Duration // 0: no deadline (-n alone)
	Requests    uint64        // -n, 0 for none
	Latency     bool          // print the latency distribution (--latency)

	// Rate mode (-R): the requested rate, whether to print the uncorrected distribution too
	// (-U), and the generator's send lag, which says whether volley kept its schedule.
	Rate        float64
	Uncorrected bool
	Lag         *stats.Histogram

	// Protocol is "h2" or "h2c" for an HTTP/2 run, with Streams per connection; "" (HTTP/1.1)
	// keeps wrk's banner to the byte.
	Protocol string
	Streams  int
	// Others are addresses other than the target's that threads loaded (a script's
	// thread.addr, granted by --allow-net): the report says so after wrk's lines.
	Others []OtherAddress
}

// OtherAddress is an address other than the target's, and how many threads loaded it.
type OtherAddress struct {
	Address string `json:"address"` // host:port, as dialled
	Threads int    `json:"threads"`
}

// latencyPercentiles are the rows of wrk's "Latency Distribution".
var latencyPercentiles = []float64{50, 75, 90, 99}

// maxReasons is how many error reasons the report lists.
const maxReasons = 5

// WriteBanner writes wrk's first two lines, and says what ends the run when -n does:
//
//	Running 10s test @ http://127.0.0.1:8080/
//	  2 threads and 10 connections
//	Running 5000 requests @ http://127.0.0.1:8080/               (-n 5000)
//	Running 5000 requests, for at most 10s @ http://127.0.0.1:8080/  (-n 5000 -d 10s)
//
// and for HTTP/2, "  2 threads and 10 connections × 8 streams (h2c)".
func WriteBanner(w io.Writer, run Run) error {
	what := FormatDuration(run.Duration) + " test"
	if run.Requests > 0 {
		what = strconv.FormatUint(run.Requests, 10) + " requests"
		if run.Duration > 0 {
			what += ", for at most " + FormatDuration(run.Duration)
		}
	}
	streams := ""
	if run.Protocol != "" {
		streams = fmt.Sprintf(" × %d streams (%s)", run.Streams, run.Protocol)
	}
	_, err := fmt.Fprintf(w, "Running %s @ %s\n  %d threads and %d connections%s\n",
		what, Escape(run.URL), run.Threads, run.Connections, streams)
	return err
}

// WriteText writes wrk's report of a finished run: wrk's layout to the byte
// and wrk's digits (see extPrec), so that tools which parse wrk's output can
// parse volley's. Where wrk prints nonsense volley does not: a run without
// samples shows 0.00% rather than -nan%, counts above 2^31 do not turn
// negative, and a value too wide for its column widens the line instead of
// losing its unit. Between wrk's error lines and "Requests/sec:" volley adds
// its own, each only when there is something to say (indented as wrk's):
//
//	Protocol errors: 2618
//	Error reasons:
//	  2618 invalid status line "XTTP/1.1 200 OK"
//	     3 connect: connection refused
//	     4 in 2 more reasons
func WriteText(w io.Writer, run Run, r *stats.Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "  Thread Stats%6s%11s%8s%12s\n", "Avg", "Stdev", "Max", "+/- Stdev")
	writeStats(&b, "Latency", r.Latency, formatTimeUs)
	writeStats(&b, "Req/Sec", r.Rate, func(n *big.Float) string { return metricU.format(n, 2) })
	switch {
	case run.Rate > 0:
		if run.Latency {
			writeSpectrum(&b, "Recorded Latency", r.Latency)
		}
		if run.Uncorrected && r.Uncorrected != nil {
			b.WriteByte('\n')
			writeSpectrum(&b, "Uncorrected Latency (measured without taking delayed starts into account)", r.Uncorrected)
		}
	case run.Latency:
		b.WriteString("  Latency Distribution\n")
		for _, p := range latencyPercentiles {
			fmt.Fprintf(&b, "%7.0f%%", p)
			writeCell(&b, formatTimeUs(extInt64(r.Latency.Percentile(p))), 10)
			b.WriteByte('\n')
		}
	}

	us := max(r.Elapsed.Microseconds(), 0)
	fmt.Fprintf(&b, "  %d requests in %s, %sB read\n", r.Requests,
		formatTimeUs(extInt64(us)), binaryU.format(extUint(r.Bytes), 2))
	e := &r.Errors
	if e.Socket() {
		fmt.Fprintf(&b, "  Socket errors: connect %d, read %d, write %d, timeout %d\n",
			e.Connect, e.Read, e.Write, e.Timeout)
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, "  Non-2xx or 3xx responses: %d\n", e.Status)
	}
	writeReasons(&b, e)
	writeRateLines(&b, run, r)

	reqPerSec, bytesPerSec := ext(0), ext(0)
	if us > 0 { // as wrk: per second of the run time counted in whole µs
		secs := extQuo(extInt64(us), ext(1e6))
		reqPerSec = extQuo(extUint(r.Requests), secs)
		bytesPerSec = extQuo(extUint(r.Bytes), secs)
	}
	fmt.Fprintf(&b, "Requests/sec: %9s\n", reqPerSec.Text('f', 2))
	fmt.Fprintf(&b, "Transfer/sec: %10sB\n", binaryU.format(bytesPerSec, 2))
	writeOthers(&b, run)
	writeSetupLines(&b, run, r)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeStats writes one row of the Thread Stats table: mean, stdev, max and
// the share of values within one stdev of the mean.
func writeStats(b *strings.Builder, name string, h *stats.Histogram, format func(*big.Float) string) {
	n := h.Count()
	mean, within := ext(0), ext(0)
	if n > 0 {
		mean = extQuo(extInt(h.Sum()), extInt64(n))
		in := h.CountWithin(h.Mean()-h.Stdev(), h.Mean()+h.Stdev())
		within = extMul(extQuo(extInt64(in), extInt64(n)), ext(100))
	}
	fmt.Fprintf(b, "    %-10s", name)
	writeCell(b, format(mean), 8)
	writeCell(b, format(ext(h.Stdev())), 10)
	writeCell(b, format(extInt64(h.Max())), 9)
	fmt.Fprintf(b, "%8s%%\n", within.Text('f', 2))
}

// writeCell right-aligns a formatted value in a column of width bytes whose
// last two bytes are reserved for a unit: a value with a two-letter unit
// ("ms") ends at the column's end, one with a one-letter unit ("k") one byte
// before, and a bare number two bytes before, so that the decimals line up.
// wrk cuts a value too wide for its column, unit first; volley widens the
// line instead, keeping a space before the value.
func writeCell(b *strings.Builder, s string, width int) {
	pad := 2
	for i := max(len(s)-2, 0); i < len(s); i++ {
		if c := s[i] | 0x20; c >= 'a' && c <= 'z' {
			pad--
		}
	}
	if len(s) > width-pad {
		b.WriteByte(' ')
	}
	fmt.Fprintf(b, "%*s%s", width-pad, s, "  "[:pad])
}

// writeReasons writes volley's own error lines: the count of malformed
// responses and the most frequent reasons for all errors.
func writeReasons(b *strings.Builder, e *stats.Errors) {
	if e.Protocol != 0 {
		fmt.Fprintf(b, "  Protocol errors: %d\n", e.Protocol)
	}
	if len(e.Reasons) == 0 {
		return
	}
	type reason struct {
		text string
		n    uint64
	}
	rs := make([]reason, 0, len(e.Reasons))
	for text, n := range e.Reasons {
		rs = append(rs, reason{text, n})
	}
	slices.SortFunc(rs, func(a, b reason) int {
		return cmp.Or(cmp.Compare(b.n, a.n), strings.Compare(a.text, b.text))
	})
	var rest uint64
	for _, r := range rs[min(len(rs), maxReasons):] {
		rest += r.n
	}
	width := len(fmt.Sprint(max(rs[0].n, rest)))
	b.WriteString("  Error reasons:\n")
	for _, r := range rs[:min(len(rs), maxReasons)] {
		fmt.Fprintf(b, "    %*d %s\n", width, r.n, Escape(r.text))
	}
	if len(rs) > maxReasons {
		fmt.Fprintf(b, "    %*d in %d more reasons\n", width, rest, len(rs)-maxReasons)
	}
}

// writeOthers says where the load went besides the target, when a script sent threads
// elsewhere: "Load also went to 127.0.0.2:9999 (1 of 2 threads), granted by --allow-net".
func writeOthers(b *strings.Builder, run Run) {
	if len(run.Others) > 0 {
		b.WriteString("Load also went to " + othersText(run.Others, run.Threads) + ", granted by --allow-net\n")
	}
}

// othersText lists other addresses with their threads, escaped: "127.0.0.2:9999 (1 of 2 threads)".
func othersText(others []OtherAddress, threads int) string {
	parts := make([]string, len(others))
	for i, o := range others {
		parts[i] = fmt.Sprintf("%s (%d of %d threads)", Escape(o.Address), o.Threads, threads)
	}
	return strings.Join(parts, ", ")
}
