package app

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// recorder is a loopback HTTP/1.1 server that keeps every request it gets (head and body) and
// answers each with an empty 200.
type recorder struct {
	ln    net.Listener
	mu    sync.Mutex
	reqs  []string
	conns int // accepted
}

func startRecorder(t *testing.T, network, addr string) *recorder {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{ln: ln}
	serveConns(t, ln, func(c net.Conn) {
		r.mu.Lock()
		r.conns++
		r.mu.Unlock()
		r.serve(c)
	})
	return r
}

func (r *recorder) serve(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		var head strings.Builder
		length := 0
		for {
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			head.WriteString(line)
			if name, value, ok := strings.Cut(line, ":"); ok && strings.EqualFold(name, "Content-Length") {
				length, _ = strconv.Atoi(strings.TrimSpace(value))
			}
			if line == "\r\n" {
				break
			}
		}
		body := make([]byte, length)
		if _, err := io.ReadFull(br, body); err != nil {
			return
		}
		r.mu.Lock()
		r.reqs = append(r.reqs, head.String()+string(body))
		r.mu.Unlock()
		if _, err := io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"); err != nil {
			return
		}
	}
}

func (r *recorder) url() string { return "http://" + r.ln.Addr().String() }

func (r *recorder) requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.reqs...)
}

func TestRequestFromFlags(t *testing.T) {
	rec := startRecorder(t, "tcp", "127.0.0.1:0")
	host := strings.TrimPrefix(rec.url(), "http://")
	dir := t.TempDir()
	bodyFile := filepath.Join(dir, "body.json")
	if err := os.WriteFile(bodyFile, []byte(`{"file":true}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-m", "POST", "-b", `{"a":1}`, "-H", "Content-Type: application/json"},
			"POST /p?q HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}"},
		{[]string{"--method=PUT", "--body-file", bodyFile},
			"PUT /p?q HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: 13\r\n\r\n{\"file\":true}"},
		// A POST without a body says so: servers may refuse one without Content-Length (411).
		{[]string{"-m", "POST"}, "POST /p?q HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: 0\r\n\r\n"},
		{[]string{"-m", "GET", "-b", "x"}, "GET /p?q HTTP/1.1\r\nHost: " + host + "\r\nContent-Length: 1\r\n\r\nx"},
		{[]string{"-m", "DELETE"}, "DELETE /p?q HTTP/1.1\r\nHost: " + host + "\r\n\r\n"},
	}
	for _, tt := range tests {
		before := len(rec.requests())
		args := append([]string{"-t1", "-c1", "-d100ms"}, tt.args...)
		code, _, errs := runApp(append(args, rec.url()+"/p?q")...)
		if code != 0 {
			t.Fatalf("%q: exit %d: %s", tt.args, code, errs)
		}
		got := rec.requests()[before:]
		if len(got) == 0 || got[0] != tt.want || got[len(got)-1] != tt.want {
			t.Errorf("%q sent %d requests, first %q, want %q", tt.args, len(got), got, tt.want)
		}
	}
}

func TestRequestFlagErrors(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, 64<<20+1), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-m", "HEAD", "-b", "x", "http://h/"}, "volley: -m/--method HEAD cannot carry a body (-b/--body, --body-file)"},
		{[]string{"-m", "TRACE", "--body-file", big, "http://h/"}, "volley: -m/--method TRACE cannot carry a body"},
		{[]string{"-m", "GE T", "http://h/"}, `volley: invalid -m/--method "GE T": not an HTTP method`},
		{[]string{"-b", "x", "-s", "x.lua", "http://h/"}, "volley: -b/--body describes the request without a script; the script (-s) builds its own"},
		{[]string{"-b", "x", "--body-file", big, "http://h/"}, "volley: -b/--body and --body-file both give the body; use one"},
		{[]string{"--body-file", big, "http://127.0.0.1:1/"}, "volley: --body-file " + big + ": larger than 64 MiB"},
		{[]string{"--body-file", filepath.Join(dir, "none"), "http://127.0.0.1:1/"}, "no such file"},
		{[]string{"http://h/", "nope"}, `volley: invalid URL "nope": missing scheme`},
		{[]string{"--cacert", big, "http://h/"}, "volley: --cacert applies to https URLs, and there is none"},
		// Requests from flags are bounded as a script's are, before anything connects.
		{[]string{"--max-request-bytes", "1k", "-b", strings.Repeat("x", 1000), "http://127.0.0.1:1/"},
			`volley: request for http://127.0.0.1:1/: it is 1059 bytes, more than --max-request-bytes allows (1024)`},
	}
	for _, tt := range tests {
		code, out, errs := runApp(tt.args...)
		if code != 1 || out != "" || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, tt.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit 1 and %q", tt.args, code, errs, tt.want)
		}
	}
}

// Several URLs: connections are split among the servers (each at least one), every server
// gets requests, and the report and the JSON say how each did.
func TestSeveralURLs(t *testing.T) {
	a, b := startTarget(t), startTarget(t)
	code, out, errs := runApp("-t2", "-c4", "-d300ms", "--json", "-", "http://"+a.Addr()+"/", "http://"+b.Addr()+"/bytes/10")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if a.Requests() == 0 || b.Requests() == 0 {
		t.Fatalf("requests: %d and %d", a.Requests(), b.Requests())
	}
	if !strings.Contains(errs, "Running 0.3s test @ http://"+a.Addr()+"/ and 1 more\n") ||
		!strings.Contains(errs, "  Origins:\n    http://"+a.Addr()+" ") || !strings.Contains(errs, "    http://"+b.Addr()+" ") ||
		strings.Contains(errs, "Load also went") || !strings.Contains(out, `"other_addresses": []`) { // only a script's thread.addr loads other addresses
		t.Fatalf("report:\n%s", errs)
	}
	var doc struct {
		Requests uint64
		Origins  []struct {
			Origin       string
			Requests     uint64
			LatencyP99Us *int64 `json:"latency_p99_us"`
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Origins) != 2 || doc.Origins[0].Origin != "http://"+a.Addr() || doc.Origins[0].Requests+doc.Origins[1].Requests != doc.Requests ||
		doc.Origins[1].LatencyP99Us == nil {
		t.Fatalf("origins %+v, requests %d", doc.Origins, doc.Requests)
	}
	// Fewer connections than servers cannot give each one.
	code, _, errs = runApp("-t1", "-c1", "-d100ms", "http://"+a.Addr()+"/", "http://"+b.Addr()+"/")
	if code != 1 || !strings.Contains(errs, "volley: -c/--connections 1 is fewer than the 2 servers; each needs a connection") {
		t.Fatalf("exit %d: %s", code, errs)
	}
}

// A single URL's report stays wrk's: no origin lines.
func TestOneURLHasNoOriginLines(t *testing.T) {
	srv := startTarget(t)
	code, out, errs := runApp("-t1", "-c2", "-d200ms", "http://"+srv.Addr()+"/")
	if code != 0 || strings.Contains(out, "Origins") || strings.Contains(out, "Connections:") {
		t.Fatalf("exit %d:\n%s%s", code, out, errs)
	}
	assertReport(t, out)
}

func TestTargetsFile(t *testing.T) {
	a := startRecorder(t, "tcp", "127.0.0.1:0")
	b := startRecorder(t, "tcp", "127.0.0.1:0")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "new.json"), []byte(`{"new":1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	file := "# three targets, two servers\n" +
		"GET " + a.url() + "/one\nX-Test: 1\n\n" +
		"POST " + a.url() + "/two\nContent-Type: application/json\n@new.json\n\n" +
		"DELETE " + b.url() + "/three\n"
	path := filepath.Join(dir, "targets.txt")
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runApp("-t1", "-c3", "-d300ms", "-H", "X-All: yes", "--targets", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "Running 0.3s test @ "+a.url()+"/one and 2 more\n") || !strings.Contains(out, "  Origins:\n") {
		t.Fatalf("report:\n%s", out)
	}
	seen := map[string]int{}
	for _, r := range append(a.requests(), b.requests()...) {
		seen[r]++
	}
	ha, hb := strings.TrimPrefix(a.url(), "http://"), strings.TrimPrefix(b.url(), "http://")
	want := []string{
		"GET /one HTTP/1.1\r\nHost: " + ha + "\r\nX-All: yes\r\nX-Test: 1\r\n\r\n",
		"POST /two HTTP/1.1\r\nHost: " + ha + "\r\nX-All: yes\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n{\"new\":1}",
		"DELETE /three HTTP/1.1\r\nHost: " + hb + "\r\nX-All: yes\r\n\r\n",
	}
	for _, w := range want {
		if seen[w] == 0 {
			t.Errorf("never sent %q; sent %v", w, seen)
		}
	}
	if len(seen) != len(want) {
		t.Errorf("sent %d distinct requests: %v", len(seen), seen)
	}
	// Round robin per connection: the two targets of a's connections are sent alike.
	if n1, n2 := seen[want[0]], seen[want[1]]; n1 > 2*n2+2 || n2 > 2*n1+2 {
		t.Errorf("round robin: %d and %d", n1, n2)
	}

	// The same file from standard input, its @file read under the working directory.
	t.Chdir(dir)
	stdin = strings.NewReader(file)
	defer func() { stdin = os.Stdin }()
	if code, _, errs := runApp("-t1", "-c2", "-d100ms", "--targets", "-"); code != 0 {
		t.Fatalf("--targets -: exit %d: %s", code, errs)
	}
}

func TestTargetsFileErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "t.txt")
	if err := os.WriteFile(path, []byte("GET http://127.0.0.1:1/\n\nPOST http://127.0.0.1:1/\n@../secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runApp("-d100ms", "--targets", path)
	if code != 1 || out != "" || errs != "volley: "+path+":4: @../secret: path escapes from parent (body files are read under \""+dir+"\")\n" {
		t.Fatalf("exit %d: %q", code, errs)
	}
	code, _, errs = runApp("-d100ms", "--targets", path, "http://h/")
	if code != 1 || !strings.Contains(errs, "--targets gives the URLs") {
		t.Fatalf("exit %d: %q", code, errs)
	}
}

// The probe's connection succeeds, then the server goes away: no connection of the run ever
// opens, and the run says so with exit 2 rather than print an all-zero report (the banner is
// out by then).
func TestNoConnectionEverSucceeded(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		if c, err := ln.Accept(); err == nil {
			ln.Close() // refuse everything after the probe
			c.Close()
		}
	}()
	code, out, errs := runApp("-t1", "-c2", "-d300ms", "http://"+ln.Addr().String()+"/")
	if code != 2 || strings.Contains(out, "requests in") || errs != "volley: no connection succeeded: connect: connection refused\n" {
		t.Fatalf("exit %d\n%s%q", code, out, errs)
	}
}

// The recorder never closes a connection, even when asked: volley closes it itself after the
// response to a request that says "Connection: close" (RFC 9112 9.6), so that every request
// measures a new connection, and counts them.
func TestConnectionCloseIsHonoured(t *testing.T) {
	rec := startRecorder(t, "tcp", "127.0.0.1:0")
	code, out, errs := runApp("-t1", "-c2", "-d300ms", "-H", "Connection: keep-alive, close", "--json", "-", rec.url()+"/")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		Requests    uint64
		Connections struct{ Opened uint64 }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	conns := rec.conns
	rec.mu.Unlock()
	// The probe's connection is one more; the run's last connections may be opened unused.
	if doc.Requests < 10 || doc.Connections.Opened < doc.Requests || uint64(conns) < doc.Requests+1 || uint64(conns) > doc.Requests+3 { //nolint:gosec // a count
		t.Fatalf("%d requests over %d connections (%d accepted)", doc.Requests, doc.Connections.Opened, conns)
	}
}
