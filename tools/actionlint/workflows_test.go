// Package workflows checks volley's GitHub Actions workflows with the parser that actionlint
// itself uses, for the rules that actionlint does not enforce: a compromised or re-tagged action
// must not reach the build, and a job's token must have no more power than the job needs.
package workflows

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
)

// pinned is "owner/repo[/path]@<40 hex digits> # vX.Y.Z": the commit an action runs, and the
// release it was when pinned, for the reader and for updates.
var pinned = regexp.MustCompile(`uses:\s*["']?[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}["']?\s+# v\d+\.\d+\.\d+\s*$`)

// check returns every rule that the workflow src breaks.
func check(src []byte) []string {
	w, errs := actionlint.Parse(src)
	var bad []string
	for _, e := range errs {
		bad = append(bad, e.Error())
	}
	if w == nil {
		return bad
	}
	lines := strings.Split(string(src), "\n")
	usesPinned := func(where string, uses *actionlint.String) {
		v := uses.Value
		if strings.HasPrefix(v, "./") { // an action in this repository: pinned by the checkout
			return
		}
		if uses.Pos == nil || uses.Pos.Line < 1 || uses.Pos.Line > len(lines) || !pinned.MatchString(lines[uses.Pos.Line-1]) {
			bad = append(bad, fmt.Sprintf("%s: uses %q: pin a full commit SHA, with the version as a comment (uses: owner/repo@<sha> # vX.Y.Z)", where, v))
		}
	}
	if w.Permissions == nil {
		bad = append(bad, "no top-level permissions: (want contents: read)")
	} else if w.Permissions.All != nil || len(w.Permissions.Scopes) != 1 || w.Permissions.Scopes["contents"] == nil || w.Permissions.Scopes["contents"].Value.Value != "read" {
		bad = append(bad, "top-level permissions must be exactly contents: read; jobs ask for more themselves")
	}
	pullRequest := false
	for _, e := range w.On {
		switch e.EventName() {
		case "pull_request_target", "workflow_run":
			bad = append(bad, e.EventName()+": runs pull-request code with the repository's secrets and a write token")
		case "pull_request":
			pullRequest = true
		}
	}
	for id, job := range w.Jobs {
		if job.Permissions == nil {
			bad = append(bad, "job "+id+": no permissions:")
		} else if job.Permissions.All != nil && job.Permissions.All.Value == "write-all" {
			bad = append(bad, "job "+id+": permissions: write-all")
		}
		if job.WorkflowCall != nil && job.WorkflowCall.Uses != nil {
			usesPinned("job "+id, job.WorkflowCall.Uses)
		}
		for i, step := range job.Steps {
			if exec, ok := step.Exec.(*actionlint.ExecAction); ok && exec.Uses != nil {
				usesPinned(fmt.Sprintf("job %s step %d", id, i+1), exec.Uses)
			}
		}
		if pullRequest {
			if job.Permissions != nil && job.Permissions.Scopes != nil {
				for name, s := range job.Permissions.Scopes {
					if s.Value.Value == "write" {
						bad = append(bad, "job "+id+": a pull-request job with "+name+": write")
					}
				}
			}
		}
	}
	if pullRequest && strings.Contains(string(src), "secrets.") {
		bad = append(bad, "a workflow that pull requests trigger uses secrets.")
	}
	return bad
}

func TestWorkflows(t *testing.T) {
	files, err := filepath.Glob("../../.github/workflows/*.y*ml")
	if err != nil || len(files) < 2 {
		t.Fatalf("workflows: %v, %v", files, err)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range check(src) {
			t.Errorf("%s: %s", filepath.Base(f), b)
		}
	}
}

// TestCheckFindsEachBreach: each file in testdata breaks one rule, and check says which.
func TestCheckFindsEachBreach(t *testing.T) {
	for file, want := range map[string]string{
		"tag.yml":             `uses "actions/checkout@v4": pin a full commit SHA`,
		"short-sha.yml":       `uses "actions/checkout@3d3c42e": pin a full commit SHA`,
		"no-comment.yml":      `pin a full commit SHA, with the version as a comment`,
		"no-job-perms.yml":    "job build: no permissions:",
		"no-top-perms.yml":    "no top-level permissions:",
		"wide-top-perms.yml":  "top-level permissions must be exactly contents: read",
		"pr-secret.yml":       "a workflow that pull requests trigger uses secrets.",
		"pr-write.yml":        "job build: a pull-request job with contents: write",
		"pr-target.yml":       "pull_request_target: runs pull-request code",
		"reusable-by-tag.yml": `job call: uses "owner/repo/.github/workflows/x.yml@main"`,
	} {
		src, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		got := check(src)
		if len(got) != 1 || !strings.Contains(got[0], want) {
			t.Errorf("%s: check says %q, want exactly one finding with %q", file, got, want)
		}
	}
}
