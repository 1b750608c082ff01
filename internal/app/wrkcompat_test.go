package app

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// startNginx runs Debian's nginx on a loopback port with one worker, or skips the test.
func startNginx(t *testing.T) string {
	t.Helper()
	return startNginxKeepalive(t, 100000000)
}

// startNginxKeepalive is startNginx with nginx closing each connection after keepalive
// requests (its keepalive_requests, 1000 by default), answering the last with Connection: close.
func startNginxKeepalive(t *testing.T, keepalive int) string {
	t.Helper()
	port := freePort(t)
	runNginx(t, fmt.Sprintf("listen 127.0.0.1:%d;", port), fmt.Sprintf("keepalive_requests %d;", keepalive), port)
	return fmt.Sprintf("http://127.0.0.1:%d", port)
}

func runWrk(t *testing.T, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("wrk")
	if err != nil {
		t.Skip("wrk not installed (apt-get install -y wrk); .ci/run installs it")
	}
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("wrk %q: %v\n%s", args, err, out)
	}
	return string(out)
}

var columns = regexp.MustCompile(`\S {2,}\S`)

var numbers = regexp.MustCompile(`-?\d+(\.\d+)?(us|ms|KB|MB|GB|TB|B|s|m|h|k|M|G|%)?`)

// shape is a report with every number replaced, so that two runs' layouts can be compared.
func shape(report string) []string {
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(report, "\n"), "\n") {
		lines = append(lines, numbers.ReplaceAllStringFunc(l, func(m string) string {
			return strings.Repeat("#", len(m))
		}))
	}
	return lines
}

// TestReportMatchesWrk runs real wrk and volley against real nginx with the same flags: the
// reports must have the same lines, in the same order, with the same column alignment.
func TestReportMatchesWrk(t *testing.T) {
	if testing.Short() {
		t.Skip("runs nginx and wrk")
	}
	base := startNginx(t)
	for _, tc := range []struct {
		args []string
		path string
	}{
		{[]string{"-t1", "-c4", "-d1s"}, "/hello"},
		{[]string{"-t2", "-c8", "-d1s", "--latency"}, "/hello"},
		{[]string{"-t1", "-c2", "-d1s"}, "/missing"}, // Non-2xx line
	} {
		args := append(append([]string{}, tc.args...), base+tc.path)
		wrkOut := runWrk(t, args...)
		code, volleyOut, errs := runApp(args...)
		if code != 0 {
			t.Fatalf("volley %q: exit %d: %s", args, code, errs)
		}
		w, v := shape(wrkOut), shape(volleyOut)
		if len(w) != len(v) {
			t.Errorf("%q: wrk printed %d lines, volley %d\nwrk:\n%s\nvolley:\n%s", args, len(w), len(v), wrkOut, volleyOut)
			continue
		}
		for i := range w {
			// Number widths differ between runs: in wrk's padded columns (the lines with runs
			// of spaces between fields) alignment is the line's length.
			if len(w[i]) != len(v[i]) && columns.MatchString(strings.Split(wrkOut, "\n")[i]) {
				t.Errorf("%q line %d:\nwrk    %q\nvolley %q", args, i+1, strings.Split(wrkOut, "\n")[i], strings.Split(volleyOut, "\n")[i])
			}
			if strings.Join(strings.Fields(strings.ReplaceAll(w[i], "#", "")), " ") != strings.Join(strings.Fields(strings.ReplaceAll(v[i], "#", "")), " ") {
				t.Errorf("%q line %d words differ:\nwrk    %q\nvolley %q", args, i+1, strings.Split(wrkOut, "\n")[i], strings.Split(volleyOut, "\n")[i])
			}
		}
	}
}

// TestScriptsRunInBoth runs the same Lua scripts under wrk and volley against nginx: both
// complete requests without errors.
func TestScriptsRunInBoth(t *testing.T) {
	if testing.Short() {
		t.Skip("runs nginx and wrk")
	}
	base := startNginx(t)
	for _, s := range []string{"static.lua", "format-counter.lua", "response-header.lua"} {
		path := filepath.Join("..", "..", "bench", "scripts", s)
		// --script-timeout: the limit is wall-clock, and a busy machine can hold a call 100 ms.
		args := []string{"-t1", "-c4", "-d500ms", "--script-timeout", "2s", "-s", path, base + "/hello"}
		wrkOut := runWrk(t, "-t1", "-c4", "-d1s", "-s", path, base+"/hello")
		code, out, errs := runApp(args...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", s, code, errs)
		}
		for name, o := range map[string]string{"wrk": wrkOut, "volley": out} {
			if !regexp.MustCompile(`\n  [1-9]\d* requests in`).MatchString(o) || strings.Contains(o, "errors") || strings.Contains(o, "Non-2xx") {
				t.Errorf("%s under %s:\n%s", s, name, o)
			}
		}
	}
}
