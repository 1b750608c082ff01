package report

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"volley/internal/stats"
)

// TestRealWrk checks volley's report against what the real wrk printed.
//
// Each testdata/wrk/NAME.txt is wrk's stdout, verbatim; NAME.numbers holds the
// exact numbers behind it, written by wrk itself through the done() hook of
// testdata/wrk/dump.lua: run time, counts, errors, and every distinct latency
// and req/s value with its count (after wrk's own coordinated-omission
// correction, which is what wrk prints). The test feeds those numbers into a
// stats.Result, renders banner and report, and requires wrk's text byte for
// byte, except where volley differs on purpose or by HDR's precision:
//   - a run without samples: wrk prints "-nan%", volley "0.00%";
//   - latency percentiles above 2047 µs, where HDR buckets are wider than
//     1 µs and HDR reports a bucket's highest value: same layout, value within
//     0.1% plus one unit of the last printed digit;
//   - the +/- Stdev column when values near mean ± stdev lie in such buckets:
//     within 0.1 points.
//
// The "exact" and "read_errors" cases must match with no such allowance.
// Made with wrk 4.1.0 (Debian, x86-64) against nginx 1.22 answering
// `return 200 "hello\n"` (exact, one_connection, two_threads), `return 404`
// (non2xx), and a Python server answering every request with "XTTP/1.1 200
// OK\r\n\r\n" (read_errors). To add a case, with a server on 127.0.0.1:PORT:
//
//	WRK_DUMP=NAME.numbers wrk -t2 -c4 -d1s --latency -s dump.lua http://127.0.0.1:PORT/ > NAME.txt
func TestRealWrk(t *testing.T) {
	cases, err := filepath.Glob("testdata/wrk/*.txt")
	if err != nil || len(cases) < 5 {
		t.Fatalf("want at least 5 cases in testdata/wrk, found %d (%v)", len(cases), err)
	}
	for _, txt := range cases {
		name := strings.TrimSuffix(filepath.Base(txt), ".txt")
		t.Run(name, func(t *testing.T) {
			want, err := os.ReadFile(txt)
			if err != nil {
				t.Fatal(err)
			}
			run, res := readWrkCase(t, want, strings.TrimSuffix(txt, ".txt")+".numbers")
			var got bytes.Buffer
			if err := WriteBanner(&got, run); err != nil {
				t.Fatal(err)
			}
			if err := WriteText(&got, run, res); err != nil {
				t.Fatal(err)
			}
			fixed := strings.ReplaceAll(string(want), "-nan%", "0.00%")
			strict := name == "exact" || name == "read_errors"
			gotLines, wantLines := strings.SplitAfter(got.String(), "\n"), strings.SplitAfter(fixed, "\n")
			same := len(gotLines) == len(wantLines)
			for i := 0; same && i < len(gotLines); i++ {
				same = gotLines[i] == wantLines[i] || !strict &&
					(samePercentile(gotLines[i], wantLines[i]) || sameStatsRow(gotLines[i], wantLines[i]))
			}
			if !same {
				t.Errorf("volley printed:\n%s\nwrk printed:\n%s", got.Bytes(), want)
			}
		})
	}
}

var percentileRe = regexp.MustCompile(`^ +\d+% +(\d+\.\d\d)(us|ms|s|m)\n$`)

// samePercentile reports whether two Latency Distribution lines have the same
// layout, and values above 2047 µs that differ by HDR's precision at most.
func samePercentile(got, want string) bool {
	g, w := percentileRe.FindStringSubmatch(got), percentileRe.FindStringSubmatch(want)
	if g == nil || w == nil || len(got) != len(want) || g[2] != w[2] || (g[2] == "us" && g[1] != w[1]) {
		return false
	}
	gv, _ := strconv.ParseFloat(g[1], 64)
	wv, _ := strconv.ParseFloat(w[1], 64)
	return math.Abs(gv-wv) <= 0.001*wv+0.01
}

// sameStatsRow reports whether two Thread Stats rows have the same layout and
// the same numbers except for a +/- Stdev within 0.1 points.
func sameStatsRow(got, want string) bool {
	g, w := strings.Fields(got), strings.Fields(want)
	if len(got) != len(want) || len(g) != 5 || len(w) != 5 || !slices.Equal(g[:4], w[:4]) {
		return false
	}
	gv, err1 := strconv.ParseFloat(strings.TrimSuffix(g[4], "%"), 64)
	wv, err2 := strconv.ParseFloat(strings.TrimSuffix(w[4], "%"), 64)
	return err1 == nil && err2 == nil && math.Abs(gv-wv) <= 0.1
}

var (
	bannerRe  = regexp.MustCompile(`^Running (\d+)([smh]) test @ (.*)\n  (\d+) threads and (\d+) connections\n`)
	unitOfDur = map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour}
)

func readWrkCase(t *testing.T, out []byte, numbers string) (Run, *stats.Result) {
	t.Helper()
	m := bannerRe.FindSubmatch(out)
	if m == nil {
		t.Fatalf("no wrk banner in the output")
	}
	n, _ := strconv.Atoi(string(m[1]))
	threads, _ := strconv.Atoi(string(m[4]))
	conns, _ := strconv.Atoi(string(m[5]))
	run := Run{
		URL:         string(m[3]),
		Threads:     threads,
		Connections: conns,
		Duration:    time.Duration(n) * unitOfDur[string(m[2])],
		Latency:     bytes.Contains(out, []byte("Latency Distribution")),
	}

	data, err := os.ReadFile(numbers)
	if err != nil {
		t.Fatal(err)
	}
	res := stats.NewResult()
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		var key string
		var a, b uint64
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "errors "):
			e := &res.Errors
			_, err = fmt.Sscanf(line, "errors %d %d %d %d %d", &e.Connect, &e.Read, &e.Write, &e.Timeout, &e.Status)
		case strings.HasPrefix(line, "latency "), strings.HasPrefix(line, "rate "):
			_, err = fmt.Sscanf(line, "%s %d %d", &key, &a, &b)
			h := res.Latency
			if key == "rate" {
				h = res.Rate
			}
			for range b {
				h.Record(int64(a))
			}
		default:
			_, err = fmt.Sscanf(line, "%s %d", &key, &a)
			switch key {
			case "duration_us":
				res.Elapsed = time.Duration(a) * time.Microsecond
			case "requests":
				res.Requests = a
			case "bytes":
				res.Bytes = a
			default:
				err = fmt.Errorf("unknown key %q", key)
			}
		}
		if err != nil {
			t.Fatalf("%s: %q: %v", numbers, line, err)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return run, res
}
