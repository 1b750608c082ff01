package app

import (
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"volley/internal/testserver"
)

// byteCounter listens on addr and counts every byte it is sent.
func byteCounter(t *testing.T, addr string) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = ln.Close() }) // the test is over
	var n atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				k, _ := io.Copy(io.Discard, c)
				n.Add(k)
				_ = c.Close() // only the bytes count
			}()
		}
	}()
	return ln.Addr().String(), &n
}

// The attack of issue 10: setup() sends a thread's load to another host. Without --allow-net
// the run does not start and the other host receives nothing; with it, the other host gets
// load, and the text report and the JSON say where it went.
func TestThreadAddrElsewhereNeedsAllowNet(t *testing.T) {
	srv := startTarget(t)
	script := func(other string) string {
		host, port, _ := net.SplitHostPort(other)
		return writeScript(t, `
local n = 0
function setup(thread)
  n = n + 1
  if n == 1 then thread.addr = wrk.lookup("`+host+`", "`+port+`")[1] end
end`)
	}

	other, received := byteCounter(t, "127.0.0.2:0")
	code, out, errs := runApp("-t2", "-c2", "-d300ms", "-s", script(other), srv.URL()+"/")
	if code != ExitUsage || !strings.Contains(errs, `wrk.lookup: "127.0.0.2" is not the target (`+srv.Addr()+`); grant it with --allow-net 127.0.0.2`) {
		t.Fatalf("exit %d, stderr %q, stdout %q", code, errs, out)
	}
	time.Sleep(50 * time.Millisecond)
	if n := received.Load(); n != 0 {
		t.Fatalf("the other host received %d bytes", n)
	}

	elsewhere, err := testserver.Start(testserver.Options{Addr: "127.0.0.2:0"})
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	t.Cleanup(func() { closeTarget(t, elsewhere) })
	js := filepath.Join(t.TempDir(), "r.json")
	code, out, errs = runApp("-t2", "-c2", "-d300ms", "--json", js, "--allow-net", elsewhere.Addr(), "-s", script(elsewhere.Addr()), srv.URL()+"/")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if elsewhere.Requests() == 0 || srv.Requests() == 0 {
		t.Errorf("target %d requests, other host %d: want both loaded", srv.Requests(), elsewhere.Requests())
	}
	assertReport(t, out)
	want := "Load also went to " + elsewhere.Addr() + " (1 of 2 threads), granted by --allow-net\n"
	if !strings.HasSuffix(out, "\n"+want) {
		t.Errorf("the report does not end with %q:\n%s", want, out)
	}
	raw, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Config struct {
			Others []struct {
				Address string `json:"address"`
				Threads int    `json:"threads"`
			} `json:"other_addresses"`
		} `json:"config"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if o := doc.Config.Others; len(o) != 1 || o[0].Address != elsewhere.Addr() || o[0].Threads != 1 {
		t.Errorf("other_addresses = %+v", o)
	}
}

// The attack of issue 10: at -R 1, request() returns a huge pipelined batch. Every request
// takes its own slot, so the target gets about the rate, not the batch.
func TestHugePipelinedBatchKeepsTheRate(t *testing.T) {
	srv := startTarget(t)
	s := writeScript(t, `
local batch
function init() batch = string.rep(wrk.format(), 200000) end -- after init, wrk.headers has Host
request = function() return batch end`)
	code, _, errs := runApp("-t1", "-c1", "-R1", "-d2s", "--max-request-bytes", "1G", "-s", s, srv.URL()+"/")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// Slots at 0 s and 1 s: one batch cut to 2, sent at 1 s.
	if n := srv.Requests(); n < 1 || n > 3 {
		t.Errorf("-R 1 for 2 s: the target got %d requests", n)
	}
}

// A request larger than --max-request-bytes is a script error naming the flag; nothing is sent.
func TestMaxRequestBytesRefusesLargeRequests(t *testing.T) {
	srv := startTarget(t)
	s := writeScript(t, `request = function() return wrk.format("POST", "/", nil, string.rep("x", 5 * 1024 * 1024)) end`)
	// A generous --script-timeout: building 5 MiB strings takes longer than 100 ms on a busy machine.
	code, _, errs := runApp("-t1", "-c1", "-d1s", "--script-timeout", "5s", "-s", s, srv.URL()+"/")
	if code != ExitUsage || !strings.Contains(errs, "more than --max-request-bytes allows (4.0 MiB)") {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	if n := srv.Requests(); n != 0 {
		t.Errorf("the target got %d requests", n)
	}
	code, _, errs = runApp("-t1", "-c1", "-d300ms", "--script-timeout", "5s", "--max-request-bytes", "6M", "-s", s, srv.URL()+"/")
	if code != 0 || srv.Requests() == 0 {
		t.Fatalf("with --max-request-bytes 6M: exit %d, %d requests, stderr %q", code, srv.Requests(), errs)
	}
}
