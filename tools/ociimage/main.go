// Command ociimage builds volley's container image without a container runtime, as ko does:
// the static release binaries become one layer each on an empty base, with go-containerregistry,
// and the multi-platform index is written as an OCI image layout in a tar file (skopeo's
// oci-archive). Everything that goes in is fixed by the inputs: file times and the image's
// creation time are SOURCE_DATE_EPOCH, the tar entries are in a fixed order with fixed owners and
// modes, and the CA certificates come from a Go module pinned in tools/go.mod. So the same inputs
// give the same bytes and digest on every machine.
//
//	ociimage -version 1.2.3 -epoch 1700000000 -license LICENSE -notice NOTICE \
//	    -bin linux/amd64=dist/volley-1.2.3-linux-amd64 -bin linux/arm64=… \
//	    -o dist/volley-1.2.3-oci.tar -sbom dist/volley-1.2.3-oci.cdx.json
package main

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// The image's user: not root, and the uid that deploy/kubernetes and kube-job run as.
const (
	uid        = 65532
	binaryPath = "usr/local/bin/volley"
	certsPath  = "etc/ssl/certs/ca-certificates.crt"
	bundleMod  = "golang.org/x/crypto/x509roots/fallback"
)

type platformFlag map[string]string

func (p platformFlag) String() string { return fmt.Sprint(map[string]string(p)) }
func (p platformFlag) Set(v string) error {
	plat, file, ok := strings.Cut(v, "=")
	if !ok || !strings.HasPrefix(plat, "linux/") {
		return fmt.Errorf("%q: want linux/ARCH=FILE", v)
	}
	p[plat] = file
	return nil
}

type options struct {
	version         string
	epoch           int64
	license, notice string
	bins            platformFlag
	out, sbom       string
}

func main() {
	o := options{bins: platformFlag{}}
	flag.StringVar(&o.version, "version", "", "volley's version (x.y.z)")
	flag.Int64Var(&o.epoch, "epoch", -1, "SOURCE_DATE_EPOCH: every time stamp in the image")
	flag.StringVar(&o.license, "license", "LICENSE", "volley's LICENSE")
	flag.StringVar(&o.notice, "notice", "NOTICE", "volley's NOTICE")
	flag.Var(o.bins, "bin", "linux/ARCH=FILE: the static binary for a platform (repeat per platform)")
	flag.StringVar(&o.out, "o", "", "the OCI image layout tar to write")
	flag.StringVar(&o.sbom, "sbom", "", "the CycloneDX SBOM of the image to write")
	flag.Parse()
	digest, err := build(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ociimage:", err)
		os.Exit(1)
	}
	fmt.Println(digest)
}

// build writes the image and its SBOM and returns the index's digest.
func build(o options) (v1.Hash, error) {
	if o.version == "" || o.epoch < 0 || len(o.bins) == 0 || o.out == "" || o.sbom == "" {
		return v1.Hash{}, errors.New("-version, -epoch, -bin, -o and -sbom are required")
	}
	created := time.Unix(o.epoch, 0).UTC()
	license, err := os.ReadFile(o.license)
	if err != nil {
		return v1.Hash{}, err
	}
	notice, err := os.ReadFile(o.notice)
	if err != nil {
		return v1.Hash{}, err
	}
	certs := caBundle()
	platforms := make([]string, 0, len(o.bins))
	for p := range o.bins {
		platforms = append(platforms, p)
	}
	slices.Sort(platforms)

	var idx v1.ImageIndex = empty.Index
	idx = mutate.IndexMediaType(idx, types.OCIImageIndex)
	var binaries []component
	for _, p := range platforms {
		bin, err := os.ReadFile(o.bins[p])
		if err != nil {
			return v1.Hash{}, err
		}
		binaries = append(binaries, component{platform: p, file: filepath.Base(o.bins[p]), sha256: sum(bin)})
		img, err := image(p, created, o.version, files(bin, certs, license, notice))
		if err != nil {
			return v1.Hash{}, fmt.Errorf("%s: %w", p, err)
		}
		arch := strings.TrimPrefix(p, "linux/")
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}},
		})
	}
	idx = mutate.Annotations(idx, annotations(o.version, created)).(v1.ImageIndex)
	digest, err := idx.Digest()
	if err != nil {
		return v1.Hash{}, err
	}
	if err := writeArchive(o.out, idx, o.version, created); err != nil {
		return v1.Hash{}, err
	}
	return digest, writeSBOM(o.sbom, o.version, digest, created, binaries, len(certs))
}

func annotations(version string, created time.Time) map[string]string {
	return map[string]string{
		"org.opencontainers.image.title":    "volley",
		"org.opencontainers.image.version":  version,
		"org.opencontainers.image.created":  created.Format(time.RFC3339),
		"org.opencontainers.image.licenses": "Apache-2.0",
	}
}

// image is one platform's image: a single layer on nothing, volley as the entrypoint, run as
// the non-root user, with no shell or any other program in it.
func image(platform string, created time.Time, version string, entries []entry) (v1.Image, error) {
	layerTar, err := tarFiles(entries, created)
	if err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(layerTar)), nil
	}, tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	img, err := mutate.Append(mutate.MediaType(mutate.ConfigMediaType(empty.Image, types.OCIConfigJSON), types.OCIManifestSchema1),
		mutate.Addendum{Layer: layer, History: v1.History{Created: v1.Time{Time: created}, CreatedBy: "volley tools/ociimage", Comment: "volley " + version}})
	if err != nil {
		return nil, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", strings.TrimPrefix(platform, "linux/")
	cfg.Created = v1.Time{Time: created}
	cfg.Config = v1.Config{
		Entrypoint: []string{"/" + binaryPath},
		User:       fmt.Sprintf("%d:%d", uid, uid),
		WorkingDir: "/",
		Env:        []string{"PATH=/usr/local/bin", "SSL_CERT_FILE=/" + certsPath},
		Labels:     annotations(version, created),
	}
	return mutate.ConfigFile(img, cfg)
}

// entry is a file or directory of the layer.
type entry struct {
	name string // without a leading slash; a trailing slash for a directory
	mode int64
	uid  int
	data []byte
}

// files are the layer's contents: the binary, the CA certificates, an /etc/passwd and
// /etc/group that name the user (some programs look it up), and volley's LICENSE and NOTICE.
func files(bin, certs, license, notice []byte) []entry {
	passwd := fmt.Sprintf("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:%d:%d:nonroot:/home/nonroot:/sbin/nologin\n", uid, uid)
	group := fmt.Sprintf("root:x:0:\nnonroot:x:%d:\n", uid)
	return []entry{
		{name: "etc/", mode: 0o755},
		{name: "etc/group", mode: 0o644, data: []byte(group)},
		{name: "etc/passwd", mode: 0o644, data: []byte(passwd)},
		{name: "etc/ssl/", mode: 0o755},
		{name: "etc/ssl/certs/", mode: 0o755},
		{name: certsPath, mode: 0o644, data: certs},
		{name: "home/", mode: 0o755},
		{name: "home/nonroot/", mode: 0o700, uid: uid},
		{name: "tmp/", mode: 0o1777},
		{name: "usr/", mode: 0o755},
		{name: "usr/local/", mode: 0o755},
		{name: "usr/local/bin/", mode: 0o755},
		{name: binaryPath, mode: 0o555, data: bin},
		{name: "usr/share/", mode: 0o755},
		{name: "usr/share/doc/", mode: 0o755},
		{name: "usr/share/doc/volley/", mode: 0o755},
		{name: "usr/share/doc/volley/LICENSE", mode: 0o444, data: license},
		{name: "usr/share/doc/volley/NOTICE", mode: 0o444, data: notice},
	}
}

// tarFiles writes entries, sorted by name, with the one time stamp and numeric owners only.
func tarFiles(entries []entry, mtime time.Time) ([]byte, error) {
	entries = slices.Clone(entries)
	slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: e.mode, Uid: e.uid, Gid: e.uid, ModTime: mtime, Format: tar.FormatPAX}
		if strings.HasSuffix(e.name, "/") {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag, h.Size = tar.TypeReg, int64(len(e.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.data); err != nil {
			return nil, err
		}
	}
	err := tw.Close()
	return buf.Bytes(), err
}

// caBundle is Mozilla's root store as the pinned x509roots/fallback module carries it, in PEM.
// Roots that NSS trusts only with a constraint (distrust after a date) are left out: a PEM file
// cannot carry the constraint, and trusting them without it would trust more than NSS does.
func caBundle() []byte {
	var b bytes.Buffer
	for r := range bundle.Roots() {
		if r.Constraint == nil {
			_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: r.Certificate}) // a bytes.Buffer does not fail
		}
	}
	return b.Bytes()
}

// writeArchive writes the index as an OCI image layout, then that directory as a tar with fixed
// order, times, owners and modes.
func writeArchive(out string, idx v1.ImageIndex, version string, created time.Time) error {
	dir, err := os.MkdirTemp("", "volley-oci-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return err
	}
	if err := p.AppendIndex(idx, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": version})); err != nil {
		return err
	}
	var entries []entry
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == dir {
			return err
		}
		name, _ := filepath.Rel(dir, path)
		if d.IsDir() {
			entries = append(entries, entry{name: filepath.ToSlash(name) + "/", mode: 0o755})
			return nil
		}
		data, err := os.ReadFile(path) //nolint:gosec // G304: a file this program just wrote
		entries = append(entries, entry{name: filepath.ToSlash(name), mode: 0o644, data: data})
		return err
	})
	if err != nil {
		return err
	}
	b, err := tarFiles(entries, created)
	if err != nil {
		return err
	}
	return os.WriteFile(out, b, 0o644) //nolint:gosec // G306: a release file, public
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// component is a binary in the image, for the SBOM.
type component struct{ platform, file, sha256 string }

// writeSBOM writes a CycloneDX 1.6 SBOM of the image: the volley binary of each platform, with
// its hash and a reference to that binary's own SBOM (which lists the modules linked into it),
// and the CA certificate bundle with the module version it came from.
func writeSBOM(out, version string, digest v1.Hash, created time.Time, bins []component, roots int) error {
	type hash struct {
		Alg     string `json:"alg"`
		Content string `json:"content"`
	}
	type ref struct {
		Type string `json:"type"`
		URL  string `json:"url"`
	}
	type license struct {
		License struct {
			ID string `json:"id"`
		} `json:"license"`
	}
	type comp struct {
		Type        string    `json:"type"`
		BOMRef      string    `json:"bom-ref"`
		Name        string    `json:"name"`
		Version     string    `json:"version"`
		Description string    `json:"description,omitempty"`
		PURL        string    `json:"purl,omitempty"`
		Hashes      []hash    `json:"hashes,omitempty"`
		Licenses    []license `json:"licenses,omitempty"`
		ExtRefs     []ref     `json:"externalReferences,omitempty"`
	}
	lic := func(id string) []license {
		var l license
		l.License.ID = id
		return []license{l}
	}
	imageRef := "pkg:oci/volley@" + strings.Replace(digest.String(), ":", "%3A", 1) + "?tag=" + version
	var comps []comp
	for _, b := range bins {
		comps = append(comps, comp{
			Type: "application", BOMRef: "volley-" + b.platform, Name: "volley", Version: "v" + version,
			Description: "/" + binaryPath + " for " + b.platform,
			PURL:        "pkg:golang/volley@v" + version + "?goos=linux&goarch=" + strings.TrimPrefix(b.platform, "linux/"),
			Hashes:      []hash{{"SHA-256", b.sha256}}, Licenses: lic("Apache-2.0"),
			ExtRefs: []ref{{"bom", b.file + ".cdx.json"}},
		})
	}
	bundleVersion := moduleVersion(bundleMod)
	comps = append(comps, comp{
		Type: "data", BOMRef: "ca-certificates", Name: bundleMod, Version: bundleVersion,
		Description: fmt.Sprintf("/%s: %d roots of Mozilla's NSS store", certsPath, roots),
		PURL:        "pkg:golang/" + bundleMod + "@" + bundleVersion, Licenses: lic("MPL-2.0"),
	})
	doc := map[string]any{
		"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
		"metadata": map[string]any{
			"timestamp": created.Format(time.RFC3339),
			"component": comp{Type: "container", BOMRef: imageRef, Name: "volley", Version: version, PURL: imageRef,
				Hashes: []hash{{"SHA-256", digest.Hex}}, Licenses: lic("Apache-2.0")},
		},
		"components": comps,
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(out, append(b, '\n'), 0o644) //nolint:gosec // G306: a release file, public
}

// moduleVersion is the version of a module linked into this program, from its build info.
func moduleVersion(path string) string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, d := range info.Deps {
			if d.Path == path {
				return d.Version
			}
		}
	}
	return "unknown"
}
