package validate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const (
	deployDir  = ".."                              // deploy/kubernetes
	goldenDir  = "../../../internal/kube/testdata" // Job's goldens
	examplesTo = "../../../examples"               // the scripts in the examples
)

func decodeFile(t *testing.T, file string) []Object {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := Decode(filepath.Base(file), data)
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func glob(t *testing.T, pattern string, atLeast int) []string {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) < atLeast {
		t.Fatalf("%s: %d files (%v), want at least %d", pattern, len(files), err, atLeast)
	}
	return files
}

// The manifests in deploy/kubernetes are one manifest across files: the Job
// in job.yaml mounts the ConfigMap in configmap-script.yaml.
func TestDeployManifests(t *testing.T) {
	var all []Object
	for _, f := range glob(t, filepath.Join(deployDir, "*.yaml"), 2) {
		all = append(all, decodeFile(t, f)...)
	}
	if err := Check(all); err != nil {
		t.Fatal(err)
	}
	checkScripts(t, all, examplesTo)
}

// Each golden of internal/kube is a whole manifest. Its container arguments
// must read back exactly as Job rendered them (testdata/args.json, written
// by encoding/json), and its script byte for byte as the file it came from:
// what no hostile value can break, a real YAML parser confirms.
func TestGoldenManifests(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(goldenDir, "args.json"))
	if err != nil {
		t.Fatal(err)
	}
	var wantArgs map[string][]string
	if err := json.Unmarshal(raw, &wantArgs); err != nil {
		t.Fatal(err)
	}
	files := glob(t, filepath.Join(goldenDir, "*.yaml"), 4)
	if len(files) != len(wantArgs) {
		t.Errorf("%d goldens but args.json lists %d", len(files), len(wantArgs))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			objs := decodeFile(t, f)
			if err := Check(objs); err != nil {
				t.Fatal(err)
			}
			want, ok := wantArgs[strings.TrimSuffix(filepath.Base(f), ".yaml")]
			if !ok {
				t.Fatal("not in args.json")
			}
			for _, o := range objs {
				if o.Job != nil && !slices.Equal(o.Job.Spec.Template.Spec.Containers[0].Args, want) {
					t.Errorf("args read back as\n%q\nwant\n%q", o.Job.Spec.Template.Spec.Containers[0].Args, want)
				}
			}
			checkScripts(t, objs, goldenDir)
		})
	}
}

// checkScripts compares every script in a ConfigMap with the file of the
// same name in dir.
func checkScripts(t *testing.T, objs []Object, dir string) {
	t.Helper()
	for _, o := range objs {
		if o.ConfigMap == nil {
			continue
		}
		scripts := map[string][]byte{}
		for k, v := range o.ConfigMap.Data {
			scripts[k] = []byte(v)
		}
		for k, v := range o.ConfigMap.BinaryData {
			scripts[k] = v
		}
		for k, got := range scripts {
			want, err := os.ReadFile(filepath.Join(dir, k))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("%s: script %s reads back as %q, want %q", o.Where, k, got, want)
			}
		}
	}
}

// Every mistake here would pass kubectl's eye and fail on a cluster, or run a
// wrong test; each must be caught, with the reason.
func TestCatchesMistakes(t *testing.T) {
	job, err := os.ReadFile(filepath.Join(deployDir, "job.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cm, err := os.ReadFile(filepath.Join(deployDir, "configmap-script.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	base := string(cm) + "---\n" + string(job)
	cases := []struct{ old, new, want string }{
		{"  parallelism: 4", "  paralelism: 4", `unknown field "spec.paralelism"`},
		{"readOnlyRootFilesystem: true", "readOnlyRootFileSystem: true", `unknown field "spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem"`},
		{"  backoffLimit: 0\n", "  backoffLimit: 0\n  backoffLimit: 6\n", `key "backoffLimit" already set`},
		{"  completionMode: Indexed", "  completionMode: NonIndexed", "completionMode must be Indexed"},
		{"  parallelism: 4", "  parallelism: 2", "parallelism 2 differs from spec.completions 4"},
		{"  backoffLimit: 0", "  backoffLimit: 6", "backoffLimit must be 0"},
		{"      restartPolicy: Never", "      restartPolicy: OnFailure", "restartPolicy must be Never"},
		{`            - "4"`, `            - "3"`, "--shards 3 but the Job runs 4"},
		{`            - "2030-01-01T12:00:00Z"`, `            - "noon"`, `--start-at "noon" is not an RFC 3339 time`},
		{`            - "--json"` + "\n" + `            - "-"`, `            - "--json"` + "\n" + `            - "out.json"`, "args must start with"},
		{"              memory: \"256Mi\"\n            limits:", "              memory: \"256MB\"\n            limits:", "quantities must match"},
		{`  completions: 4`, `  completions: four`, "cannot unmarshal string"},
		{"              drop:\n                - ALL", "              drop:\n                - NET_RAW", "drop ALL capabilities"},
		{"        runAsNonRoot: true\n        runAsUser", "        runAsNonRoot: false\n        runAsUser", "must set runAsNonRoot"},
		{"topologyKey: kubernetes.io/hostname", "topologyKey: kubernetes.io/zone", "anti-affinity"},
		{`            - "/scripts/post-form.lua"`, `            - "/scripts/post.lua"`, `has no key "post.lua"`},
		{"              mountPath: /scripts", "              mountPath: /lua", "no ConfigMap volume is mounted at /scripts/"},
		{"            name: \"volley-script\"", "            name: \"other\"", `ConfigMap "other" is not in the manifest`},
		{"  name: \"volley\"\n", "  name: \"Volley\"\n", "a lowercase RFC 1123 label"},
		{"              memory: \"256Mi\"\n            limits:\n", "              memory: \"256Mi\"\n            limits:\n              cpu: \"2\"\n", "has a CPU limit"},
		{"  ttlSecondsAfterFinished: 86400", "  ttlSecondsAfterFinished: 60", "at least an hour"},
		{"kind: Job", "kind: CronJob", `unexpected object "batch/v1 CronJob"`},
		{"    -- POST a form", "  -- POST a form", `key "-- POST a form"`},
	}
	for _, c := range cases {
		if strings.Count(base, c.old) != 1 {
			t.Fatalf("%q is not once in the example manifests", c.old)
		}
		bad := strings.Replace(base, c.old, c.new, 1)
		objs, err := Decode("bad.yaml", []byte(bad))
		if err == nil {
			err = Check(objs)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q → %q: got %v, want an error containing %q", c.old, c.new, err, c.want)
		}
	}
	// And the unchanged text passes, so that each failure above is the edit's.
	objs, err := Decode("good.yaml", []byte(base))
	if err == nil {
		err = Check(objs)
	}
	if err != nil {
		t.Fatal(err)
	}
}
