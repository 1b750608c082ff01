package kube

import (
	"path/filepath"
	"strings"
	"testing"
)

// The manifests in deploy/kubernetes are Job's output for a 4-shard run with
// a script, split in two files, so that they always match what volley
// kube-job prints. go test -run TestExampleManifest -update rewrites them.
func TestExampleManifest(t *testing.T) {
	dir := filepath.Join("..", "..", "deploy", "kubernetes")
	out, err := Job(JobOptions{
		Image:   DefaultImage("1.0.0"),
		Shards:  4,
		StartAt: "2030-01-01T12:00:00Z",
		Script:  filepath.Join("..", "..", "examples", "post-form.lua"),
		CPU:     "2",
		Memory:  "256Mi",
		Args:    []string{"-t", "8", "-c", "200", "-d", "30s", "--latency", "http://target.example:8080/"},
	})
	if err != nil {
		t.Fatal(err)
	}
	// Job's output: a comment, the ConfigMap, "---", the Job.
	configMap, job, ok := strings.Cut(out[strings.Index(out, "apiVersion:"):], "---\n")
	if !ok {
		t.Fatalf("want two documents:\n%s", out)
	}
	golden(t, filepath.Join(dir, "configmap-script.yaml"), `# Example: the ConfigMap that holds the Lua script of the Job in job.yaml
# (examples/post-form.lua). volley kube-job -s FILE writes it for you, with
# the Job, in one manifest. See README.md.
`+configMap)
	golden(t, filepath.Join(dir, "job.yaml"), `# Example: volley in 4 shards as an Indexed Job, written by
#   volley kube-job --shards 4 \
#     --start-at 2030-01-01T12:00:00Z --cpu 2 --memory 256Mi \
#     -s examples/post-form.lua -t 8 -c 200 -d 30s --latency http://target.example:8080/
# (by volley 1.0.0: the image defaults to that release's, see README.md). The
# options are the whole test's: each shard runs its share (here 2 threads
# and 50 connections). Before applying it by hand, change the URL,
# and --start-at to a minute or two from now (date -u -d '+2 min'
# +%Y-%m-%dT%H:%M:%SZ): every shard waits for that instant. It needs
# configmap-script.yaml. See README.md.
`+job)
}
