package app

import (
	"crypto/tls"
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
	var n atomic.Int64
	serveConns(t, ln, func(c net.Conn) {
		k, _ := io.Copy(io.Discard, c)
		n.Add(k)
	})
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

// With --connect-to the target a script may reach is what volley dials: wrk.lookup of the URL's
// host answers the --connect-to address, a thread may take it without a grant, and the URL
// host's own address, which the run never loads, needs --allow-net like any other.
func TestConnectToIsTheScriptsTarget(t *testing.T) {
	dialled, err := testserver.Start(testserver.Options{Addr: "127.0.0.2:0"})
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	t.Cleanup(func() { closeTarget(t, dialled) })
	urlHost := startTarget(t) // where localhost:PORT would go without --connect-to
	_, port, _ := net.SplitHostPort(urlHost.Addr())
	_, dport, _ := net.SplitHostPort(dialled.Addr())
	sub := strings.NewReplacer("DIALLED", dialled.Addr(), "DPORT", dport, "URLHOST", urlHost.Addr(), "PORT", port).Replace
	cases := []struct {
		name, setup, grant string
		code               int
		want               string // in stdout (code 0) or stderr
		urlHostLoaded      bool
	}{
		{name: "the URL's host, looked up", setup: `local a = wrk.lookup(wrk.host, wrk.port)
			print("lookup " .. #a .. " " .. tostring(a[1])); thread.addr = a[1]`, want: "lookup 1 DIALLED\n"},
		{name: "the address dialled", setup: `thread.addr = wrk.lookup("127.0.0.2", "DPORT")[1]`},
		{name: "wrk.connect to the address dialled", setup: `assert(wrk.connect(wrk.lookup(wrk.host, wrk.port)[1]))`},
		{name: "the URL host's own address", setup: `thread.addr = wrk.lookup("127.0.0.1", "PORT")[1]`, code: ExitUsage,
			want: `wrk.lookup: "127.0.0.1" is not the target (DIALLED by --connect-to); grant it with --allow-net 127.0.0.1`},
		{name: "the URL host's own address, granted", setup: `thread.addr = wrk.lookup("127.0.0.1", "PORT")[1]`, grant: "127.0.0.1:PORT",
			want: "Load also went to URLHOST (2 of 2 threads), granted by --allow-net\n", urlHostLoaded: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before, urlBefore := dialled.Requests(), urlHost.Requests()
			args := []string{"-t2", "-c2", "-d200ms", "--connect-to", sub("localhost:PORT:DIALLED"), "-s", writeScript(t, "function setup(thread) "+sub(c.setup)+" end")}
			if c.grant != "" {
				args = append(args, "--allow-net", sub(c.grant))
			}
			code, out, errs := runApp(append(args, sub("http://localhost:PORT/"))...)
			where := out
			if c.code != 0 {
				where = errs
			}
			if code != c.code || !strings.Contains(where, sub(c.want)) {
				t.Fatalf("exit %d, want %d and %q; stdout:\n%s\nstderr:\n%s", code, c.code, sub(c.want), out, errs)
			}
			if loaded := urlHost.Requests() > urlBefore; loaded != c.urlHostLoaded {
				t.Errorf("the URL host's own address loaded: %v", loaded)
			}
			if c.code == 0 && !c.urlHostLoaded && (dialled.Requests() == before || strings.Contains(out, "Load also went")) {
				t.Errorf("the --connect-to address got %d requests; stdout:\n%s", dialled.Requests()-before, out)
			}
		})
	}
}

// Through a proxy, what volley dials is the proxy: wrk.lookup of the URL's host answers the
// proxy's address, thread.addr starts there, and setting it to another proxy, granted, sends
// the thread's tunnels through that one.
func TestProxyIsTheScriptsTarget(t *testing.T) {
	p := newPKI(t)
	srv := tlsServer(t, p, tls.NoClientCert)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "https://"))
	px, other := startProxy(t, ""), startProxy(t, "")
	_, otherPort, _ := net.SplitHostPort(other.ln.Addr().String())
	sub := strings.NewReplacer("PROXY", px.ln.Addr().String(), "OTHER", other.ln.Addr().String(), "OPORT", otherPort).Replace
	run := func(setup string, grants ...string) (int, string, string) {
		args := []string{"-t1", "-c1", "-d200ms", "--cacert", p.CA, "--connect-to", "backend.test:" + port + ":127.0.0.1:" + port,
			"--proxy", "http://" + px.ln.Addr().String(), "-s", writeScript(t, "function setup(thread) "+sub(setup)+" end")}
		for _, g := range grants {
			args = append(args, "--allow-net", sub(g))
		}
		return runApp(append(args, "https://backend.test:"+port+"/")...)
	}
	connects := func(x *proxy) int {
		x.mu.Lock()
		defer x.mu.Unlock()
		return len(x.connects)
	}

	code, out, errs := run(`print("lookup " .. tostring(wrk.lookup(wrk.host, wrk.port)[1]) .. " addr " .. tostring(thread.addr))
		thread.addr = wrk.lookup(wrk.host, wrk.port)[1]`)
	if code != 0 || !strings.Contains(out, sub("lookup PROXY addr PROXY\n")) || strings.Contains(out, "Load also went") || connects(px) < 2 {
		t.Fatalf("exit %d, %d CONNECTs; stdout:\n%s\nstderr:\n%s", code, connects(px), out, errs)
	}
	setOther := `thread.addr = wrk.lookup(wrk.host, "OPORT")[1]`
	code, _, errs = run(setOther)
	if code != ExitUsage || !strings.Contains(errs, sub("thread.addr: OTHER is not the target (the proxy PROXY); grant it with --allow-net OTHER")) {
		t.Fatalf("exit %d; stderr:\n%s", code, errs)
	}
	if n := connects(other); n != 0 {
		t.Fatalf("the proxy not granted got %d CONNECTs", n)
	}
	code, out, errs = run(setOther, "OTHER")
	if code != 0 || connects(other) == 0 || !strings.Contains(out, sub("Load also went to OTHER (1 of 1 threads), granted by --allow-net\n")) {
		t.Fatalf("exit %d, %d CONNECTs to the granted proxy; stdout:\n%s\nstderr:\n%s", code, connects(other), out, errs)
	}
}

// Through a Unix socket the target has no TCP address: wrk.lookup of its name says so and
// names the flag, and a thread's address, even a granted one, cannot replace the socket.
func TestUnixSocketHasNoScriptAddress(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "s.sock")
	rec := startRecorder(t, "unix", sock)
	run := func(setup string, grants ...string) (int, string) {
		args := []string{"-t1", "-c1", "-d200ms", "--unix-socket", sock, "-s", writeScript(t, "function setup(thread) "+setup+" end")}
		for _, g := range grants {
			args = append(args, "--allow-net", g)
		}
		code, _, errs := runApp(append(args, "http://api.test/")...)
		return code, errs
	}
	if code, errs := run(`wrk.lookup(wrk.host, "80")`); code != ExitUsage ||
		!strings.Contains(errs, `wrk.lookup: "api.test" has no TCP address: the run reaches it through the socket "`+sock+`" (--unix-socket); grant its addresses with --allow-net api.test`) {
		t.Fatalf("exit %d; stderr:\n%s", code, errs)
	}
	if code, errs := run(`thread.addr = wrk.lookup("127.0.0.1", "80")[1]`, "127.0.0.1:80"); code != ExitUsage ||
		!strings.Contains(errs, "volley: thread.addr: connections go through the socket "+sock+" (--unix-socket), not to an address") {
		t.Fatalf("exit %d; stderr:\n%s", code, errs)
	}
	if n := len(rec.requests()); n != 0 {
		t.Fatalf("%d requests reached the socket from runs that must not start", n)
	}
	if code, errs := run(`thread:set("n", 1)`); code != 0 || len(rec.requests()) == 0 {
		t.Fatalf("a script that leaves thread.addr alone: exit %d; stderr:\n%s", code, errs)
	}
}
