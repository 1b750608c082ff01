// Package kube renders the Kubernetes manifest of a sharded volley run: an
// Indexed Job whose pods each run one shard (the pod's completion index
// picks the shard), all starting at the same instant, each writing its JSON
// result to its log for volley merge.
//
// It builds YAML by hand, with no YAML library: every user value is a quoted
// scalar (quote), so no value can add a key, a document or a comment.
package kube

import (
	"encoding/base64"
	"errors"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// JobOptions describes one sharded run. Job validates every field.
type JobOptions struct {
	Name      string   // Job name, a DNS-1123 label; default "volley"
	Namespace string   // optional: the manifest then names it, otherwise kubectl's namespace applies
	Image     string   // container image holding volley as its entrypoint; required (see DefaultImage)
	Shards    int      // number of shards, 1 to MaxShards: one pod each
	Args      []string // volley's options and URL for the whole test (and any script arguments)
	Script    string   // optional: local path of a Lua script, embedded in a ConfigMap
	StartAt   string   // RFC 3339 instant at which every shard starts; required
	CPU       string   // optional CPU request per shard, like 500m or 2
	Memory    string   // optional memory request and limit per shard, like 512Mi
}

// ImageRepository is where the images that make image builds are published: kube-job run by
// a release of volley defaults to that release's image there, so that the pods run the
// version that wrote the Job. deploy/kubernetes/README.md says how to push an image.
const ImageRepository = "ghcr.io/volley/volley"

// DefaultImage is the published image of a volley release ("1.2.3", "1.2.3-rc1"), or "" for
// a development build, which has none.
func DefaultImage(version string) string {
	if !releaseVersion.MatchString(version) {
		return ""
	}
	return ImageRepository + ":" + version
}

var releaseVersion = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`)

const (
	// DefaultName is the Job's name when JobOptions.Name is empty.
	DefaultName = "volley"
	// ScriptDir is where the script's ConfigMap is mounted in each pod.
	ScriptDir = "/scripts"
	// TTLSeconds keeps a finished Job and its pods (and so their logs) for a
	// day, long enough to collect every shard's result.
	TTLSeconds = 86400
	// maxScriptBytes is what a ConfigMap holds at most, with its key.
	maxScriptBytes = 1 << 20
	// uid is the user that the pods run as: not root, and numeric so that
	// the kubelet can check runAsNonRoot whatever the image declares (65532 is
	// distroless's "nonroot").
	uid = 65532
)

// Job returns the manifest for o: a ConfigMap holding the script (when
// o.Script is set) and the Indexed Job, as one multi-document YAML text for
// kubectl apply -f. It reads the script file. Every error is a *FieldError,
// one line that names the option.
func Job(o JobOptions) (string, error) {
	if o.Name == "" {
		o.Name = DefaultName
	}
	if err := checkLabel("name", o.Name); err != nil {
		return "", err
	}
	if o.Namespace != "" {
		if err := checkLabel("namespace", o.Namespace); err != nil {
			return "", err
		}
	}
	for _, check := range []error{checkImage(o.Image), checkShards(o.Shards), checkStartAt(o.StartAt),
		checkQuantity("cpu", o.CPU), checkQuantity("memory", o.Memory), checkArgs(o.Args)} {
		if check != nil {
			return "", check
		}
	}
	var script []byte
	if o.Script != "" {
		var err error
		if script, err = readScript(o.Script); err != nil {
			return "", err
		}
	}

	var b strings.Builder
	shards := "1 shard"
	if o.Shards > 1 {
		shards = strconv.Itoa(o.Shards) + " shards"
	}
	b.WriteString("# volley: a load test in " + shards + ", one pod each (an Indexed Job).\n")
	b.WriteString("# Apply with kubectl apply -f; collect each pod's log (the JSON result of its\n" +
		"# shard) and report them as one run with volley merge.\n")
	key := ""
	if script != nil {
		key = scriptKey(o.Script)
		writeConfigMap(&b, o, key, script)
		b.WriteString("---\n")
	}
	writeJob(&b, o, key)
	return b.String(), nil
}

func readScript(path string) ([]byte, error) {
	f, err := os.Open(path) //nolint:gosec // G304: the user names their own script, to ship in the ConfigMap
	if err != nil {
		return nil, fieldErr("script", "cannot read %s: %s", show(path), errText(err))
	}
	defer func() { _ = f.Close() }() // read-only: a failed close loses nothing
	if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() {
		return nil, fieldErr("script", "%s is not a regular file", show(path))
	}
	limit := maxScriptBytes - len(scriptKey(path))
	data, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil {
		return nil, fieldErr("script", "cannot read %s: %s", show(path), errText(err))
	}
	if len(data) > limit {
		return nil, fieldErr("script", "%s is larger than a ConfigMap can hold (1 MiB)", show(path))
	}
	return data, nil
}

// errText is an *os.PathError's reason without the path, which the caller
// has already shown, quoted.
func errText(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func scriptConfigMap(o JobOptions) string { return o.Name + "-script" }

func writeMeta(b *strings.Builder, o JobOptions, name string) {
	b.WriteString("metadata:\n")
	b.WriteString("  name: " + quote(name) + "\n")
	if o.Namespace != "" {
		b.WriteString("  namespace: " + quote(o.Namespace) + "\n")
	}
	b.WriteString("  labels:\n")
	writeLabels(b, o, "    ")
}

func writeLabels(b *strings.Builder, o JobOptions, indent string) {
	b.WriteString(indent + "app.kubernetes.io/name: volley\n")
	b.WriteString(indent + "app.kubernetes.io/instance: " + quote(o.Name) + "\n")
}

// writeConfigMap writes the script as text when it is UTF-8, otherwise as
// binary data (base64), so that its bytes reach the pod unchanged.
func writeConfigMap(b *strings.Builder, o JobOptions, key string, script []byte) {
	b.WriteString("apiVersion: v1\nkind: ConfigMap\n")
	writeMeta(b, o, scriptConfigMap(o))
	switch text := string(script); {
	case literalSafe(text):
		b.WriteString("data:\n  " + quote(key) + ": " + literal(text, "    "))
	case utf8.ValidString(text):
		b.WriteString("data:\n  " + quote(key) + ": " + quote(text) + "\n")
	default:
		b.WriteString("binaryData:\n  " + quote(key) + ": " + quote(base64.StdEncoding.EncodeToString(script)) + "\n")
	}
}

// containerArgs returns the volley command line of every shard: the Job's own
// flags first, then the user's. The shard index is not among them: each pod
// reads it from JOB_COMPLETION_INDEX, which the Indexed Job sets.
func containerArgs(o JobOptions, scriptKey string) []string {
	args := []string{"--shards", strconv.Itoa(o.Shards), "--start-at", o.StartAt, "--json", "-"}
	if scriptKey != "" {
		args = append(args, "-s", ScriptDir+"/"+scriptKey)
	}
	return append(args, o.Args...)
}

func writeJob(b *strings.Builder, o JobOptions, key string) {
	n := strconv.Itoa(o.Shards)
	b.WriteString("apiVersion: batch/v1\nkind: Job\n")
	writeMeta(b, o, o.Name)
	b.WriteString(`spec:
  completionMode: Indexed
  completions: ` + n + `
  parallelism: ` + n + `
  # A failed shard fails the run: re-running it would start it late, alone.
  backoffLimit: 0
  ttlSecondsAfterFinished: ` + strconv.Itoa(TTLSeconds) + `
  template:
    metadata:
      labels:
`)
	writeLabels(b, o, "        ")
	b.WriteString(`    spec:
      restartPolicy: Never
      automountServiceAccountToken: false
      enableServiceLinks: false
      securityContext:
        runAsNonRoot: true
        runAsUser: ` + strconv.Itoa(uid) + `
        runAsGroup: ` + strconv.Itoa(uid) + `
        seccompProfile:
          type: RuntimeDefault
      # Shards on distinct nodes where there are enough, so that they do not
      # share a network card and CPUs.
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchLabels:
                    app.kubernetes.io/name: volley
                    app.kubernetes.io/instance: ` + quote(o.Name) + `
      containers:
        - name: volley
          image: ` + quote(o.Image) + `
          args:
`)
	for _, a := range containerArgs(o, key) {
		b.WriteString("            - " + quote(a) + "\n")
	}
	if o.CPU != "" || o.Memory != "" {
		writeResources(b, o)
	}
	b.WriteString(`          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            runAsNonRoot: true
            capabilities:
              drop:
                - ALL
`)
	if key != "" {
		b.WriteString(`          volumeMounts:
            - name: script
              mountPath: ` + ScriptDir + `
              readOnly: true
      volumes:
        - name: script
          configMap:
            name: ` + quote(scriptConfigMap(o)) + "\n")
	}
}

// writeResources requests CPU and memory, and limits memory only: a CPU limit
// would let the kernel throttle the load generator in the middle of a run,
// and the pauses would show up as the target's latency.
func writeResources(b *strings.Builder, o JobOptions) {
	b.WriteString("          resources:\n            requests:\n")
	if o.CPU != "" {
		b.WriteString("              cpu: " + quote(o.CPU) + "\n")
	}
	if o.Memory != "" {
		b.WriteString("              memory: " + quote(o.Memory) + "\n")
		b.WriteString("            limits:\n              memory: " + quote(o.Memory) + "\n")
	}
}
