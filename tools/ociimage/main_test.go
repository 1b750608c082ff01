package main

import (
	"archive/tar"
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// buildIn builds an image of two fake binaries in dir.
func buildIn(t *testing.T, dir string) (v1.Hash, options) {
	t.Helper()
	o := options{version: "1.2.3", epoch: 1700000000, bins: platformFlag{},
		license: "../../LICENSE", notice: "../../NOTICE",
		out: filepath.Join(dir, "volley-1.2.3-oci.tar"), sbom: filepath.Join(dir, "volley-1.2.3-oci.cdx.json")}
	for _, arch := range []string{"amd64", "arm64"} {
		f := filepath.Join(dir, "volley-1.2.3-linux-"+arch)
		if err := os.WriteFile(f, []byte("\x7fELF volley for "+arch), 0o600); err != nil {
			t.Fatal(err)
		}
		o.bins["linux/"+arch] = f
	}
	d, err := build(o)
	if err != nil {
		t.Fatal(err)
	}
	return d, o
}

// TestReproducible: two builds from the same inputs, in different directories and with
// another umask, give the same bytes.
func TestReproducible(t *testing.T) {
	d1, o1 := buildIn(t, t.TempDir())
	d2, o2 := buildIn(t, t.TempDir())
	if d1 != d2 {
		t.Fatalf("digests differ: %s, %s", d1, d2)
	}
	for _, f := range [][2]string{{o1.out, o2.out}, {o1.sbom, o2.sbom}} {
		a, _ := os.ReadFile(f[0])
		b, _ := os.ReadFile(f[1])
		if !bytes.Equal(a, b) || len(a) == 0 {
			t.Errorf("%s differs between two builds", filepath.Base(f[0]))
		}
	}
	// A different epoch is a different image: the time stamps are really taken from it.
	o1.epoch++
	if d3, err := build(o1); err != nil || d3 == d1 {
		t.Errorf("another SOURCE_DATE_EPOCH gave digest %s (err %v), the same as before", d3, err)
	}
}

// TestImageContents: the layout holds one image per platform, each a single layer with the
// binary as entrypoint, a non-root user, CA certificates, no shell, and fixed time stamps.
func TestImageContents(t *testing.T) {
	dir := t.TempDir()
	digest, o := buildIn(t, dir)
	unpacked := filepath.Join(dir, "layout")
	untar(t, o.out, unpacked)
	idx, err := layout.ImageIndexFromPath(unpacked)
	if err != nil {
		t.Fatal(err)
	}
	outer, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(outer.Manifests) != 1 || outer.Manifests[0].Digest != digest || outer.Manifests[0].Annotations["org.opencontainers.image.ref.name"] != "1.2.3" {
		t.Fatalf("index.json = %+v, want the image index %s named 1.2.3", outer.Manifests, digest)
	}
	multi, err := idx.ImageIndex(digest)
	if err != nil {
		t.Fatal(err)
	}
	m, err := multi.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Manifests) != 2 {
		t.Fatalf("%d platform images, want 2", len(m.Manifests))
	}
	for _, desc := range m.Manifests {
		img, err := multi.Image(desc.Digest)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Config.User != "65532:65532" || cfg.Config.Entrypoint[0] != "/usr/local/bin/volley" || cfg.Architecture != desc.Platform.Architecture || cfg.Created.Unix() != o.epoch {
			t.Errorf("%s: config %+v created %v", desc.Platform.Architecture, cfg.Config, cfg.Created)
		}
		layers, err := img.Layers()
		if err != nil || len(layers) != 1 {
			t.Fatalf("layers: %d, %v", len(layers), err)
		}
		rc, err := layers[0].Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]*tar.Header{}
		contents := map[string][]byte{}
		tr := tar.NewReader(rc)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			seen[h.Name] = h
			contents[h.Name], _ = io.ReadAll(tr)
			if h.ModTime.Unix() != o.epoch || h.Uname != "" {
				t.Errorf("%s: time %v, owner name %q", h.Name, h.ModTime, h.Uname)
			}
		}
		if h := seen["usr/local/bin/volley"]; h == nil || h.Mode != 0o555 || !strings.HasSuffix(string(contents[h.Name]), desc.Platform.Architecture) {
			t.Errorf("%s: the binary is %+v", desc.Platform.Architecture, h)
		}
		for _, shell := range []string{"bin/sh", "bin/bash", "bin/busybox", "usr/bin/env"} {
			if seen[shell] != nil {
				t.Errorf("the image holds %s", shell)
			}
		}
		if !strings.Contains(string(contents["etc/passwd"]), "nonroot:x:65532:65532:") {
			t.Errorf("/etc/passwd: %q", contents["etc/passwd"])
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(contents["etc/ssl/certs/ca-certificates.crt"]) {
			t.Error("no certificate in the CA bundle")
		}
		if n := bytes.Count(contents["etc/ssl/certs/ca-certificates.crt"], []byte("BEGIN CERTIFICATE")); n < 100 {
			t.Errorf("%d CA certificates, expected Mozilla's ~150", n)
		}
		block, _ := pem.Decode(contents["etc/ssl/certs/ca-certificates.crt"])
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			t.Error(err)
		}
	}
	sbom, _ := os.ReadFile(o.sbom)
	for _, want := range []string{digest.Hex, `"volley-1.2.3-linux-arm64.cdx.json"`, bundleMod, `"MPL-2.0"`} {
		if !strings.Contains(string(sbom), want) {
			t.Errorf("the SBOM lacks %s", want)
		}
	}
}

func untar(t *testing.T, file, dir string) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.FromSlash(h.Name))
		if h.Typeflag == tar.TypeDir {
			if err := os.MkdirAll(p, 0o750); err != nil {
				t.Fatal(err)
			}
			continue
		}
		b, _ := io.ReadAll(tr)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
