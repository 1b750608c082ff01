package app

import (
	"strings"
	"testing"
)

func TestKubeJobPrintsAValidatedManifest(t *testing.T) {
	code, out, errs := runApp("kube-job", "--image", "registry.example/volley:1.0", "--shards", "4",
		"-t4", "-c100", "-d30s", "-R", "2000", "http://target.example:8080/")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"completionMode: Indexed", "parallelism: 4", "completions: 4", `"--shards"`, `"-R"`, `"2000"`} {
		if !strings.Contains(out, want) {
			t.Errorf("manifest lacks %q:\n%s", want, out)
		}
	}
	// The test's flags are checked as a run before anything is printed.
	for _, args := range [][]string{
		{"kube-job", "--image", "img", "--shards", "4", "-t2", "http://x/"}, // fewer threads than shards
		{"kube-job", "--image", "img", "--shards", "2", "-c", "abc", "http://x/"},
		{"kube-job", "--shards", "2", "http://x/"},
		{"kube-job", "--image", "img", "http://x/"},
		{"kube-job", "--image", "img\nkind: Secret", "--shards", "2", "http://x/"},
	} {
		code, out, errs := runApp(args...)
		if code != ExitUsage || out != "" || strings.Count(errs, "\n") != 1 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
}

// TestKubeJobDefaultsToTheReleaseImage: a release's kube-job names that release's image; a
// development build names none and says how to get one.
func TestKubeJobDefaultsToTheReleaseImage(t *testing.T) {
	defer func(v string) { Version = v }(Version)
	Version = "1.2.3"
	code, out, errs := runApp("kube-job", "--shards", "2", "http://target.example/")
	if code != 0 || !strings.Contains(out, `image: "ghcr.io/volley/volley:1.2.3"`) {
		t.Errorf("release build: exit %d, stderr %q, manifest:\n%s", code, errs, out)
	}
	Version = "dev"
	code, out, errs = runApp("kube-job", "--shards", "2", "http://target.example/")
	if code != ExitUsage || out != "" || !strings.Contains(errs, "make image") {
		t.Errorf("dev build: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}
