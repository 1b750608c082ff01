package app

import (
	"debug/buildinfo"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// -v names the commit, its time, a dirty tree and the Go toolchain from the build info.
func TestVersionSaysCommitAndToolchain(t *testing.T) {
	info := &debug.BuildInfo{GoVersion: "go1.26.11", Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		{Key: "vcs.time", Value: "2026-12-03T15:20:11Z"},
		{Key: "vcs.modified", Value: "true"},
	}}
	want := "built from commit 0123456789ab of 2026-12-03T15:20:11Z with uncommitted changes with go1.26.11\n"
	if got := versionText(info); !strings.HasSuffix(got, want) || !strings.HasPrefix(got, "volley "+Version+" [") {
		t.Errorf("versionText:\n%s\nwant it to end with\n%s", got, want)
	}
	info.Settings = nil // built outside a checkout, or with -buildvcs=false (release builds)
	if got := versionText(info); !strings.HasSuffix(got, "\nbuilt with go1.26.11\n") {
		t.Errorf("without VCS stamps: %q", got)
	}
}

// The built binary prints what its own build info holds: the Go that built it and, when it was
// built in a git checkout (not a worktree: Go does not stamp those), its commit.
func TestVersionOfBuiltBinary(t *testing.T) {
	code, out, _ := runApp("-v")
	if code != 0 || !strings.Contains(out, "with "+runtime.Version()+"\n") {
		t.Errorf("volley -v: exit %d, %q: want the Go version %s", code, out, runtime.Version())
	}
	bin := buildBinary(t)
	got, err := exec.Command(bin, "-v").Output()
	if err != nil {
		t.Fatal(err)
	}
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if want := versionText(info); string(got) != want {
		t.Errorf("volley -v:\n%s\nwant, from its build info:\n%s", got, want)
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && !strings.Contains(string(got), "commit "+s.Value[:12]) {
			t.Errorf("volley -v does not name commit %s:\n%s", s.Value, got)
		}
	}
}
