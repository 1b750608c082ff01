package cli

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

const url = "http://127.0.0.1:8080/"

func split(s string) []string { return strings.Fields(s) }

func mustParse(t *testing.T, args ...string) (*Config, Command) {
	t.Helper()
	cfg, cmd, err := Parse(args)
	if err != nil {
		t.Fatalf("Parse(%q): %v", args, err)
	}
	return cfg, cmd
}

func TestDefaults(t *testing.T) {
	cfg, cmd := mustParse(t, url)
	if cmd != CmdRun {
		t.Errorf("cmd = %v", cmd)
	}
	want := Config{
		Threads: 2, Connections: 10, Duration: 10 * time.Second, Timeout: 2 * time.Second,
		MaxHeaderBytes: 65536, MaxHeaders: 256, ScriptArgs: []string{},
		ScriptTimeout: 100 * time.Millisecond, ScriptMemory: 256 << 20,
	}
	got := *cfg
	if got.Target == nil || got.Target.Raw != url {
		t.Fatalf("target = %+v", got.Target)
	}
	got.Target = nil
	if !equalConfig(got, want) {
		t.Errorf("defaults = %+v\nwant %+v", got, want)
	}
}

func equalConfig(a, b Config) bool {
	return a.Target == b.Target && a.Threads == b.Threads && a.Connections == b.Connections &&
		a.Duration == b.Duration && a.Timeout == b.Timeout && slices.Equal(a.Headers, b.Headers) &&
		a.Latency == b.Latency && a.Script == b.Script && slices.Equal(a.ScriptArgs, b.ScriptArgs) &&
		a.Insecure == b.Insecure && a.MaxHeaderBytes == b.MaxHeaderBytes && a.MaxHeaders == b.MaxHeaders
}

func TestParseFlags(t *testing.T) {
	tests := []struct {
		args  string
		check func(*Config) bool
	}{
		{"-t4 -c100 -d30s " + url, func(c *Config) bool { return c.Threads == 4 && c.Connections == 100 && c.Duration == 30*time.Second }},
		{"-t 4 -c 100 -d 30s " + url, func(c *Config) bool { return c.Threads == 4 && c.Connections == 100 && c.Duration == 30*time.Second }},
		{"--threads 4 --connections=100 --duration 1m " + url, func(c *Config) bool { return c.Threads == 4 && c.Connections == 100 && c.Duration == time.Minute }},
		{"--timeout 5s " + url, func(c *Config) bool { return c.Timeout == 5*time.Second }},
		{"--timeout=5s " + url, func(c *Config) bool { return c.Timeout == 5*time.Second }},
		{"-T500ms " + url, func(c *Config) bool { return c.Timeout == 500*time.Millisecond }},
		{"-T 1h " + url, func(c *Config) bool { return c.Timeout == time.Hour }},
		{"-T 1ms " + url, func(c *Config) bool { return c.Timeout == time.Millisecond }},
		{"-t=4 " + url, func(c *Config) bool { return c.Threads == 4 }},
		{url + " -c 20 -L", func(c *Config) bool { return c.Connections == 20 && c.Latency }},
		{"-c 20 " + url + " -t 5", func(c *Config) bool { return c.Connections == 20 && c.Threads == 5 }},
		{"-Lt4 " + url, func(c *Config) bool { return c.Latency && c.Threads == 4 }},
		{"-kL " + url, func(c *Config) bool { return c.Insecure && c.Latency }},
		{"--latency --insecure " + url, func(c *Config) bool { return c.Latency && c.Insecure }},
		{"--conn 30 --lat --dur 2s --thr 3 --time 1s --ins " + url, func(c *Config) bool {
			return c.Connections == 30 && c.Latency && c.Duration == 2*time.Second && c.Threads == 3 && c.Timeout == time.Second && c.Insecure
		}},
		{"-c 1k " + url, func(c *Config) bool { return c.Connections == 1000 }},
		{"-c 1.5K " + url, func(c *Config) bool { return c.Connections == 1500 }},
		{"-c 1M " + url, func(c *Config) bool { return c.Connections == 1_000_000 }},
		{"-t 1024 -c 1024 " + url, func(c *Config) bool { return c.Threads == 1024 }},
		{"-t 1 -c 1 " + url, func(c *Config) bool { return c.Threads == 1 && c.Connections == 1 }},
		{"-d 2 " + url, func(c *Config) bool { return c.Duration == 2*time.Second }},
		{"-d 1.5s " + url, func(c *Config) bool { return c.Duration == 1500*time.Millisecond }},
		{"-d 0.5m " + url, func(c *Config) bool { return c.Duration == 30*time.Second }},
		{"-d 2h " + url, func(c *Config) bool { return c.Duration == 2*time.Hour }},
		{"-d 1ms " + url, func(c *Config) bool { return c.Duration == time.Millisecond }},
		{"-d 720h " + url, func(c *Config) bool { return c.Duration == 720*time.Hour }},
		{"-d 1000us " + url, func(c *Config) bool { return c.Duration == time.Millisecond }},
		{"-s bench.lua " + url, func(c *Config) bool { return c.Script == "bench.lua" }},
		{"--script=x.lua " + url + " a b", func(c *Config) bool {
			return c.Script == "x.lua" && slices.Equal(c.ScriptArgs, []string{"a", "b"})
		}},
		{"-s x.lua -c 5 -- " + url + " -x --y", func(c *Config) bool {
			return c.Connections == 5 && c.Target.Raw == url && slices.Equal(c.ScriptArgs, []string{"-x", "--y"})
		}},
		{"-s x.lua " + url + " a -- -c", func(c *Config) bool { return slices.Equal(c.ScriptArgs, []string{"a", "-c"}) && c.Connections == 10 }},
		{"-s x.lua " + url + " - x", func(c *Config) bool { return slices.Equal(c.ScriptArgs, []string{"-", "x"}) }},
		{"--max-header-bytes 1k --max-headers 1 " + url, func(c *Config) bool { return c.MaxHeaderBytes == 1024 && c.MaxHeaders == 1 }},
		{"--max-header-bytes 16M --max-headers 65536 " + url, func(c *Config) bool {
			return c.MaxHeaderBytes == 16<<20 && c.MaxHeaders == 65536
		}},
		{"--max-header-bytes=1.5k " + url, func(c *Config) bool { return c.MaxHeaderBytes == 1536 }},
	}
	for _, tt := range tests {
		cfg, cmd, err := Parse(split(tt.args))
		if err != nil || cmd != CmdRun || !tt.check(cfg) {
			t.Errorf("Parse(%q) = %+v, %v, %v", tt.args, cfg, cmd, err)
		}
	}
}

func TestHeaders(t *testing.T) {
	cfg, _ := mustParse(t, "-H", "A: 1", url, "--header", "b:2", "-HC:  3  ", "--header=Host: h:1", "-H", "E:")
	want := []Header{{"A", "1"}, {"b", "2"}, {"C", "3"}, {"Host", "h:1"}, {"E", ""}}
	if !slices.Equal(cfg.Headers, want) {
		t.Errorf("headers = %q, want %q", cfg.Headers, want)
	}
	args := []string{url}
	for range MaxHeaderArgs {
		args = append(args, "-H", "X: "+strings.Repeat("v", MaxHeaderLine-3))
	}
	if cfg, _ := mustParse(t, args...); len(cfg.Headers) != MaxHeaderArgs {
		t.Errorf("%d headers", len(cfg.Headers))
	}
}

func TestCommands(t *testing.T) {
	tests := []struct {
		args string
		want Command
	}{
		{"-h", CmdHelp}, {"--help", CmdHelp}, {"-?", CmdHelp}, {"-L? " + url, CmdHelp}, {"-c 5 " + url + " -?", CmdHelp}, {url + " -h", CmdHelp}, {"-Lh", CmdHelp},
		{"-c abc -h", CmdHelp}, {"--bogus -h", CmdHelp}, {"-x -h", CmdHelp}, {"-h -v", CmdHelp}, {"-v -h", CmdHelp},
		{"-h ftp://x", CmdHelp}, {"--hel", CmdHelp}, {"--he", CmdRun}, {"demo -h", CmdHelp}, {"demo --help http://x", CmdHelp},
		{"-v", CmdVersion}, {"--version", CmdVersion}, {"-v " + url, CmdVersion}, {"--vers", CmdVersion},
		{"-t 0 -v", CmdVersion}, {"demo -v", CmdVersion},
	}
	for _, tt := range tests {
		cfg, cmd, err := Parse(split(tt.args))
		if tt.want == CmdRun { // "--he" is --header or --help: getopt calls it ambiguous
			if err == nil || !strings.Contains(err.Error(), `ambiguous flag "--he" (--header or --help)`) {
				t.Errorf("Parse(%q) error = %v", tt.args, err)
			}
			continue
		}
		if err != nil || cmd != tt.want || cfg != nil {
			t.Errorf("Parse(%q) = %v, %v, %v; want %v", tt.args, cfg, cmd, err, tt.want)
		}
	}
	// After "--" or as a flag's value, -h is not a request for help.
	for _, args := range [][]string{{"-s", "x.lua", url, "--", "-h"}, {"-s", "-h", url}, {"-s", "x.lua", url, "--", "-?"}, {"-s", "-?", url}} {
		if _, cmd, err := Parse(args); err != nil || cmd != CmdRun {
			t.Errorf("Parse(%q) = %v, %v; want a run", args, cmd, err)
		}
	}
}

func TestDemo(t *testing.T) {
	cfg, cmd := mustParse(t, "demo")
	if cmd != CmdDemo || cfg.Target != nil || cfg.Threads != 2 || cfg.Connections != 50 || cfg.Duration != 3*time.Second || cfg.Latency {
		t.Errorf("demo = %+v, %v", cfg, cmd)
	}
	cfg, cmd = mustParse(t, "demo", "-t1", "-c", "8", "-d", "1s", "--latency")
	if cmd != CmdDemo || cfg.Threads != 1 || cfg.Connections != 8 || cfg.Duration != time.Second || !cfg.Latency {
		t.Errorf("demo flags = %+v, %v", cfg, cmd)
	}
	// "demo" is a subcommand only in first place.
	if _, _, err := Parse([]string{"-c", "5", "demo"}); err == nil || !strings.Contains(err.Error(), `invalid URL "demo"`) {
		t.Errorf("demo not first: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	long := strings.Repeat("a", 100)
	tests := []struct {
		args []string
		want string // the whole message, or a part of it
	}{
		{split("-c abc " + url), `volley: invalid -c/--connections "abc": not a number`},
		{split("-c 0 " + url), `volley: invalid -c/--connections "0": must be between 1 and 1000000`},
		{split("-c -1 " + url), `volley: invalid -c/--connections "-1": must not be negative`},
		{split("-c 1000001 " + url), "must be between 1 and 1000000"},
		{split("-c 99999999999999999999 " + url), `"99999999999999999999": must be between 1 and 1000000`},
		{split("-c 1e400 " + url), `volley: invalid -c/--connections "1e400": unknown unit "e400" (use k, M or G)`},
		{split("-c 10x " + url), `unknown unit "x"`},
		{split("-c 1kk " + url), `unknown unit "kk"`},
		{split("-c NaN " + url), "not a number"},
		{split("-c Inf " + url), "not a number"},
		{split("-c 1.5 " + url), "not a whole number"},
		{[]string{"-c", "", url}, `volley: invalid -c/--connections "": empty value`},
		{[]string{"--connections=", url}, "empty value"},
		{split("-t 0 " + url), `volley: invalid -t/--threads "0": must be between 1 and 1024`},
		{split("-t 1025 -c 2000 " + url), "must be between 1 and 1024"},
		{split("-t -4 " + url), "must not be negative"},
		{split("-d 0 " + url), `volley: invalid -d/--duration "0": must be between 1ms and 720h (30 days)`},
		{split("-d 0s " + url), "must be between 1ms"},
		{split("-d 999us " + url), "must be between 1ms"},
		{split("-d 721h " + url), "must be between 1ms and 720h (30 days)"},
		{split("-d 99999999999h " + url), `"99999999999h": must be between 1ms and 720h`},
		{split("-d 10x " + url), `unknown unit "x" (use us, ms, s, m or h)`},
		{split("-d inf " + url), "not a number"},
		{split("-d -5s " + url), "must not be negative"},
		{split("-T 0 " + url), `volley: invalid -T/--timeout "0": must be between 1ms and 1h`},
		{split("-T 61m " + url), "must be between 1ms and 1h"},
		{split("--timeout=1d " + url), `invalid -T/--timeout "1d": unknown unit "d"`},
		{split("--max-header-bytes 1000 " + url), `volley: invalid --max-header-bytes "1000": must be between 1k (1024) and 16M (16777216)`},
		{split("--max-header-bytes 17M " + url), "must be between 1k (1024)"},
		{split("--max-headers 0 " + url), `volley: invalid --max-headers "0": must be between 1 and 65536`},
		{split("--max-headers 65537 " + url), "must be between 1 and 65536"},
		{split("-t 4 -c 2 " + url), "volley: connections must be ≥ threads (-c 2, -t 4)"},
		{split("-t 20 " + url), "connections must be ≥ threads (-c 10, -t 20)"},
		{split("-x " + url), `volley: unknown flag "-x"`},
		{split("-Lx " + url), `volley: unknown flag "-x"`},
		{split("-r " + url), `unknown flag "-r"`}, // in wrk's getopt string but never handled
		{split("--bogus " + url), `volley: unknown flag "--bogus"`},
		{split("--t 4 " + url), `volley: ambiguous flag "--t" (--threads or --timeout or --targets or --tls-min)`},
		{split("--max-header 5 " + url), "ambiguous flag \"--max-header\" (--max-header-bytes or --max-headers)"},
		{split("-test.v " + url), `volley: unknown flag "-test.v"`},
		{split("-Ltest.v " + url), `unknown flag "-Ltest.v"`},
		{[]string{"--\x1b[31m", url}, `unknown flag "--\x1b[31m"`},
		{split("---x " + url), `volley: bad flag syntax "---x"`},
		{split(url + " -c"), "volley: -c/--connections needs a value"},
		{split(url + " --max-headers"), "volley: --max-headers needs a value"},
		{split("--latency=maybe " + url), `volley: invalid -L/--latency "maybe": takes no value`},
		{nil, "volley: missing URL (usage: volley <options> <url>; see volley -h)"},
		{split("-c 5 -L"), "missing URL"},
		{split("-- -c 5"), `invalid URL "-c"`},
		{split("ftp://x"), `volley: invalid URL "ftp://x": scheme must be http or https`},
		{[]string{"http://h/a b"}, `volley: invalid URL "http://h/a b": space at byte 10`},
		{[]string{"http://h:0/"}, "out of range"},
		{[]string{"-H", "NoColon", url}, `volley: invalid -H/--header "NoColon": missing ':'`},
		{[]string{"-H", "Bad Name: v", url}, `invalid -H/--header "Bad Name: v": invalid character ' ' in header name`},
		{[]string{"-H", "X: a\r\nEvil: 1", url}, `volley: invalid -H/--header "X: a\r\nEvil: 1": control character '\r' in header value`},
		{[]string{"-H", "X: \x00", url}, `control character '\x00'`},
		{[]string{"-H", ": v", url}, "empty header name"},
		{[]string{"-H", "content-length: 5", url}, `volley: invalid -H/--header "content-length: 5": Content-Length is set by volley from the body (-b/--body, --body-file)`},
		{[]string{"-H", "Bad Name: " + long, url}, `"Bad Name: ` + long[:54] + `"...: invalid character ' '`},
		{[]string{"-H", "X: " + strings.Repeat("a", MaxHeaderLine), url}, "longer than 8 KiB"},
		{append(slices.Repeat([]string{"-H", "X: y"}, MaxHeaderArgs+1), url), "volley: too many -H/--header flags (101, at most 100)"},
		{[]string{"-s", "", url}, `volley: invalid -s/--script "": not a file name`},
		{[]string{"-s", "a\x00b", url}, `not a file name`},
		{split("demo " + url), `volley: demo takes no URL (it benchmarks its own built-in server), got "` + url + `"`},
		{split("demo -t 60"), "connections must be ≥ threads (-c 50, -t 60)"},
		{split("demo -c x"), `invalid -c/--connections "x"`},
	}
	for _, tt := range tests {
		cfg, _, err := Parse(tt.args)
		if err == nil {
			t.Errorf("Parse(%q) = %+v, want error %q", tt.args, cfg, tt.want)
			continue
		}
		checkUsageError(t, tt.args, err)
		if msg := err.Error(); !strings.Contains(msg, tt.want) {
			t.Errorf("Parse(%q) error\n %s\nwant it to contain\n %s", tt.args, msg, tt.want)
		}
	}
}

// checkUsageError asserts the error contract: a *UsageError, exit code 1,
// one line of printable text starting with "volley: ".
func checkUsageError(t *testing.T, args []string, err error) {
	t.Helper()
	var ue *UsageError
	if !errors.As(err, &ue) || ue.ExitCode() != 1 {
		t.Fatalf("Parse(%q) error %T %v is not a *UsageError", args, err, err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "volley: ") {
		t.Fatalf("Parse(%q) error %q lacks the prefix", args, msg)
	}
	if len(msg) > 300 {
		t.Fatalf("Parse(%q) error is %d bytes", args, len(msg))
	}
	for _, r := range msg {
		if r < ' ' || r == 0x7f {
			t.Fatalf("Parse(%q) error %q contains %U", args, msg, r)
		}
	}
}

// Every flag that takes one value refuses a second, whichever the flag: the rule comes from the
// flag table, so a flag added later is covered too. Switches and list flags may repeat.
func TestRepeatedSingleValueFlag(t *testing.T) {
	var v rawFlags
	fs := newFlagSet(&v, runDefaults)
	for _, d := range flagDefs {
		if !d.argument {
			continue
		}
		list := strings.HasSuffix(fs.Lookup(d.long).Value.Type(), "Array")
		args := []string{"--" + d.long, "x", "--" + d.long + "=y", url}
		_, _, err := Parse(args)
		repeated := err != nil && strings.Contains(err.Error(), "--"+d.long+": given more than once")
		if repeated == list {
			t.Errorf("%q: %v (a list flag: %v)", args, err, list)
		}
	}
	if _, _, err := Parse(split("-L -L -H A:1 -H B:2 " + url)); err != nil {
		t.Errorf("switches and -H repeat: %v", err)
	}
	for args, want := range map[string]string{
		"--json a.json --json b.json " + url:                   "volley: --json: given more than once (it takes one value)",
		"-c 5 -t1 -c6 " + url:                                  "volley: -c/--connections: given more than once (it takes one value)",
		"kube-job --image i --shards 2 --cpu 1 --cpu 2 " + url: "volley: kube-job: --cpu: given more than once (it takes one value)",
	} {
		if _, _, err := Parse(split(args)); err == nil || err.Error() != want {
			t.Errorf("%s: %v, want %s", args, err, want)
		}
	}
}
