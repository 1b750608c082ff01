package kube

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// FieldError is a JobOptions value that cannot go into a manifest. Field is
// the option's name as a user would write it ("name", "image", "shards",
// "start-at", "script", "cpu", "memory", "args"), so that the caller can name
// its own flag.
type FieldError struct {
	Field   string
	Problem string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

func fieldErr(field, format string, a ...any) error {
	return &FieldError{Field: field, Problem: fmt.Sprintf(format, a...)}
}

// MaxShards bounds --shards: a Job of more pods than this is far more likely a
// typo than a test, and every shard is a pod on the cluster.
const MaxShards = 1000

var (
	// DNS-1123 label: what Kubernetes accepts as a namespace, and as a Job name
	// that is also a label value (batch.kubernetes.io/job-name).
	dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

	// An image reference, as container runtimes parse it:
	// [host[:port]/]path[:tag][@algorithm:hex].
	imageRef = regexp.MustCompile(func() string {
		alnum := `[a-z0-9]+`
		sep := `(?:[._]|__|-+)`
		component := alnum + `(?:` + sep + alnum + `)*`
		label := `(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])`
		host := `(?:` + label + `(?:\.` + label + `)*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?`
		tag := `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`
		digest := `[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}`
		return `^(?:` + host + `/)?` + component + `(?:/` + component + `)*(?::` + tag + `)?(?:@` + digest + `)?$`
	}())

	// A Kubernetes resource quantity without sign: 500m, 2, 1.5, 512Mi, 1e3.
	quantity = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[KMGTPE]i|[numkMGTPE]|[eE][-+]?[0-9]+)?$`)

	// A ConfigMap key, which is also the script's file name in the pod.
	configMapKey = regexp.MustCompile(`^[-._a-zA-Z0-9]+$`)
)

// show quotes a user value for an error message: escaped, so that it cannot
// move the terminal's cursor, and cut short if long.
func show(s string) string {
	const max = 80
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max]) + "…"
	}
	return fmt.Sprintf("%q", s)
}

func checkLabel(field, v string) error {
	if len(v) > 63 {
		return fieldErr(field, "%s is %d characters long; at most 63", show(v), len(v))
	}
	if !dnsLabel.MatchString(v) {
		return fieldErr(field, "%s is not a DNS label: use lowercase letters, digits and '-', starting and ending with a letter or digit", show(v))
	}
	return nil
}

func checkImage(v string) error {
	switch {
	case v == "":
		return fieldErr("image", "missing: a development build of volley has no published image to default to; build one with make image, push it and name it (deploy/kubernetes/README.md)")
	case len(v) > 512 || !imageRef.MatchString(v):
		return fieldErr("image", "%s is not an image reference like registry.example/team/volley:1.0 (lowercase path, no spaces)", show(v))
	}
	return nil
}

func checkShards(n int) error {
	if n < 1 || n > MaxShards {
		return fieldErr("shards", "%d is out of range: 1 to %d", n, MaxShards)
	}
	return nil
}

func checkStartAt(v string) error {
	if v == "" {
		return fieldErr("start-at", "missing: every shard needs the same start time (RFC 3339, like 2030-01-02T15:04:05Z)")
	}
	if _, err := time.Parse(time.RFC3339, v); err != nil {
		return fieldErr("start-at", "%s is not an RFC 3339 time like 2030-01-02T15:04:05Z", show(v))
	}
	return nil
}

func checkQuantity(field, v string) error {
	if v == "" {
		return nil
	}
	// m[1] is the number before the unit: zero is no request at all.
	if m := quantity.FindStringSubmatch(v); len(v) > 64 || m == nil || strings.Trim(m[1], "0.") == "" {
		return fieldErr(field, "%s is not a positive Kubernetes quantity (like %s)", show(v), map[string]string{"cpu": "500m or 2", "memory": "512Mi or 2Gi"}[field])
	}
	return nil
}

// reservedArgs are the flags that the Job sets itself, or that name files
// which cannot exist in the pod, with why the user must not pass them.
var reservedArgs = map[string]string{
	"shards":   "is set by the Job: give the number of shards to kube-job itself",
	"shard":    "is set by the Job: each pod takes its index from JOB_COMPLETION_INDEX",
	"start-at": "is set by the Job: give the start time to kube-job itself",
	"json":     "is set by the Job: each shard writes its JSON result to its log",
	"html":     "would write inside the pod, whose files are discarded; render it from the shards' results with volley merge --html",
	"hdr-log":  "would write inside the pod, whose files are discarded; write it from the shards' results with volley merge --hdr-log",
	"fail-on":  "would judge one shard, not the run, and a shard that exits 3 fails the Job and stops the others; apply it to the shards' results with volley merge --fail-on",
	"script":   "names a file on this machine, not in the pod: give the script to kube-job itself (it goes into a ConfigMap)",
}

// checkArgs rejects arguments that cannot reach a container intact or that
// fight the Job's own flags. It reads flags as pflag does, up to "--"; it is
// a guard, and the command line's own parser stays the judge of the rest.
func checkArgs(args []string) error {
	if len(args) == 0 {
		return fieldErr("args", "missing: give the volley options and the URL to load")
	}
	flags := true
	for i, a := range args {
		if !utf8.ValidString(a) {
			return fieldErr("args", "argument %d is not valid UTF-8", i+1)
		}
		if strings.IndexByte(a, 0) >= 0 {
			return fieldErr("args", "argument %d contains a NUL byte", i+1)
		}
		if !flags {
			continue
		}
		if a == "--" {
			flags = false
			continue
		}
		if long, ok := strings.CutPrefix(a, "--"); ok {
			name, _, _ := strings.Cut(long, "=")
			if why, bad := reservedArgs[name]; bad {
				return fieldErr("args", "--%s %s", name, why)
			}
		} else if strings.HasPrefix(a, "-s") {
			return fieldErr("args", "-s %s", reservedArgs["script"])
		}
	}
	return nil
}

// scriptKey is the script's file name in the pod: its own name when that is
// a valid ConfigMap key, otherwise "script.lua".
func scriptKey(path string) string {
	base := path[strings.LastIndexAny(path, `/\`)+1:]
	if len(base) > 253 || !configMapKey.MatchString(base) || base == "." || strings.HasPrefix(base, "..") {
		return "script.lua"
	}
	return base
}
