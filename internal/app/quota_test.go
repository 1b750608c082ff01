package app

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The script quotas through the whole program: the built binary runs as a child process, so
// that its peak resident set is the honest number, allocator, garbage collector and runtime
// included. It is read from /proc/PID/status (VmHWM, the high-water mark) while the child runs:
// getrusage's ru_maxrss for a child started by os/exec (vfork, then exec) starts from the
// test process's own peak, which exec folds into it.

// child is one finished run of the binary.
type child struct {
	code   int
	stderr string
	rss    int64 // peak resident set, bytes
	took   time.Duration
}

// start starts the binary with args; wait collects it.
func start(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(buildBinary(t), args...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &errb
}

func wait(t *testing.T, cmd *exec.Cmd, errb *bytes.Buffer, began time.Time) child {
	t.Helper()
	status := "/proc/" + strconv.Itoa(cmd.Process.Pid) + "/status"
	var peak atomic.Int64
	stop := make(chan struct{})
	polled := make(chan struct{})
	go func() {
		defer close(polled)
		for {
			if hwm := vmHWM(status); hwm > peak.Load() {
				peak.Store(hwm)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	err := cmd.Wait()
	close(stop)
	<-polled
	c := child{stderr: errb.String(), took: time.Since(began), rss: peak.Load()}
	if ee, ok := err.(*exec.ExitError); ok { //nolint:errorlint // Wait returns *ExitError itself
		c.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return c
}

// vmHWM reads the peak resident set in bytes from a /proc/PID/status file, 0 once it is gone.
func vmHWM(status string) int64 {
	b, err := os.ReadFile(status)
	if err != nil {
		return 0
	}
	_, rest, ok := strings.Cut(string(b), "VmHWM:")
	if !ok {
		return 0
	}
	kib, _ := strconv.ParseInt(strings.TrimSuffix(strings.Fields(rest)[0], "kB"), 10, 64)
	return kib << 10
}

func runBinary(t *testing.T, args ...string) child {
	t.Helper()
	began := time.Now()
	cmd, errb := start(t, args...)
	return wait(t, cmd, errb, began)
}

// bodyServer answers every request on a connection with a different 64 KiB body, so that a
// script keeping bodies keeps distinct strings.
func bodyServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { _ = ln.Close(); wg.Wait() })
	body := strings.Repeat("b", 64<<10)
	wg.Go(func() {
		n := 0
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n++
			wg.Go(func() {
				defer func() { _ = c.Close() }()
				_ = c.SetDeadline(time.Now().Add(time.Minute))
				r, w := bufio.NewReader(c), bufio.NewWriter(c)
				for i := 0; ; i++ {
					if _, err := readHead(r); err != nil {
						return
					}
					b := fmt.Sprintf("%d.%d.", n, i) + body
					_, _ = fmt.Fprintf(w, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(b), b)
					if w.Flush() != nil {
						return
					}
				}
			})
		}
	})
	return "http://" + ln.Addr().String() + "/"
}

// Every way a script can make the process hold memory, at the default quota and at 64M: the
// process's peak RSS stays under the quota + 64 MiB, whether the script is stopped (with a
// one-line error) or runs on.
func TestScriptMemoryQuotaBoundsRSS(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary many times")
	}
	srv := startTarget(t)
	bodies := bodyServer(t)
	cases := []struct {
		name, src string
		url       string
		atDefault bool // also at the default quota (patterns that reach it in seconds)
	}{
		{"keys set and deleted", `local t, n = {}, 0 function response() for i = 1, 2000 do n = n + 1 local k = "key" .. n t[k] = true t[k] = nil end end`, "", false},
		{"keys cleared by pairs", `local t, n = {}, 0 function response() for i = 1, 500 do n = n + 1 t[("k"):rep(1000) .. n] = true end for k in pairs(t) do t[k] = nil end end`, "", false},
		{"emptied arrays", `local keep = {} function response() local t = {} for i = 1, 5000 do t[i] = i end for i = 1, 5000 do t[i] = nil end keep[#keep + 1] = t end`, "", false},
		{"kept gmatch iterators", `local its, n = {}, 0 function response() n = n + 1 its[#its + 1] = (("x"):rep(100000) .. n):gmatch(".") end`, "", true},
		{"closures", `local fs = {} function response() for i = 1, 2000 do local x = {i} fs[#fs + 1] = function() return x end end end`, "", true},
		{"thread:set", `local n = 0 function response() n = n + 1 wrk.thread:set("v" .. n, ("y"):rep(10000) .. n) end`, "", false},
		{"retained bodies", `local kept = {} function response(status, headers, body) kept[#kept + 1] = body end`, bodies, true},
		{"fast growth in one call", `local t = {} while true do t[#t + 1] = ("x"):rep(2^20) .. #t end`, "", true},
		{"fast growth of small tables", `local t, i = {}, 0 while true do i = i + 1 t[i] = {i, i, i} end`, "", true},
		{"growth among garbage", `local t, big = {}, ("x"):rep(2^22) while true do local g = big .. #t t[#t + 1] = ("y"):rep(2^20) .. #t end`, "", true},
	}
	for _, quota := range []int64{64 << 20, 256 << 20} {
		for _, tc := range cases {
			if quota == 256<<20 && !tc.atDefault {
				continue
			}
			t.Run(fmt.Sprintf("%s/%dM", tc.name, quota>>20), func(t *testing.T) {
				url := tc.url
				if url == "" {
					url = srv.URL() + "/"
				}
				args := []string{"-t1", "-c2", "-d4s", "--script-timeout", "2s", "-s", writeScript(t, tc.src), url}
				if quota != 256<<20 {
					args = append(args, "--script-memory", strconv.FormatInt(quota>>20, 10)+"M")
				}
				c := runBinary(t, args...)
				t.Logf("exit %d after %v, peak RSS %d MiB: %s", c.code, c.took.Round(time.Millisecond), c.rss>>20, strings.TrimSpace(c.stderr))
				if c.rss > quota+64<<20 {
					t.Errorf("peak RSS %d MiB, quota %d MiB", c.rss>>20, quota>>20)
				}
				if c.code != 0 && !strings.Contains(c.stderr, "memory quota") && !strings.Contains(c.stderr, "ran longer than") {
					t.Errorf("exit %d: %s", c.code, c.stderr)
				}
			})
		}
	}
}

// SIGINT ends a run within a second whatever the script is doing, and a second SIGINT ends the
// process at once.
func TestInterruptStopsScripts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	srv := startTarget(t)
	cases := []struct {
		name, src string
		duration  string
		signals   []time.Duration // after the start
		code      int
		want      string
	}{
		{"main chunk", `while true do end`, "10s", []time.Duration{time.Second}, ExitUsage, "the main chunk interrupted"},
		{"sort in the main chunk", `local a, b = ("x"):rep(2^24) .. "a", ("x"):rep(2^24) .. "b"
			local t = {} for i = 1, 600 do t[i] = i % 2 == 0 and a or b end while true do table.sort(t) end`, "10s", []time.Duration{1500 * time.Millisecond}, ExitUsage, "the main chunk interrupted"},
		{"setup", `function setup() while true do end end`, "10s", []time.Duration{time.Second}, ExitUsage, "setup() interrupted"},
		{"init", `function init() while true do end end`, "10s", []time.Duration{time.Second}, ExitUsage, "init() interrupted"},
		{"a hook with a long limit", `function response() while true do end end`, "10s", []time.Duration{time.Second}, ExitOK, ""},
		{"done", `function done() while true do end end`, "300ms", []time.Duration{1500 * time.Millisecond}, ExitUsage, "done() interrupted"},
		// The first signal stops the run, done() runs as wrk runs it, the second ends it all.
		{"twice", `function done() while true do end end`, "10s", []time.Duration{time.Second, 1500 * time.Millisecond}, 128 + int(syscall.SIGINT), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			script := writeScript(t, tc.src)
			buildBinary(t)
			began := time.Now()
			cmd, errb := start(t, "-t1", "-c1", "-d"+tc.duration, "--script-timeout", "1m", "-s", script, srv.URL()+"/")
			var last time.Time
			for _, at := range tc.signals {
				time.Sleep(time.Until(began.Add(at)))
				last = time.Now()
				if err := cmd.Process.Signal(os.Interrupt); err != nil {
					t.Fatal(err)
				}
			}
			c := wait(t, cmd, errb, began)
			if took := time.Since(last); took > time.Second {
				t.Errorf("ended %v after SIGINT", took)
			}
			if c.code != tc.code || !strings.Contains(c.stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", c.code, c.stderr, tc.code, tc.want)
			}
		})
	}
}
