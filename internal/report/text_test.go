package report

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"volley/internal/stats"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current output")

var baseRun = Run{URL: "http://127.0.0.1:8080/", Threads: 2, Connections: 10, Duration: 10 * time.Second}

// record records each value n times.
func record(h *stats.Histogram, n int, values ...int64) {
	for _, v := range values {
		for range n {
			h.Record(v)
		}
	}
}

// normalResult is a healthy run: latencies around 1 ms, two threads.
func normalResult() *stats.Result {
	r := stats.NewResult()
	r.Elapsed = 10*time.Second + 3456*time.Microsecond
	r.Requests = 412_345
	r.Bytes = 412_345 * 152
	r.StatusCodes[200] = r.Requests
	for i := range 2000 {
		r.Latency.Record(int64(300 + i*i%1700))
	}
	record(r.Latency, 3, 12_500, 48_000)
	for i := range 200 {
		r.Rate.Record(int64(20_000 + i*37%1500))
	}
	return r
}

func goldenCases() map[string]struct {
	run Run
	res *stats.Result
} {
	cases := map[string]struct {
		run Run
		res *stats.Result
	}{}
	add := func(name string, run Run, res *stats.Result) {
		cases[name] = struct {
			run Run
			res *stats.Result
		}{run, res}
	}

	add("normal", baseRun, normalResult())

	latency := baseRun
	latency.Latency = true
	add("latency", latency, normalResult())

	// Sub-millisecond latencies, a 1 s run, no other unit than us.
	sub := stats.NewResult()
	sub.Elapsed = time.Second
	sub.Requests, sub.Bytes = 95_000, 95_000*90
	record(sub.Latency, 1, 12, 35, 80, 120, 400, 849)
	record(sub.Rate, 1, 47_000, 48_000)
	run := latency
	run.Duration = time.Second
	add("sub_ms", run, sub)

	// Multi-minute latencies in a 2 h run: minutes, never hours.
	slow := stats.NewResult()
	slow.Elapsed = 2*time.Hour + 150*time.Millisecond
	slow.Requests, slow.Bytes = 40, 40*1_000_000
	record(slow.Latency, 10, 45_000_000, 61_000_000, 300_000_000, 3_599_000_000)
	record(slow.Rate, 1, 1, 2)
	run = latency
	run.Duration = 2 * time.Hour
	add("multi_minute", run, slow)

	// Errors of every kind, with reasons that need escaping and more than five of them.
	bad := stats.NewResult()
	bad.Elapsed = 5 * time.Second
	bad.Requests, bad.Bytes = 1200, 1200*80
	record(bad.Latency, 100, 900, 1100, 2500)
	record(bad.Rate, 10, 120, 130)
	for range 7 {
		bad.Errors.Add(stats.KindConnect, "connect: connection refused")
	}
	bad.Errors.Add(stats.KindWrite, "write: broken pipe")
	for range 3 {
		bad.Errors.Add(stats.KindTimeout, "no response within 2s")
	}
	for range 12 {
		bad.Errors.Add(stats.KindProtocol, "invalid status line \"XTTP/1.1 200 OK\x1b[2J\"")
	}
	bad.Errors.Add(stats.KindProtocol, "header too large")
	bad.Errors.Add(stats.KindProtocol, "bad chunk size \u202e")
	bad.Errors.Add(stats.KindRead, "read: connection reset by peer")
	bad.Errors.Status = 30
	run = baseRun
	run.Duration = 5 * time.Second
	add("errors", run, bad)

	// Only non-2xx responses.
	non2xx := normalResult()
	non2xx.Errors.Status = non2xx.Requests
	add("non2xx", baseRun, non2xx)

	// Nothing at all: a server that accepts and never answers.
	empty := stats.NewResult()
	empty.Elapsed = 10*time.Second + 1000*time.Microsecond
	empty.Errors.Add(stats.KindTimeout, "")
	add("zero_samples", latency, empty)

	// A result with no elapsed time must not divide by zero.
	add("zero_elapsed", baseRun, stats.NewResult())

	// Huge numbers: counts past 2^32 and 2^53, rates in M, an hour-long max.
	huge := stats.NewResult()
	huge.Elapsed = 36 * time.Hour
	huge.Requests = 1<<53 + 1
	huge.Bytes = 1<<62 + 1
	huge.Errors.Connect = 1 << 33
	huge.Errors.Status = 5_000_000_000
	record(huge.Latency, 1, 1, 7_200_000_000_000) // one µs and 83 days
	record(huge.Rate, 5, 4_200_000, 9_900_000)
	run = latency
	run.Threads, run.Connections, run.Duration = 64, 100_000, 36*time.Hour
	add("huge", run, huge)

	// A hostile URL and a fractional duration in the banner.
	hostile := baseRun
	hostile.URL = "http://127.0.0.1:8080/\x1b]0;owned\x07\u202eevil"
	hostile.Duration = 1500 * time.Millisecond
	add("banner_escaped", hostile, normalResult())
	return cases
}

// TestGolden compares the text report with testdata/golden/NAME.txt byte for
// byte. After a deliberate change, run `go test -run Golden -update` and
// review the diff.
func TestGolden(t *testing.T) {
	for name, c := range goldenCases() {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteBanner(&b, c.run); err != nil {
				t.Fatal(err)
			}
			if err := WriteText(&b, c.run, c.res); err != nil {
				t.Fatal(err)
			}
			checkReport(t, b.String())
			path := filepath.Join("testdata", "golden", name+".txt")
			if *update {
				if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("got:\n%s\nwant (%s):\n%s", b.Bytes(), path, want)
			}
		})
	}
}

// checkReport holds for every report whatever the numbers: no nan or inf,
// no terminal control bytes, every line ending in a newline.
func checkReport(t *testing.T, s string) {
	t.Helper()
	for _, bad := range []string{"nan", "NaN", "inf", "Inf", "\x1b"} {
		if strings.Contains(s, bad) {
			t.Errorf("report contains %q:\n%s", bad, s)
		}
	}
	if !strings.HasSuffix(s, "\n") {
		t.Errorf("report does not end in a newline")
	}
	for _, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
		checkEscaped(t, "", line)
	}
}

func TestReasonsOnlyWhenAny(t *testing.T) {
	var b bytes.Buffer
	if err := WriteText(&b, baseRun, normalResult()); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Socket errors", "Non-2xx", "Protocol errors", "Error reasons"} {
		if strings.Contains(b.String(), s) {
			t.Errorf("a run without errors prints %q", s)
		}
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrors(t *testing.T) {
	if err := WriteBanner(failingWriter{}, baseRun); err == nil {
		t.Error("WriteBanner hid a write error")
	}
	if err := WriteText(failingWriter{}, baseRun, normalResult()); err == nil {
		t.Error("WriteText hid a write error")
	}
}

// Example output, for the package documentation.
func ExampleWriteText() {
	r := stats.NewResult()
	r.Elapsed = 2 * time.Second
	r.Requests, r.Bytes = 20_000, 20_000*150
	for i := range 20_000 {
		r.Latency.Record(int64(80 + i%40))
	}
	record(r.Rate, 20, 4900, 5100)
	run := Run{URL: "http://127.0.0.1:8080/", Threads: 2, Connections: 10, Duration: 2 * time.Second, Latency: true}
	_ = WriteBanner(os.Stdout, run)
	_ = WriteText(os.Stdout, run, r)
	fmt.Println("--")
	// Output:
	// Running 2s test @ http://127.0.0.1:8080/
	//   2 threads and 10 connections
	//   Thread Stats   Avg      Stdev     Max   +/- Stdev
	//     Latency    99.50us   11.54us 119.00us   60.00%
	//     Req/Sec     5.00k   101.27     5.10k   100.00%
	//   Latency Distribution
	//      50%  100.00us
	//      75%  110.00us
	//      90%  116.00us
	//      99%  119.00us
	//   20000 requests in 2.00s, 2.86MB read
	// Requests/sec:  10000.00
	// Transfer/sec:      1.43MB
	// --
}

// A run whose threads loaded other addresses than the target's says so after wrk's lines, and a
// merge adds the threads of equal addresses.
func TestOtherAddressesAreReported(t *testing.T) {
	r := stats.NewResult()
	run := Run{URL: "http://127.0.0.1:8080/", Threads: 4, Connections: 4, Duration: time.Second,
		Others: []OtherAddress{{Address: "127.0.0.2:9999", Threads: 1}, {Address: "[::1]:81", Threads: 2}}}
	var b strings.Builder
	if err := WriteText(&b, run, r); err != nil {
		t.Fatal(err)
	}
	want := "B\nLoad also went to 127.0.0.2:9999 (1 of 4 threads), [::1]:81 (2 of 4 threads), granted by --allow-net\n"
	if !strings.HasSuffix(b.String(), want) {
		t.Errorf("report ends %q, want %q", b.String()[max(len(b.String())-len(want), 0):], want)
	}
	run.Others = nil
	b.Reset()
	if err := WriteText(&b, run, r); err != nil || strings.Contains(b.String(), "Load also") {
		t.Errorf("a run on the target alone mentions other addresses: %q", b.String())
	}
	got := mergeOthers([]OtherAddress{{"a:1", 1}}, []OtherAddress{{"b:2", 2}, {"a:1", 3}})
	if len(got) != 2 || got[0] != (OtherAddress{"a:1", 4}) || got[1] != (OtherAddress{"b:2", 2}) {
		t.Errorf("mergeOthers = %v", got)
	}
}
