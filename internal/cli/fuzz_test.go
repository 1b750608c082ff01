package cli

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"volley/internal/target"
)

// FuzzParseArgs feeds argv encoded as NUL-separated arguments (an OS argv
// cannot contain NUL, so this covers every real command line).
func FuzzParseArgs(f *testing.F) {
	for _, s := range []string{
		"http://localhost/", "-t4\x00-c100\x00-d30s\x00http://h/", "demo\x00-c\x00x",
		"-H\x00X: 1\x00--\x00http://h/\x00a", "--bogus\x00-h", "-Ltest.v", "--max-h\x003",
		"merge\x00--json\x00-\x00a.json", "--fail-on\x00p99<5xs\x00http://h/", "--json=x\x00--html\x00x\x00http://h/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		args := strings.Split(data, "\x00")
		cfg, cmd, err := Parse(args)
		if err != nil {
			checkUsageError(t, args, err)
			_, cmd2, err2 := Parse(args)
			if err2 == nil || err2.Error() != err.Error() || cmd2 != cmd {
				t.Fatalf("Parse(%q) is not deterministic: %v then %v", args, err, err2)
			}
			return
		}
		switch cmd {
		case CmdHelp, CmdVersion:
			if cfg != nil {
				t.Fatalf("Parse(%q): %v with a config", args, cmd)
			}
			return
		case CmdRun:
			if cfg.Target == nil {
				t.Fatalf("Parse(%q): run without a target", args)
			}
		case CmdDemo:
			if cfg.Target != nil || len(cfg.ScriptArgs) != 0 {
				t.Fatalf("Parse(%q): demo with a target", args)
			}
		case CmdMerge:
			if cfg.Target != nil || len(cfg.MergeFiles) == 0 || slices.Contains(cfg.MergeFiles, "") {
				t.Fatalf("Parse(%q): merge of %q", args, cfg.MergeFiles)
			}
		default:
			t.Fatalf("Parse(%q): command %v", args, cmd)
		}
		checkConfig(t, args, cfg)
	})
}

// checkConfig asserts that an accepted config respects every bound.
func checkConfig(t *testing.T, args []string, c *Config) {
	t.Helper()
	ok := c.Threads >= MinThreads && c.Threads <= MaxThreads &&
		c.Connections >= MinConnections && c.Connections <= MaxConnections && c.Connections >= c.Threads &&
		c.Duration >= MinDuration && c.Duration <= MaxDuration &&
		c.Timeout >= MinTimeout && c.Timeout <= MaxTimeout &&
		c.MaxHeaderBytes >= MinMaxHeaderBytes && c.MaxHeaderBytes <= MaxMaxHeaderBytes &&
		c.MaxHeaders >= MinMaxHeaders && c.MaxHeaders <= MaxMaxHeaders &&
		len(c.Headers) <= MaxHeaderArgs && !strings.Contains(c.Script, "\x00") &&
		len(c.FailOn) <= MaxFailOn && !strings.Contains(c.JSON+c.HTML+c.HDRLog, "\x00") &&
		(c.HTML != "-" && c.HDRLog != "-")
	if !ok {
		t.Fatalf("Parse(%q) accepted an out-of-bounds config %+v", args, c)
	}
	for _, h := range c.Headers {
		checkHeader(t, h)
	}
}

func checkHeader(t *testing.T, h Header) {
	t.Helper()
	if h.Name == "" || strings.TrimLeft(h.Value, " \t") != h.Value || strings.TrimRight(h.Value, " \t") != h.Value {
		t.Fatalf("header %q", h)
	}
	for i := 0; i < len(h.Name); i++ {
		if !isTokenChar(h.Name[i]) {
			t.Fatalf("header name %q", h.Name)
		}
	}
	for i := 0; i < len(h.Value); i++ {
		if c := h.Value[i]; c < ' ' && c != '\t' || c == 0x7f {
			t.Fatalf("header value %q", h.Value)
		}
	}
	if strings.EqualFold(h.Name, "Transfer-Encoding") {
		t.Fatalf("header %q: a second framing", h)
	}
	if strings.EqualFold(h.Name, "Host") && target.CheckAuthority(h.Value) != nil {
		t.Fatalf("header %q: not host[:port]", h)
	}
}

func checkReason(t *testing.T, in string, err error) {
	t.Helper()
	for _, r := range err.Error() {
		if r < ' ' || r == 0x7f {
			t.Fatalf("error for %q is not one printable line: %q", in, err.Error())
		}
	}
}

func FuzzDuration(f *testing.F) {
	for _, s := range []string{"10", "2s", "1.5m", "100ms", "50us", "2H", "99999999999h", "1e400", "-1s", "0.0000000001s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseDuration(s)
		if err != nil {
			checkReason(t, s, err)
			return
		}
		if d < 0 {
			t.Fatalf("parseDuration(%q) = %v", s, d)
		}
		// Where the syntax is also Go's, the value must be Go's (Go rounds
		// fractions through float64, so allow 1ns).
		switch strings.TrimLeft(s, "0123456789.") {
		case "ns", "us", "µs", "μs", "ms", "s", "m", "h":
			goD, goErr := time.ParseDuration(s)
			if goErr != nil || goD-d > 1 || d-goD > 1 {
				t.Fatalf("parseDuration(%q) = %v; time.ParseDuration = %v, %v", s, d, goD, goErr)
			}
		}
	})
}

func FuzzCount(f *testing.F) {
	for _, s := range []string{"10", "1k", "1.5K", "2M", "3g", "1kk", "10x", "99999999999999999999", "NaN", "+4", " 7 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseCount(s)
		if err != nil {
			checkReason(t, s, err)
			return
		}
		if n < 0 {
			t.Fatalf("parseCount(%q) = %d", s, n)
		}
		trimmed := strings.Trim(s, " \t")
		if trimmed != "" && strings.Trim(trimmed, "0123456789") == "" && len(trimmed) <= 18 {
			if want, _ := strconv.ParseInt(trimmed, 10, 64); n != want {
				t.Fatalf("parseCount(%q) = %d, want %d", s, n, want)
			}
		}
		// With no unit, "k" multiplies by exactly 1000.
		unitless := strings.Trim(strings.TrimPrefix(trimmed, "+"), "0123456789.") == ""
		if unitless && len(trimmed) < maxValueLen && n <= 1<<62/1000 {
			if k, err := parseCount(trimmed + "k"); err != nil || k != n*1000 {
				t.Fatalf("parseCount(%qk) = %d, %v; want %d", trimmed, k, err, n*1000)
			}
		}
	})
}

func FuzzHeader(f *testing.F) {
	for _, s := range []string{"Name: value", "X:1", "X:  y  ", "NoColon", ": v", "X: a\r\nY: b", "Bad Name: v", "X: \xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, err := parseHeader(s)
		if err != nil {
			checkReason(t, s, err)
			return
		}
		checkHeader(t, h)
		for _, line := range []string{h.Name + ": " + h.Value, h.Name + ":" + h.Value} {
			if again, err := parseHeader(line); err != nil || again != h {
				t.Fatalf("parseHeader(%q) = %q, %v; want %q", line, again, err, h)
			}
		}
	})
}
