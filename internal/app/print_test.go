package app

import (
	"strings"
	"testing"
)

// What response() prints shows as it happens, as in wrk: before the report, not after it.
func TestScriptPrintShowsAsItHappens(t *testing.T) {
	srv := startTarget(t)
	src := `local n = 0
response = function(status) n = n + 1 if n <= 3 then print("got " .. status) io.write("partial ") end end`
	code, out, errs := runApp("-t1", "-c1", "-d300ms", "--script-timeout", "2s", "-s", writeScript(t, src), srv.URL()+"/")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	first, report := strings.Index(out, "got 200\n"), strings.Index(out, "requests in")
	if first < 0 || report < 0 || first > report || strings.Count(out[:report], "got 200") != 3 {
		t.Errorf("prints and report out of order:\n%s", out)
	}
	if !strings.Contains(out, "partial ") {
		t.Errorf("io.write without a newline was lost:\n%s", out)
	}
}
