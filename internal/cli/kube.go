package cli

import (
	"strconv"
	"strings"
)

// KubeJob is "volley kube-job": the options of the Kubernetes Job that runs a test as shards,
// and the test's own volley arguments, validated as a run before any manifest is printed.
type KubeJob struct {
	Name, Namespace, Image string
	CPU, Memory            string
	StartAt                string // RFC 3339, "" for the caller's default
	Script                 string // a local script to ship in a ConfigMap
	Shards                 int
	Args                   []string // volley flags and URL for the whole test
}

// parseKubeJob separates kube-job's own flags from the test's arguments, then validates the
// test as shard 0 of the Job would run it, so that a manifest is only printed for a command
// line that every shard will accept.
func parseKubeJob(args []string) (*Config, error) {
	k := &KubeJob{}
	var shards string
	// kube-job's own flags, all with a value; everything else belongs to the test.
	own := map[string]*string{"--image": &k.Image, "--name": &k.Name, "--namespace": &k.Namespace,
		"--cpu": &k.CPU, "--memory": &k.Memory, "--start-at": &k.StartAt, "--shards": &shards,
		"--script": &k.Script, "-s": &k.Script}
	var rest []string
	given := map[*string]bool{}
	for len(args) > 0 {
		a := args[0]
		if a == "--" {
			rest = append(rest, args...)
			break
		}
		args = args[1:]
		name, value, inline := strings.Cut(a, "=")
		if !inline && strings.HasPrefix(a, "-s") && len(a) > 2 && !strings.HasPrefix(a, "--") {
			name, value, inline = "-s", a[2:], true
		}
		dest, ok := own[name]
		if !ok {
			rest = append(rest, a)
			continue
		}
		if !inline {
			if len(args) == 0 {
				return nil, usageErrorf("kube-job: " + name + " needs a value")
			}
			value, args = args[0], args[1:]
		}
		if given[dest] {
			return nil, usageErrorf("kube-job: " + name + ": " + errRepeated.Error() + " (it takes one value)")
		}
		given[dest] = true
		*dest = value
	}
	if shards != "" {
		n, err := strconv.Atoi(shards)
		if err != nil || n < 1 || n > MaxShards {
			return nil, invalidFlag("shards", shards, "must be between 1 and "+strconv.Itoa(MaxShards))
		}
		k.Shards = n
	}
	if k.Shards == 0 {
		return nil, usageErrorf("kube-job needs --shards N: how many pods share the test")
	}
	probe := append([]string{"--shard", "0/" + strconv.Itoa(k.Shards)}, rest...)
	if k.StartAt != "" {
		probe = append([]string{"--start-at", k.StartAt}, probe...)
	}
	cfg, cmd, err := Parse(probe)
	if err != nil {
		return nil, err
	}
	if cmd != CmdRun {
		return nil, usageErrorf("kube-job takes the flags and URL of a run")
	}
	k.Args = rest
	cfg.Kube = k
	return cfg, nil
}
