package clidoc

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"volley/internal/cli"
)

// TestManPageIsGenerated: docs/volley.1 is what --help gives today.
func TestManPageIsGenerated(t *testing.T) {
	have, err := os.ReadFile("../../docs/volley.1")
	if err != nil {
		t.Fatal(err)
	}
	if string(have) != ManPage() {
		t.Fatal("docs/volley.1 differs from the man page --help gives: run \"make docs\" and commit docs/volley.1")
	}
	for _, o := range cli.HelpDoc().Options {
		if !strings.Contains(string(have), `\fB\-\-`+strings.ReplaceAll(o.Long, "-", `\-`)+`\fR`) {
			t.Errorf("the man page lacks --%s", o.Long)
		}
	}
}

// TestManPageRenders: groff reads the page without a warning.
func TestManPageRenders(t *testing.T) {
	if _, err := exec.LookPath("groff"); err != nil {
		t.Skip("groff is not installed (Debian: groff-base)")
	}
	cmd := exec.Command("groff", "-man", "-ww", "-z")
	cmd.Stdin = strings.NewReader(ManPage())
	if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
		t.Fatalf("groff: %v\n%s", err, out)
	}
}

// complete runs the bash completion function as bash would for the words typed so far (the
// last one being completed) and returns what it offers.
func complete(t *testing.T, script, dir string, words ...string) []string {
	t.Helper()
	var quoted []string
	for _, w := range words {
		quoted = append(quoted, "'"+w+"'")
	}
	prog := "source " + script + "\nCOMP_WORDS=(" + strings.Join(quoted, " ") + ")\nCOMP_CWORD=" +
		strconv.Itoa(len(words)-1) + "\n_volley\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n"
	cmd := exec.Command("bash", "--norc", "--noprofile", "-c", prog)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("bash: %v\n%s", err, stderr.String())
	}
	return strings.Fields(string(out))
}

func TestBashCompletion(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "volley.bash")
	text, err := Completion("bash")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"volley.bash", "post.lua", "sub/x"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, f)), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		words []string
		want  []string
	}{
		{[]string{"volley", "--dur"}, []string{"--duration"}},
		{[]string{"volley", "--max-h"}, []string{"--max-header-bytes", "--max-headers"}},
		{[]string{"volley", "-"}, nil}, // checked below: every option
		{[]string{"volley", ""}, cli.Subcommands},
		{[]string{"volley", "k"}, []string{"kube-job"}},
		{[]string{"volley", "completion", ""}, cli.Shells},
		{[]string{"volley", "completion", "z"}, []string{"zsh"}},
		{[]string{"volley", "-s", "po"}, []string{"post.lua"}},
		{[]string{"volley", "--json", "su"}, []string{"sub"}},
		{[]string{"volley", "--allow-read", ""}, []string{"sub"}},
		{[]string{"volley", "-c", ""}, []string{}},
		{[]string{"volley", "kube-job", "--ima"}, []string{"--image"}},
		{[]string{"volley", "--ima"}, []string{}}, // kube-job's own flag, not a run's
		{[]string{"volley", "kube-job", "--image", ""}, []string{}},
		{[]string{"volley", "--fail-on", "p"}, []string{}},
	} {
		got := complete(t, script, dir, c.words...)
		if c.want == nil {
			for _, o := range cli.HelpDoc().Options {
				if !slices.Contains(got, "--"+o.Long) {
					t.Errorf("%q: --%s not offered in %q", c.words, o.Long, got)
				}
			}
			continue
		}
		if !slices.Equal(got, c.want) && !(len(got) == 0 && len(c.want) == 0) {
			t.Errorf("%q: offered %q, want %q", c.words, got, c.want)
		}
	}
}

// TestCompletionSyntax: each shell parses its script without running it.
func TestCompletionSyntax(t *testing.T) {
	for shell, check := range map[string][]string{
		"bash":       {"bash", "-n"},
		"shellcheck": {"shellcheck", "-s", "bash"},
		"zsh":        {"zsh", "-n"},
		"fish":       {"fish", "--no-execute"},
	} {
		t.Run(shell, func(t *testing.T) {
			if _, err := exec.LookPath(check[0]); err != nil {
				t.Skipf("%s is not installed (Debian package %s)", check[0], check[0])
			}
			text, err := Completion(strings.Replace(shell, "shellcheck", "bash", 1))
			if err != nil {
				t.Fatal(err)
			}
			f := filepath.Join(t.TempDir(), "volley."+shell)
			if err := os.WriteFile(f, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(check[0], append(check[1:], f)...).CombinedOutput(); err != nil || len(out) > 0 {
				t.Fatalf("%s: %v\n%s\n%s", shell, err, out, text)
			}
			if shell != "bash" && shell != "shellcheck" && strings.Contains(text, "COMPREPLY") {
				t.Errorf("the %s completion holds bash's code", shell)
			}
			for _, o := range cli.HelpDoc().Options {
				if !strings.Contains(text, o.Long) {
					t.Errorf("the %s completion lacks --%s", shell, o.Long)
				}
			}
		})
	}
	// And each loads in its shell and completes an option.
	load := map[string][]string{
		"zsh":  {"zsh", "-fc", "compdef() { print -r -- compdef $*; }; source $0 && whence -w _volley"},
		"fish": {"fish", "--no-config", "-c", "source $argv[1]; complete -C 'volley --conn'; complete -C 'volley kube-job --ima'", "--"},
	}
	for shell, cmd := range load {
		if _, err := exec.LookPath(cmd[0]); err != nil {
			continue
		}
		text, _ := Completion(shell)
		f := filepath.Join(t.TempDir(), "volley."+shell)
		if err := os.WriteFile(f, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(cmd[0], append(cmd[1:], f)...).CombinedOutput()
		for _, want := range map[string][]string{
			"zsh":  {"compdef _volley volley\n_volley: function"},
			"fish": {"--connections\tConnections to keep open (10)\n", "\n--image\n"},
		}[shell] {
			if err != nil || !strings.Contains(string(out), want) {
				t.Errorf("%s: loading the completion: %v, output %q, want %q in it", shell, err, out, want)
			}
		}
	}
	if _, err := Completion("tcsh"); err == nil {
		t.Error("a completion for tcsh")
	}
}
