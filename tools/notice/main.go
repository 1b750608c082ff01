// Command notice writes volley's NOTICE file from the module graph: every module whose packages
// are linked into the volley binary on a release platform (go list -deps), each with its licence,
// classified from the module's own licence file, and the text that licence asks to be
// reproduced. A module replaced by a local directory (a patched copy under third_party/) is
// read from that directory and named as such.
//
//	go run ./notice -root .. -o ../NOTICE     (from tools/; make notice does this)
//	go run ./notice -root .. -check ../NOTICE (CI: fails when NOTICE is not what this writes)
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// platforms are the release targets (scripts/release.sh): a module linked into any of them is
// distributed.
var platforms = []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64"}

// mainPackage is the binary whose dependencies are listed.
const mainPackage = "./cmd/volley"

const regenerate = "make notice"

func main() {
	root := flag.String("root", ".", "volley's module root")
	out := flag.String("o", "", "write NOTICE to this file (default stdout)")
	check := flag.String("check", "", "compare with this NOTICE file instead of writing one")
	flag.Parse()
	if err := run(*root, *out, *check); err != nil {
		fmt.Fprintln(os.Stderr, "notice:", err)
		os.Exit(1)
	}
}

func run(root, out, check string) error {
	mods, err := linkedModules(root, platforms)
	if err != nil {
		return err
	}
	goroot, err := goEnv(root, "GOROOT")
	if err != nil {
		return err
	}
	text, err := render(mods, filepath.Join(goroot, "LICENSE"))
	if err != nil {
		return err
	}
	switch {
	case check != "":
		have, err := os.ReadFile(check) //nolint:gosec // G304: the NOTICE file named on the command line
		if err != nil {
			return err
		}
		if !bytes.Equal(have, text) {
			return fmt.Errorf("%s is not what the module graph gives (%s): run %q and commit it", check, firstDifference(have, text), regenerate)
		}
		return nil
	case out != "":
		return os.WriteFile(out, text, 0o644) //nolint:gosec // G306: NOTICE is a public file in the repository
	default:
		_, err := os.Stdout.Write(text)
		return err
	}
}

// module is one linked module as go list reports it.
type module struct {
	Path, Version, Dir string
	Replace            *module
}

// source is where the module's files are: its replacement's directory when it is replaced.
func (m module) source() string {
	if m.Replace != nil {
		return m.Replace.Dir
	}
	return m.Dir
}

// linkedModules lists the modules, other than the main one, that hold a package linked into
// mainPackage on any of the platforms, sorted by path.
func linkedModules(root string, platforms []string) ([]module, error) {
	seen := map[string]module{}
	for _, p := range platforms {
		goos, goarch, _ := strings.Cut(p, "/")
		cmd := exec.Command("go", "list", "-deps", "-json=Module", mainPackage)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0", "GOFLAGS=-mod=readonly")
		cmd.Stderr = os.Stderr
		b, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("go list for %s: %w", p, err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		for {
			var pkg struct{ Module *module }
			if err := dec.Decode(&pkg); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				return nil, fmt.Errorf("go list for %s: %w", p, err)
			}
			// Standard packages have no module; the main module has no version.
			if m := pkg.Module; m != nil && (m.Version != "" || m.Replace != nil) {
				seen[m.Path] = *m
			}
		}
	}
	var mods []module
	for _, m := range seen {
		mods = append(mods, m)
	}
	slices.SortFunc(mods, func(a, b module) int { return strings.Compare(a.Path, b.Path) })
	return mods, nil
}

func goEnv(root, name string) (string, error) {
	cmd := exec.Command("go", "env", name) //nolint:gosec // G204: a go env variable name from this program
	cmd.Dir = root
	b, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go env %s: %w", name, err)
	}
	return strings.TrimSpace(string(b)), nil
}

// render writes NOTICE: volley's own notice, then each module with its licence.
func render(mods []module, goLicense string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`volley
Copyright The volley authors.
Licensed under the Apache License, Version 2.0: see LICENSE.

The volley binary includes the third-party software below, each under its own licence, and
the Go standard library and runtime. This file is generated from the module graph by
tools/notice (` + regenerate + `); CI fails when it differs from what the generator writes.
`)
	for _, m := range mods {
		lic, err := readLicense(m.source())
		if err != nil {
			return nil, fmt.Errorf("%s: %w", m.Path, err)
		}
		b.WriteString("\n" + strings.Repeat("-", 80) + "\n")
		b.WriteString(m.Path + " " + m.Version)
		if m.Replace != nil {
			b.WriteString(", replaced by the local copy " + m.Replace.Path)
			if m.Replace.Version != "" {
				b.WriteString(" " + m.Replace.Version)
			}
		}
		b.WriteString("\nLicence: " + lic.id + "\n")
		lic.write(&b)
	}
	text, err := os.ReadFile(goLicense) //nolint:gosec // G304: the toolchain's own licence file
	if err != nil {
		return nil, err
	}
	id, err := classify(text)
	if err != nil {
		return nil, fmt.Errorf("the Go standard library: %w", err)
	}
	b.WriteString("\n" + strings.Repeat("-", 80) + "\n")
	b.WriteString("The Go standard library and runtime (the toolchain pinned in go.mod)\nLicence: " + id + "\n")
	license{id: id, text: text}.write(&b)
	return b.Bytes(), nil
}

type license struct {
	id     string
	text   []byte
	notice []byte // the module's own NOTICE file, which Apache-2.0 §4(d) asks to pass on
}

// write adds the licence text that goes with the binary: in full for the short permissive
// licences, whose terms ask for it; for Apache-2.0, whose text is volley's own LICENSE, the
// module's NOTICE file if it has one.
func (l license) write(b *bytes.Buffer) {
	body := l.text
	if l.id == "Apache-2.0" {
		b.WriteString("The licence's text is in LICENSE.\n")
		body = l.notice
	}
	if len(body) == 0 {
		return
	}
	b.WriteString("\n")
	for line := range strings.Lines(strings.ReplaceAll(string(body), "\r\n", "\n")) {
		line = strings.TrimRight(line, " \t\n")
		if line == "" {
			b.WriteString("\n")
		} else {
			b.WriteString("    " + line + "\n")
		}
	}
}

// licenseFiles are the names a module's licence goes by, in the order they are tried.
var licenseFiles = []string{"LICENSE", "LICENSE.txt", "LICENSE.md", "LICENCE", "COPYING"}

func readLicense(dir string) (license, error) {
	for _, name := range licenseFiles {
		text, err := os.ReadFile(filepath.Join(dir, name)) //nolint:gosec // G304: a file of a module in the graph
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return license{}, err
		}
		id, err := classify(text)
		if err != nil {
			return license{}, fmt.Errorf("%s: %w", name, err)
		}
		notice, err := os.ReadFile(filepath.Join(dir, "NOTICE")) //nolint:gosec // G304: as above
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return license{}, err
		}
		return license{id: id, text: text, notice: notice}, nil
	}
	return license{}, fmt.Errorf("no licence file (%s) in %s", strings.Join(licenseFiles, ", "), dir)
}

// classify names a licence by its SPDX identifier from phrases that only its text has. A
// licence it does not know is an error: a new dependency's terms are read by a person, and
// then added here, never passed over.
func classify(text []byte) (string, error) {
	t := strings.Join(strings.Fields(strings.ToLower(string(text))), " ")
	has := func(phrases ...string) bool {
		for _, p := range phrases {
			if !strings.Contains(t, p) {
				return false
			}
		}
		return true
	}
	switch {
	case has("apache license", "version 2.0, january 2004"):
		return "Apache-2.0", nil
	case has("mozilla public license version 2.0"):
		return "MPL-2.0", nil
	case has("permission is hereby granted, free of charge, to any person obtaining a copy", `the software is provided "as is"`):
		return "MIT", nil
	case has("permission to use, copy, modify, and/or distribute this software for any purpose"):
		return "ISC", nil
	case has("redistribution and use in source and binary forms", "neither the name"):
		return "BSD-3-Clause", nil
	case has("redistribution and use in source and binary forms"):
		return "BSD-2-Clause", nil
	}
	return "", errors.New("licence not recognised: read it, then teach tools/notice its name")
}

// firstDifference says where two texts first differ, by line, for the drift message.
func firstDifference(have, want []byte) string {
	h, w := strings.Split(string(have), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(h) || i < len(w); i++ {
		switch {
		case i >= len(h):
			return fmt.Sprintf("line %d is missing: %q", i+1, w[i])
		case i >= len(w):
			return fmt.Sprintf("line %d should not be there: %q", i+1, h[i])
		case h[i] != w[i]:
			return fmt.Sprintf("line %d is %q, want %q", i+1, h[i], w[i])
		}
	}
	return "identical"
}
