package app

import (
	"io"
	"time"

	"volley/internal/cli"
	"volley/internal/kube"
)

// kubeStartDelay is how far ahead a Job's --start-at is set when none is given: long enough
// for the pods to be scheduled and pull the image.
const kubeStartDelay = time.Minute

// printKubeJob prints the Indexed Job that runs the test as shards; its flags were validated
// as a run, so the manifest always matches what volley accepts.
func printKubeJob(k *cli.KubeJob, stdout, stderr io.Writer) int {
	start := k.StartAt
	if start == "" {
		start = time.Now().Add(kubeStartDelay).UTC().Format(time.RFC3339)
	}
	image := k.Image
	if image == "" {
		image = kube.DefaultImage(Version)
	}
	manifest, err := kube.Job(kube.JobOptions{
		Name: k.Name, Namespace: k.Namespace, Image: image, Shards: k.Shards,
		Args: k.Args, Script: k.Script, StartAt: start, CPU: k.CPU, Memory: k.Memory,
	})
	if err != nil {
		warn(stderr, "volley: kube-job: "+err.Error())
		return ExitUsage
	}
	if _, err := io.WriteString(stdout, manifest); err != nil {
		warn(stderr, "volley: "+err.Error())
		return ExitUsage
	}
	return ExitOK
}
