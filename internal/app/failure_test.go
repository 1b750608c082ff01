package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A script that fails ends the run with its one line and exit 1: no report (all zeros when it
// failed before any response) and no result files, whether it failed at once or later.
func TestFailingScriptPrintsOnlyItsLine(t *testing.T) {
	srv := startTarget(t)
	for name, src := range map[string]string{
		"first request": `request = function() error("boom") end`,
		"later":         `local n = 0 response = function() n = n + 1 if n == 50 then error("boom") end end`,
	} {
		json := filepath.Join(t.TempDir(), "r.json")
		code, out, errs := runApp("-t1", "-c2", "-d5s", "--json", json, "--script-timeout", "2s", "-s", writeScript(t, src), srv.URL()+"/")
		if code != ExitUsage || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "script.lua:1: boom") {
			t.Errorf("%s: exit %d, stderr %q", name, code, errs)
		}
		if strings.Contains(out, "requests in") || strings.Contains(out, "Requests/sec") {
			t.Errorf("%s: a report before the error line:\n%s", name, out)
		}
		if _, err := os.Stat(json); err == nil {
			t.Errorf("%s: --json written for a failed run", name)
		}
	}
}
