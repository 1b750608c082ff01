package app

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"volley/internal/cli"
	"volley/internal/testserver"
)

func runApp(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Main(args, &out, &errb)
	return code, out.String(), errb.String()
}

func startTarget(t *testing.T) *testserver.Server {
	t.Helper()
	srv, err := testserver.Start(testserver.Options{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeTarget(t, srv) })
	return srv
}

// closeTarget stops a test server; its listener's Close failing would be a bug in the test.
func closeTarget(t *testing.T, srv *testserver.Server) {
	t.Helper()
	if err := srv.Close(); err != nil {
		t.Error(err)
	}
}

// reportLines are the lines of wrk's report, in order, that every run prints.
var reportLines = []*regexp.Regexp{
	regexp.MustCompile(`^Running \S+ test @ \S+$`),
	regexp.MustCompile(`^  \d+ threads and \d+ connections$`),
	regexp.MustCompile(`^  Thread Stats   Avg      Stdev     Max   \+/- Stdev$`),
	regexp.MustCompile(`^    Latency +\S+ +\S+ +\S+ +\S+%$`),
	regexp.MustCompile(`^    Req/Sec +\S+ +\S+ +\S+ +\S+%$`),
	regexp.MustCompile(`^  \d+ requests in \S+, \S+B read$`),
	regexp.MustCompile(`^Requests/sec: +\d+\.\d\d$`),
	regexp.MustCompile(`^Transfer/sec: +\S+B$`),
}

func assertReport(t *testing.T, out string) {
	t.Helper()
	lines := strings.Split(out, "\n")
	i := 0
	for _, re := range reportLines {
		for i < len(lines) && !re.MatchString(lines[i]) {
			i++
		}
		if i == len(lines) {
			t.Fatalf("report lacks a line like %q:\n%s", re, out)
		}
	}
}

func TestRunPrintsWrkReport(t *testing.T) {
	srv := startTarget(t)
	code, out, errs := runApp("-t2", "-c8", "-d300ms", "--latency", srv.URL()+"/")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	assertReport(t, out)
	if !strings.Contains(out, "Latency Distribution") || !strings.Contains(out, "     99%") {
		t.Errorf("--latency prints the distribution:\n%s", out)
	}
	if strings.Contains(out, "Socket errors") {
		t.Errorf("no socket errors against a healthy target:\n%s", out)
	}
}

func TestDemo(t *testing.T) {
	code, out, errs := runApp("demo", "-d", "300ms", "-c", "4", "-t", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	assertReport(t, out)
}

func TestBadInvocationsAreOneLineExit1(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"-c", "abc", "http://127.0.0.1:1/"},
		{"-c", "99999999999999999999", "http://127.0.0.1:1/"},
		{"-d", "99999999999h", "http://127.0.0.1:1/"},
		{"-t", "4", "-c", "2", "http://127.0.0.1:1/"},
		{"--bogus", "http://127.0.0.1:1/"},
		{"ftp://127.0.0.1/"},
		{"-H", "X-A: a\r\nInjected: 1", "http://127.0.0.1:1/"},
		{"http://127.0.0.1:99999/"},
		{"--json", "a.json", "--json", "b.json", "http://127.0.0.1:1/"},
		{"-s", "missing.lua", "http://127.0.0.1:1/"},
		{"-s", "../../examples/pipeline.lua", "--allow-read", "/nonexistent/dir", "http://127.0.0.1:1/"},
	} {
		code, out, errs := runApp(args...)
		if code != ExitUsage {
			t.Errorf("%q: exit %d, want 1 (stderr %q)", args, code, errs)
		}
		if out != "" || strings.Count(errs, "\n") != 1 || !strings.HasPrefix(errs, "volley: ") {
			t.Errorf("%q: want one line on stderr, got stdout %q stderr %q", args, out, errs)
		}
	}
}

func TestClosedPortCannotStart(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	code, _, errs := runApp("-d1s", "http://"+addr+"/")
	if code != ExitNoStart || !strings.Contains(errs, "unable to connect to "+addr) {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
}

// TestRequestOnTheWire checks wrk's default request: path and query as typed, no fragment,
// Host from the URL or from -H, -H headers with or without a space after the colon.
func TestRequestOnTheWire(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	heads := make(chan string, 1)
	serveConns(t, ln, func(c net.Conn) {
		r := bufio.NewReader(c)
		var head strings.Builder
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			head.WriteString(line)
			if line == "\r\n" {
				select {
				case heads <- head.String():
				default:
				}
				head.Reset()
				if _, err := io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"); err != nil {
					return
				}
			}
		}
	})
	port := ln.Addr().(*net.TCPAddr).Port
	url := "http://127.0.0.1:" + strconv.Itoa(port) + "/p%20a/th?q=1&r=%2F#frag"
	code, _, errs := runApp("-t1", "-c1", "-d100ms", "-H", "X-One:1", "-H", "X-Two:  two ", url)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	want := "GET /p%20a/th?q=1&r=%2F HTTP/1.1\r\nHost: 127.0.0.1:" + strconv.Itoa(port) + "\r\nX-One: 1\r\nX-Two: two\r\n\r\n"
	if got := <-heads; got != want {
		t.Fatalf("request\n%q\nwant\n%q", got, want)
	}
	code, _, errs = runApp("-t1", "-c1", "-d100ms", "-H", "host: example.org", url)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if got := <-heads; !strings.Contains(got, "\r\nHost: example.org\r\n") || strings.Count(got, "ost:") != 1 {
		t.Fatalf("-H Host must replace the default: %q", got)
	}
}

// TestInterruptStillReports runs the real binary and sends it SIGINT, as wrk users do.
func TestInterruptStillReports(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	srv := startTarget(t)
	cmd := exec.Command(bin, "-t1", "-c2", "-d30s", srv.URL()+"/")
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Once the banner is out the run has begun, and SIGINT ends it with a report; before, on a
	// busy machine, the process may not have set up its handler yet.
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(out.String(), "Running ") && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	begin := time.Now()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if err != nil {
		t.Fatalf("exit: %v\n%s", err, out.String())
	}
	if took := time.Since(begin); took > 2*time.Second {
		t.Errorf("took %v to stop after SIGINT", took)
	}
	assertReport(t, out.String())
}

// lockedBuffer is a bytes.Buffer that a child process writes while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestLimitsShrinkWithConnections(t *testing.T) {
	for _, tc := range []struct {
		conns, flag, wantHeader, wantBody int
	}{
		{10, 64 << 10, 64 << 10, 1 << 20},
		{100_000, 64 << 10, 10737, 10737},
		{1_000_000, 64 << 10, 4 << 10, 4 << 10},
		{1_000_000, 128 << 10, 128 << 10, 4 << 10}, // an explicit flag is obeyed
	} {
		l := limits(&cli.Config{Connections: tc.conns, MaxHeaderBytes: tc.flag, MaxHeaders: 256})
		if l.MaxHeaderBytes != tc.wantHeader || l.MaxBodyKeep != tc.wantBody {
			t.Errorf("-c %d --max-header-bytes %d: header %d body %d, want %d %d",
				tc.conns, tc.flag, l.MaxHeaderBytes, l.MaxBodyKeep, tc.wantHeader, tc.wantBody)
		}
	}
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// buildBinary builds cmd/volley once for the tests that run it as a separate process, as make
// builds it (stamped with its commit when in a git checkout, whatever GOFLAGS says).
func buildBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "volley-test-bin")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "volley")
		if out, err := exec.Command("go", "build", "-buildvcs=auto", "-o", binPath, "volley/cmd/volley").CombinedOutput(); err != nil {
			binErr = fmt.Errorf("build: %w\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}
