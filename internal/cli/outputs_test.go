package cli

import (
	"slices"
	"strings"
	"testing"
)

func TestOutputFlags(t *testing.T) {
	cfg, cmd := mustParse(t, "--json", "out.json", "--html=r.html", "--hdr-log", "lat.hlog",
		"--fail-on", "p99<50ms", "--fail-on", "errors < 0.1%", "--fail-on=rps>=1k", "--quiet", url)
	if cmd != CmdRun || cfg.JSON != "out.json" || cfg.HTML != "r.html" || cfg.HDRLog != "lat.hlog" || !cfg.Quiet {
		t.Errorf("outputs %q %q %q quiet %v", cfg.JSON, cfg.HTML, cfg.HDRLog, cfg.Quiet)
	}
	var texts []string
	for _, e := range cfg.FailOn {
		texts = append(texts, e.Text)
	}
	if !slices.Equal(texts, []string{"p99<50ms", "errors < 0.1%", "rps>=1k"}) || cfg.FailOn[0].Value != 50_000 {
		t.Errorf("fail-on %+v", cfg.FailOn)
	}
	cfg, _ = mustParse(t, "--json", "-", url)
	if cfg.JSON != "-" {
		t.Errorf("--json - gave %q", cfg.JSON)
	}
	cfg, _ = mustParse(t, url)
	if cfg.JSON != "" || cfg.HTML != "" || cfg.HDRLog != "" || cfg.FailOn != nil || cfg.Quiet || cfg.MergeFiles != nil {
		t.Errorf("defaults %+v", cfg)
	}
	cfg, cmd = mustParse(t, "demo", "--html", "d.html", "--fail-on", "p50<1s")
	if cmd != CmdDemo || cfg.HTML != "d.html" || len(cfg.FailOn) != 1 {
		t.Errorf("demo outputs %+v", cfg)
	}
	cfg, _ = mustParse(t, "--htm", "a.html", "--hd", "a.hlog", "--js", "a.json", "--fail", "max<1s", "--q", url)
	if cfg.HTML != "a.html" || cfg.HDRLog != "a.hlog" || cfg.JSON != "a.json" || len(cfg.FailOn) != 1 || !cfg.Quiet {
		t.Errorf("abbreviated flags %+v", cfg)
	}
}

func TestMerge(t *testing.T) {
	cfg, cmd := mustParse(t, "merge", "-L", "--json", "-", "a.json", "b.json", "--fail-on", "p99<1s")
	if cmd != CmdMerge || cfg.Target != nil || !slices.Equal(cfg.MergeFiles, []string{"a.json", "b.json"}) ||
		cfg.JSON != "-" || !cfg.Latency || len(cfg.FailOn) != 1 {
		t.Errorf("merge %v %+v", cmd, cfg)
	}
	cfg, _ = mustParse(t, "merge", "--", "-odd.json")
	if !slices.Equal(cfg.MergeFiles, []string{"-odd.json"}) {
		t.Errorf("merge -- %q", cfg.MergeFiles)
	}
	if _, cmd := mustParse(t, "merge", "-h"); cmd != CmdHelp {
		t.Errorf("merge -h: %v", cmd)
	}
}

func TestOutputErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--fail-on", "p99<5xs", url}, `volley: invalid --fail-on "p99<5xs": unknown time unit "xs" at column 5 (use us, ms, s or m)`},
		{[]string{"--fail-on", "latency<5ms", url}, `invalid --fail-on "latency<5ms": unknown metric "latency"`},
		{[]string{"--fail-on", "p99<50", url}, `p99 needs a time unit`},
		{[]string{"--fail-on", "p99<5ms\x1b[2J", url}, `invalid --fail-on "p99<5ms\x1b[2J": unknown time unit "ms\x1b[2J"`},
		{[]string{"--fail-on", "", url}, `invalid --fail-on "": empty expression`},
		{append(slices.Repeat([]string{"--fail-on", "p99<1s"}, MaxFailOn+1), url), "too many --fail-on flags (101, at most 100)"},
		{[]string{"--json", "", url}, `volley: invalid --json "": not a file name`},
		{[]string{"--html", "a\x00b", url}, `invalid --html "a\x00b": not a file name`},
		{[]string{"--html", "-", url}, `invalid --html "-": only --json can write to standard output`},
		{[]string{"--hdr-log", "-", url}, `invalid --hdr-log "-": only --json`},
		{[]string{"--json", "out", "--html", "./out", url}, `volley: --json and --html both write "./out"`},
		{[]string{"--json", url}, "missing URL"}, // the URL became the file name
		{[]string{url, "--json"}, "volley: --json needs a value"},
		{[]string{"--quiet=2", url}, `invalid --quiet "2": takes no value`},
		{[]string{"merge"}, "volley: merge needs result files (usage: volley merge [options] <result.json>...; see volley -h)"},
		{[]string{"merge", "-c", "5", "a.json"}, "volley: -c/--connections does not apply to merge (it merges finished runs)"},
		{[]string{"merge", "-R", "10", "a.json"}, "-R/--rate does not apply to merge"},
		{[]string{"merge", "--max-headers", "10", "a.json"}, "--max-headers does not apply to merge"},
		{[]string{"merge", "-H", "X: y", "a.json"}, "-H/--header does not apply to merge"},
		{[]string{"merge", "a.json", ""}, `volley: merge: "" is not a file name`},
		{[]string{"merge", "--html", "-", "a.json"}, "only --json can write to standard output"},
		{[]string{"merge", "--fail-on", "x<1", "a.json"}, `unknown metric "x"`},
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
