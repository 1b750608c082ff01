package cli

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func TestUsage(t *testing.T) {
	u := Usage()
	if !strings.HasPrefix(u, "Usage: volley <options> <url>") || !strings.HasSuffix(u, "\n") {
		t.Errorf("usage starts or ends wrongly:\n%s", u)
	}
	for _, d := range flagDefs {
		want := "--" + d.long
		if d.short != 0 {
			want = "-" + string(d.short) + ", " + want
		}
		if !strings.Contains(u, "    "+want+" ") {
			t.Errorf("usage does not list %q", want)
		}
	}
	// The option list is aligned like wrk's: every description starts in
	// the same column.
	col := -1
	for _, line := range strings.Split(u, "\n") {
		if strings.ContainsAny(line, "\t") || strings.HasSuffix(line, " ") {
			t.Errorf("tab or trailing space in %q", line)
		}
		if !strings.HasPrefix(line, "    -") {
			continue
		}
		i := strings.Index(line[6:], "  ") + 6
		for i < len(line) && (line[i] == ' ' || strings.HasPrefix(line[i:], "<")) {
			if line[i] == '<' {
				i = strings.IndexByte(line[i:], '>') + i + 1
				continue
			}
			i++
		}
		if col == -1 {
			col = i
		} else if i != col {
			t.Errorf("description of %q starts at column %d, want %d", line, i, col)
		}
	}
	for _, note := range []string{"SI unit (1k, 1M, 1G)", "2s, 2m, 2h", "ms", "us", "1.5s", "volley demo"} {
		if !strings.Contains(u, note) {
			t.Errorf("usage does not mention %q", note)
		}
	}
}

// The help, the README and docs/scripting.md describe kube-job's resources and script
// arguments alike, and as the parser takes them (TestScriptArgs).
func TestUsageAndDocsAgree(t *testing.T) {
	u := Usage()
	for _, want := range []string{"--cpu C ", "--memory M ", "Kubernetes quantity", "Script args follow the URL (after -- when one starts with -"} {
		if !strings.Contains(u, want) {
			t.Errorf("usage does not say %q", want)
		}
	}
	for file, wants := range map[string][]string{
		"../../README.md":         {"volley kube-job --image IMG --shards N [--cpu C] [--memory M]", "Script arguments follow the URL", "after `--`"},
		"../../docs/scripting.md": {"the arguments that follow the URL", "goes after `--`"},
	} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range wants {
			if !strings.Contains(string(b), want) {
				t.Errorf("%s does not say %q", file, want)
			}
		}
	}
}

// Script arguments are the positionals after the URL, whether or not "--" comes first.
func TestScriptArgs(t *testing.T) {
	for args, want := range map[string][]string{
		"-s x.lua " + url + " a b":      {"a", "b"},
		"-s x.lua " + url + " -- -x b":  {"-x", "b"},
		"-s x.lua -- " + url + " a":     {"a"},
		"-s x.lua " + url + " a -c 5 b": {"a", "b"},
	} {
		cfg, _ := mustParse(t, split(args)...)
		if !slices.Equal(cfg.ScriptArgs, want) {
			t.Errorf("%s: script args %q, want %q", args, cfg.ScriptArgs, want)
		}
	}
}
