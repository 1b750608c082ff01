package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeScript(t *testing.T, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "script.lua")
	if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestScriptDrivesRequestsAndDone(t *testing.T) {
	srv := startTarget(t)
	s := writeScript(t, `
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", "/bytes/" .. (n % 5 + 1))
end
done = function(summary, latency, requests)
  io.write(string.format("done %d %d %d\n", summary.requests, latency:percentile(50) > 0 and 1 or 0, #latency > 0 and 1 or 0))
end`)
	code, out, errs := runApp("-t2", "-c4", "-d300ms", "-s", s, srv.URL()+"/")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	assertReport(t, out)
	if strings.Contains(out, "Non-2xx") {
		t.Errorf("the script's requests were not sent as built:\n%s", out)
	}
	if !strings.Contains(out, "done ") || !strings.HasSuffix(out, " 1 1\n") {
		t.Errorf("done() output missing:\n%s", out)
	}
}

func TestScriptErrorsAreOneLine(t *testing.T) {
	srv := startTarget(t)
	for name, tc := range map[string]struct {
		src  string
		code int
		want string
	}{
		"syntax":          {"x = = 1", ExitUsage, "script.lua:1:"},
		"top-level error": {"\n\nerror('boom')", ExitUsage, "script.lua:3: boom"},
		"endless request": {"request = function() while true do end end", ExitUsage, "script.lua"},
		"header injection": {`request = function() return wrk.format("GET", "/", {["X-A"] = "a\r\nX-Evil: 1"}) end`,
			ExitUsage, "X-A"},
		"file read":  {`local f, err = io.open("/etc/passwd") assert(f, err)`, ExitUsage, "--allow-read"},
		"os.execute": {`os.execute("true")`, ExitUsage, "script.lua:1:"},
	} {
		t.Run(name, func(t *testing.T) {
			begin := time.Now()
			code, _, errs := runApp("-t1", "-c1", "-d5s", "-s", writeScript(t, tc.src), srv.URL()+"/")
			if code != tc.code {
				t.Errorf("exit %d, want %d: %s", code, tc.code, errs)
			}
			if strings.Count(errs, "\n") != 1 || !strings.Contains(errs, tc.want) || strings.Contains(errs, "goroutine") {
				t.Errorf("stderr %q, want one line containing %q", errs, tc.want)
			}
			if took := time.Since(begin); took > 3*time.Second {
				t.Errorf("took %v: a failing script must end the run at once", took)
			}
		})
	}
}

func TestThreadStopEndsTheRunEarly(t *testing.T) {
	srv := startTarget(t)
	s := writeScript(t, `
local n = 0
response = function() n = n + 1 if n >= 50 then wrk.thread:stop() end end`)
	begin := time.Now()
	code, out, errs := runApp("-t2", "-c4", "-d10s", "-s", s, srv.URL()+"/")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if took := time.Since(begin); took > 3*time.Second {
		t.Fatalf("every thread stopped, yet the run took %v", took)
	}
	assertReport(t, out)
}

// thread:stop() in init() (which wrk ignores) stops the thread before it sends anything; the
// other thread runs on.
func TestThreadStopInInitSendsNothing(t *testing.T) {
	srv := startTarget(t)
	s := writeScript(t, `
local threads = 0
setup = function(thread) threads = threads + 1 thread:set("id", threads) end
init = function() if id == 1 then wrk.thread:stop() end end
request = function()
  if id == 1 then error("thread 1 sent a request after stop()") end
  if id ~= 2 then error("id " .. tostring(id)) end
  return wrk.format()
end`)
	code, _, errs := runApp("-t2", "-c4", "-d300ms", "-s", s, srv.URL()+"/")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if srv.Requests() == 0 {
		t.Fatal("the thread that did not stop sent nothing")
	}
	s = writeScript(t, `init = function() wrk.thread:stop() end`)
	begin := time.Now()
	code, out, errs := runApp("-t2", "-c4", "-d10s", "-s", s, srv.URL()+"/")
	if code != 0 || time.Since(begin) > 3*time.Second || !strings.Contains(out, "0 requests in") {
		t.Fatalf("exit %d after %v: %s%s", code, time.Since(begin), out, errs)
	}
}

// A broken script is reported as such before the target is even resolved, as wrk does.
func TestBrokenScriptBeforeConnecting(t *testing.T) {
	code, _, errs := runApp("-s", writeScript(t, "x = = 1"), "http://127.0.0.1:1/")
	if code != ExitUsage || !strings.Contains(errs, "script.lua:1:") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
}
