package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestClassify(t *testing.T) {
	for file, want := range map[string]string{
		"testdata/mit.txt":  "MIT",
		"testdata/bsd3.txt": "BSD-3-Clause",
		"testdata/mpl2.txt": "MPL-2.0",
		"../../LICENSE":     "Apache-2.0",
	} {
		text, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := classify(text); got != want || err != nil {
			t.Errorf("%s: classify = %q, %v; want %q", file, got, err, want)
		}
	}
	// Dropping the third clause makes BSD-3 a BSD-2 licence, not a BSD-3 one.
	bsd3, _ := os.ReadFile("testdata/bsd3.txt")
	bsd2 := strings.Replace(string(bsd3), "Neither the name", "The name", 1)
	if got, _ := classify([]byte(bsd2)); got != "BSD-2-Clause" {
		t.Errorf("BSD-2 text classified as %q", got)
	}
	if got, err := classify([]byte("You may do anything with this code except run it.")); err == nil {
		t.Errorf("an unknown licence was classified as %q", got)
	}
}

// TestReplacedByLocalDirectory builds the NOTICE of a module whose dependency is replaced by a
// patched copy in a local directory, as volley's third_party/gopher-lua is.
func TestReplacedByLocalDirectory(t *testing.T) {
	root := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mit, err := os.ReadFile("testdata/mit.txt")
	if err != nil {
		t.Fatal(err)
	}
	write("go.mod", "module example.com/app\n\ngo 1.26\n\nrequire example.com/lua v1.1.2\n\nreplace example.com/lua => ./third_party/lua\n")
	write("cmd/volley/main.go", "package main\n\nimport \"example.com/lua\"\n\nfunc main() { lua.Run() }\n")
	write("third_party/lua/go.mod", "module example.com/lua\n\ngo 1.26\n")
	write("third_party/lua/lua.go", "package lua\n\nfunc Run() {}\n")
	write("third_party/lua/LICENSE", string(mit))
	write("unused/go.mod", "module example.com/unused\n")

	mods, err := linkedModules(root, []string{"linux/amd64"})
	if err != nil {
		t.Fatal(err)
	}
	if len(mods) != 1 || mods[0].Path != "example.com/lua" || mods[0].source() != filepath.Join(root, "third_party/lua") {
		t.Fatalf("linked modules = %+v, want example.com/lua from third_party/lua", mods)
	}
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatal(err)
	}
	text, err := render(mods, filepath.Join(strings.TrimSpace(string(goroot)), "LICENSE"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"example.com/lua v1.1.2, replaced by the local copy ./third_party/lua\nLicence: MIT\n",
		"    Copyright (c) 2014 Coda Hale\n",
		"The Go standard library and runtime (the toolchain pinned in go.mod)\nLicence: BSD-3-Clause\n",
	} {
		if !strings.Contains(string(text), want) {
			t.Errorf("NOTICE lacks %q:\n%s", want, text)
		}
	}

	// The same module without a licence file cannot be given a NOTICE.
	if err := os.Remove(filepath.Join(root, "third_party/lua/LICENSE")); err != nil {
		t.Fatal(err)
	}
	if _, err := render(mods, filepath.Join(strings.TrimSpace(string(goroot)), "LICENSE")); err == nil || !strings.Contains(err.Error(), "no licence file") {
		t.Errorf("a module without a licence: err = %v", err)
	}
}

// TestCheckedInNotice is the drift check: NOTICE in the repository is what the generator writes.
func TestCheckedInNotice(t *testing.T) {
	if err := run("../..", "", "../../NOTICE"); err != nil {
		t.Fatal(err)
	}
}
