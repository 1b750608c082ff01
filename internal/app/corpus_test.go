package app

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"volley/internal/stats"
)

// corpusScript is a script of examples/corpus with what its header comment says it needs:
//
//	-- Flags: the flags that grant what it uses ("(none)")
//	-- Env: NAME=value ... set for the run
//	-- Writes: FILE TEXT (a file it must write, holding TEXT)
//	-- Without: what stderr says when it runs without its flags
type corpusScript struct {
	path, name     string
	flags, env     []string
	writes, marker string
	without        string
}

func readCorpus(t *testing.T, dir string) []corpusScript {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.lua"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no scripts in %s: %v", dir, err)
	}
	var list []corpusScript
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		c := corpusScript{path: p, name: filepath.Base(p)}
		for _, line := range strings.Split(string(src), "\n") {
			key, value, ok := strings.Cut(strings.TrimPrefix(line, "-- "), ": ")
			if !strings.HasPrefix(line, "-- ") || !ok {
				continue
			}
			switch key {
			case "Flags":
				if value != "(none)" {
					c.flags = strings.Fields(value)
				}
			case "Env":
				c.env = strings.Fields(value)
			case "Writes":
				c.writes, c.marker, _ = strings.Cut(value, " ")
			case "Without":
				c.without = value
			}
		}
		list = append(list, c)
	}
	return list
}

var requestsLine = regexp.MustCompile(`(?m)^  (\d+) requests in `)

// TestCorpus runs every script of examples/corpus through the whole program against the
// built-in server, with the flags its header names: each runs, sends requests, raises no
// error and writes what it says it writes. Each that needs a flag, run without it, fails with
// the error that names the flag.
func TestCorpus(t *testing.T) {
	corpus, err := filepath.Abs("../../examples/corpus")
	if err != nil {
		t.Fatal(err)
	}
	scripts := readCorpus(t, corpus)
	if len(scripts) < 30 {
		t.Errorf("the corpus has %d scripts, want at least 30", len(scripts))
	}
	srv := startTarget(t)
	run := func(t *testing.T, c corpusScript, flags []string) (int, string, string, string) {
		t.Helper()
		work := t.TempDir()
		if err := os.CopyFS(filepath.Join(work, "data"), os.DirFS(filepath.Join(corpus, "data"))); err != nil {
			t.Fatal(err)
		}
		t.Chdir(work) // scripts name their files relative to the working directory, as with wrk
		args := append([]string{"-t2", "-c4", "-d250ms", "--quiet", "-s", c.path}, flags...)
		code, out, errs := runApp(append(args, srv.URL()+"/")...)
		return code, out, errs, work
	}
	for _, c := range scripts {
		t.Run(c.name, func(t *testing.T) {
			for _, kv := range c.env {
				k, v, _ := strings.Cut(kv, "=")
				t.Setenv(k, v)
			}
			code, out, errs, work := run(t, c, c.flags)
			m := requestsLine.FindStringSubmatch(out)
			if code != 0 || m == nil || m[1] == "0" || strings.Contains(errs, ".lua:") {
				t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", code, out, errs)
			}
			if n, _ := strconv.Atoi(m[1]); n == 0 {
				t.Errorf("no requests")
			}
			if c.writes != "" {
				data, err := os.ReadFile(filepath.Join(work, c.writes))
				if err != nil || !strings.Contains(string(data), c.marker) {
					t.Errorf("%s: %q (%v), want it to hold %q", c.writes, data, err, c.marker)
				}
			}
			if len(c.flags) == 0 {
				return
			}
			if c.without == "" {
				t.Fatal("a script that needs flags must say what fails without them (-- Without:)")
			}
			code, out, errs, _ = run(t, c, nil)
			if code == 0 || !strings.Contains(errs, c.without) {
				t.Errorf("without %v: exit %d, stderr %q, want it to name %q (stdout %q)", c.flags, code, errs, c.without, out)
			}
		})
	}
}

// TestGrantErrors: a grant that cannot be opened stops the run before it starts, in one line
// naming the flag.
func TestGrantErrors(t *testing.T) {
	srv := startTarget(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s := writeScript(t, `wrk.path = "/"`)
	for _, c := range []struct {
		flags []string
		want  string
	}{
		{[]string{"--allow-write", filepath.Join(dir, "missing")}, "volley: --allow-write " + dir + "/missing: no such file or directory\n"},
		{[]string{"--allow-write", file}, "volley: --allow-write " + file + ": not a directory\n"},
		{[]string{"--allow-read", filepath.Join(dir, "missing")}, "volley: --allow-read " + dir + "/missing: no such file or directory\n"},
		{[]string{"--allow-env", "A-B"}, `volley: invalid --allow-env "A-B": not a variable name`},
	} {
		code, out, errs := runApp(append(append([]string{"-d100ms", "-s", s}, c.flags...), srv.URL()+"/")...)
		if code != ExitUsage || out != "" || !strings.HasPrefix(errs, c.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q, want %q", c.flags, code, out, errs, c.want)
		}
	}
}

// TestStatsWalkIsLinear: done() walking latency(i) over every distinct value lists the values
// once: the whole walk costs a few listings, not one listing per value (measured against one
// listing, in this run). Each is the fastest of up to five tries, so that a busy machine taking
// the CPU away for a while cannot make a linear walk look quadratic (which would cost thousands
// of listings: no number of tries brings that under the bound).
func TestStatsWalkIsLinear(t *testing.T) {
	h := stats.NewHistogram()
	for v := int64(1); v <= 20000; v++ {
		h.Record(v * 7)
	}
	one, walk := time.Duration(1<<62), time.Duration(1<<62)
	var n int64
	for try := 0; try < 5 && (try == 0 || walk > 20*one+50*time.Millisecond); try++ {
		start := time.Now()
		_ = h.HDR().Distribution()
		one = min(one, time.Since(start))
		s := &scriptStats{Histogram: h}
		start = time.Now()
		n = s.Distinct()
		for i := range n {
			if v, c := s.ValueAt(i); v <= 0 || c <= 0 {
				t.Fatalf("value %d: %d × %d", i, v, c)
			}
		}
		walk = min(walk, time.Since(start))
	}
	t.Logf("%d values: one listing %v, the whole walk %v", n, one, walk)
	if n < 5000 || walk > 20*one+50*time.Millisecond {
		t.Errorf("%d values walked in %v, one listing takes %v", n, walk, one)
	}
}
