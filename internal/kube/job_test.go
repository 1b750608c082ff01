package kube

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files and the example manifests")

const startAt = "2030-01-02T15:04:05Z"

func baseOptions() JobOptions {
	return JobOptions{
		Image:   "registry.example/team/volley:1.0",
		Shards:  4,
		StartAt: startAt,
		Args:    []string{"-t", "8", "-c", "400", "-d", "30s", "--latency", "http://target.example:8080/"},
	}
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s differs from the rendering (go test -run %s -update rewrites it); got:\n%s", path, t.Name(), got)
	}
}

// TestJobGolden also records each golden's container arguments in
// testdata/args.json, which the strict check in deploy/kubernetes/validate
// compares with what a YAML parser reads from the golden.
func TestJobGolden(t *testing.T) {
	cases := map[string]func(o *JobOptions){
		"minimal": func(o *JobOptions) {},
		"full": func(o *JobOptions) {
			o.Name, o.Namespace, o.Shards = "checkout-load", "perf", 16
			o.Script, o.CPU, o.Memory = "testdata/post.lua", "2", "512Mi"
			o.Args = append(o.Args, "--", "script-arg")
		},
		"hostile": func(o *JobOptions) {
			o.Shards = 1
			o.StartAt = "2030-01-02T15:04:05.5+02:00"
			o.Script = "testdata/crlf.lua"
			o.Args = nil
			for _, a := range append(hostileArgs, scalarSeeds...) {
				if !strings.Contains(a, "\x00") {
					o.Args = append(o.Args, a)
				}
			}
		},
		"tricky-script": func(o *JobOptions) {
			o.Name, o.Script, o.CPU = "tricky", "testdata/tricky.lua", "250m"
		},
		"binary-script": func(o *JobOptions) {
			o.Shards, o.Script, o.Memory = 2, "testdata/latin1.lua", "1Gi"
		},
	}
	args := map[string][]string{}
	for name, edit := range cases {
		o := baseOptions()
		edit(&o)
		out, err := Job(o)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		golden(t, filepath.Join("testdata", name+".yaml"), out)
		key := ""
		if o.Script != "" {
			key = scriptKey(o.Script)
		}
		args[name] = containerArgs(o, key)
	}
	js, err := json.MarshalIndent(args, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, filepath.Join("testdata", "args.json"), string(js)+"\n")
}

// hostileArgs try to end their scalar and add YAML of their own.
var hostileArgs = []string{
	"-H", "X-A: b\n        injected: true",
	"\"quoted\": yes", "'single'", "a: b", "{evil: 1}", "[1, 2]", "# not a comment", "---", "...",
	"&anchor", "*alias", "!!binary", "|", ">", "@", "`", "%YAML 1.2", "key: |\n  block",
	"tab\there", `back\slash`, "nul-free \x01\x1b[31m\x7f", "unicode: héllo ☃ 😀",
	"line\u2028sep\u2029para\u0085nel\ufeffbom", "\r\ncarriage", "http://target.example/?a=1&b=<2>",
}

// Whatever an argument holds, it stays one scalar on one line: the manifest
// has exactly as many lines as with a harmless argument, and differs from it
// on that argument's line only.
func TestHostileArgsStayOneScalar(t *testing.T) {
	o := baseOptions()
	o.Args = []string{"-H", "X", "http://target.example/"}
	plain, err := Job(o)
	if err != nil {
		t.Fatal(err)
	}
	plainLines := strings.Split(plain, "\n")
	for _, h := range append(hostileArgs, scalarSeeds...) {
		if strings.Contains(h, "\x00") {
			continue // cannot be an argument (TestJobErrors)
		}
		o.Args = []string{"-H", h, "http://target.example/"}
		out, err := Job(o)
		if err != nil {
			t.Fatalf("%q: %v", h, err)
		}
		lines := strings.Split(out, "\n")
		if len(lines) != len(plainLines) {
			t.Fatalf("%q: %d lines, want %d:\n%s", h, len(lines), len(plainLines), out)
		}
		diff := 0
		for i := range lines {
			if lines[i] != plainLines[i] {
				diff++
				if want := `            - ` + quote(h); lines[i] != want {
					t.Errorf("%q: line %d is %q, want %q", h, i+1, lines[i], want)
				}
			}
		}
		if diff != 1 {
			t.Errorf("%q: %d lines changed, want 1", h, diff)
		}
	}
}

// Every byte of a manifest is printable ASCII, a newline, or part of a
// printable non-ASCII character; nothing else can reach kubectl.
func TestOutputIsPrintable(t *testing.T) {
	o := baseOptions()
	o.Args, o.Script = hostileArgs, "testdata/latin1.lua"
	out, err := Job(o)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range out {
		if r != '\n' && (r < 0x20 || r == 0x7f) || r >= 0x80 && !yamlPrintable(r) {
			t.Fatalf("byte %d: %U in the manifest", i, r)
		}
	}
}

func TestScriptMount(t *testing.T) {
	o := baseOptions()
	o.Script = "testdata/post.lua"
	out, err := Job(o)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"            - \"-s\"\n            - \"/scripts/post.lua\"\n            - \"-t\"\n",
		"data:\n  \"post.lua\": |\n    -- A POST with a JSON body",
		"    \tio.write(",
		"mountPath: /scripts\n              readOnly: true\n",
		"configMap:\n            name: \"volley-script\"\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("manifest lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "\n---\n") != 1 {
		t.Errorf("want two documents:\n%s", out)
	}
}

func TestScriptKey(t *testing.T) {
	for path, want := range map[string]string{
		"post.lua": "post.lua", "dir/sub/my_test-1.lua": "my_test-1.lua", `C:\s\win.lua`: "win.lua",
		"my script.lua": "script.lua", "dir/..lua": "script.lua", "é.lua": "script.lua",
		"dir/" + strings.Repeat("a", 254): "script.lua", ".hidden.lua": ".hidden.lua",
	} {
		if got := scriptKey(path); got != want {
			t.Errorf("scriptKey(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestJobErrors(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.lua")
	if err := os.WriteFile(big, make([]byte, 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		field, want string
		edit        func(o *JobOptions)
	}{
		{"name", "not a DNS label", func(o *JobOptions) { o.Name = "Volley" }},
		{"name", "not a DNS label", func(o *JobOptions) { o.Name = "a\nb: c" }},
		{"name", "not a DNS label", func(o *JobOptions) { o.Name = "-x" }},
		{"name", "at most 63", func(o *JobOptions) { o.Name = strings.Repeat("a", 64) }},
		{"namespace", "not a DNS label", func(o *JobOptions) { o.Namespace = "perf team" }},
		{"image", "missing", func(o *JobOptions) { o.Image = "" }},
		{"image", "not an image reference", func(o *JobOptions) { o.Image = "volley latest" }},
		{"image", "not an image reference", func(o *JobOptions) { o.Image = "Registry/Volley" }},
		{"image", "not an image reference", func(o *JobOptions) { o.Image = "volley:1.0\nkind: Pod" }},
		{"image", "not an image reference", func(o *JobOptions) { o.Image = "-volley" }},
		{"shards", "out of range", func(o *JobOptions) { o.Shards = 0 }},
		{"shards", "out of range", func(o *JobOptions) { o.Shards = MaxShards + 1 }},
		{"start-at", "missing", func(o *JobOptions) { o.StartAt = "" }},
		{"start-at", "not an RFC 3339", func(o *JobOptions) { o.StartAt = "tomorrow" }},
		{"start-at", "not an RFC 3339", func(o *JobOptions) { o.StartAt = "2030-01-02 15:04:05" }},
		{"cpu", "not a positive", func(o *JobOptions) { o.CPU = "two" }},
		{"cpu", "not a positive", func(o *JobOptions) { o.CPU = "0m" }},
		{"cpu", "not a positive", func(o *JobOptions) { o.CPU = "-1" }},
		{"memory", "not a positive", func(o *JobOptions) { o.Memory = "512MB" }},
		{"memory", "not a positive", func(o *JobOptions) { o.Memory = "1Gi\n" }},
		{"args", "missing", func(o *JobOptions) { o.Args = nil }},
		{"args", "not valid UTF-8", func(o *JobOptions) { o.Args = []string{"\xff", "http://x/"} }},
		{"args", "NUL", func(o *JobOptions) { o.Args = []string{"a\x00b"} }},
		{"args", "--json is set by the Job", func(o *JobOptions) { o.Args = []string{"--json=out.json", "http://x/"} }},
		{"args", "--shards is set by the Job", func(o *JobOptions) { o.Args = []string{"http://x/", "--shards", "3"} }},
		{"args", "--shard is set by the Job", func(o *JobOptions) { o.Args = []string{"--shard", "1/2", "http://x/"} }},
		{"args", "--start-at is set", func(o *JobOptions) { o.Args = []string{"--start-at=2030-01-02T15:04:05Z", "u"} }},
		{"args", "--html would write inside the pod", func(o *JobOptions) { o.Args = []string{"--html", "r.html", "u"} }},
		{"args", "--hdr-log would write", func(o *JobOptions) { o.Args = []string{"--hdr-log", "h.log", "u"} }},
		{"args", "--fail-on would judge one shard", func(o *JobOptions) { o.Args = []string{"--fail-on=p99<50ms", "u"} }},
		{"args", "-s names a file on this machine", func(o *JobOptions) { o.Args = []string{"-s", "x.lua", "u"} }},
		{"args", "-s names a file", func(o *JobOptions) { o.Args = []string{"-sx.lua", "u"} }},
		{"args", "--script names a file", func(o *JobOptions) { o.Args = []string{"--script=x.lua", "u"} }},
		{"script", "cannot read", func(o *JobOptions) { o.Script = filepath.Join(dir, "missing.lua") }},
		{"script", "not a regular file", func(o *JobOptions) { o.Script = dir }},
		{"script", "larger than a ConfigMap", func(o *JobOptions) { o.Script = big }},
	}
	for _, c := range cases {
		o := baseOptions()
		c.edit(&o)
		out, err := Job(o)
		var fe *FieldError
		if !errors.As(err, &fe) {
			t.Errorf("%s: got %v, %d bytes of output; want a FieldError", c.field, err, len(out))
			continue
		}
		msg := err.Error()
		if fe.Field != c.field || !strings.HasPrefix(msg, c.field+": ") || !strings.Contains(msg, c.want) {
			t.Errorf("got field %q, %q; want field %q containing %q", fe.Field, msg, c.field, c.want)
		}
		if strings.ContainsAny(msg, "\n\r\x00") || len(msg) > 300 {
			t.Errorf("%s: the error is not one short line: %q", c.field, msg)
		}
		if out != "" {
			t.Errorf("%s: output with an error", c.field)
		}
	}
}

func TestJobAccepts(t *testing.T) {
	cases := []func(o *JobOptions){
		func(o *JobOptions) { o.Image = "volley" },
		func(o *JobOptions) { o.Image = "localhost:5000/volley:dev" },
		func(o *JobOptions) { o.Image = "[::1]:5000/a/b__c/d-e.f:v1.2.3_rc" },
		func(o *JobOptions) {
			o.Image = "ghcr.io/o/volley@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		},
		func(o *JobOptions) { o.Name, o.Namespace = strings.Repeat("a", 63), "x" },
		func(o *JobOptions) { o.Shards = MaxShards },
		func(o *JobOptions) { o.CPU, o.Memory = "500m", "1.5Gi" },
		func(o *JobOptions) { o.CPU, o.Memory = ".5", "1e9" },
		func(o *JobOptions) { o.CPU, o.Memory = "1", "128M" },
		func(o *JobOptions) { o.StartAt = "2030-01-02T15:04:05.123456789-07:00" },
		// After "--" everything is a script argument, and -H's value is not a flag.
		func(o *JobOptions) { o.Args = []string{"u", "--", "--json", "-s"} },
		func(o *JobOptions) { o.Args = []string{"--latency", "-H", "X-Json: --json", "u"} },
	}
	for i, edit := range cases {
		o := baseOptions()
		edit(&o)
		if _, err := Job(o); err != nil {
			t.Errorf("case %d: %v", i, err)
		}
	}
}

func TestDefaultImage(t *testing.T) {
	for version, want := range map[string]string{
		"1.2.3":     ImageRepository + ":1.2.3",
		"1.2.3-rc1": ImageRepository + ":1.2.3-rc1",
		"dev":       "",
		"":          "",
		"v1.2.3":    "",
	} {
		if got := DefaultImage(version); got != want {
			t.Errorf("DefaultImage(%q) = %q, want %q", version, got, want)
		}
		if want != "" {
			if err := checkImage(want); err != nil {
				t.Errorf("the default image %q is not valid: %v", want, err)
			}
		}
	}
}
