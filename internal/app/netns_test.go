//go:build accuracy

package app

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"volley/internal/report"
)

// The test hosts live in network namespaces that the test makes and removes, on 198.18.77.0/24
// (RFC 2544's range for benchmark tests): a target host with a bridge, and one host per shard
// linked to it by a veth pair. No address outside these namespaces is ever used.
const netnsTarget = "198.18.77.1"

type testNet struct {
	t      *testing.T
	target string   // namespace of the target host
	shards []string // namespaces of the shard hosts
}

func sh(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func newTestNet(t *testing.T, shards int) *testNet {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("network namespaces need root: skipped (the shard processes test covers the rest)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("ip (iproute2) not installed: skipped")
	}
	id := strconv.Itoa(rand.IntN(1 << 20))
	n := &testNet{t: t, target: "vlyt" + id}
	t.Cleanup(n.remove)
	sh(t, "ip", "netns", "add", n.target)
	in := func(ns string, args ...string) { sh(t, append([]string{"ip", "netns", "exec", ns}, args...)...) }
	in(n.target, "ip", "link", "set", "lo", "up")
	in(n.target, "ip", "link", "add", "br0", "type", "bridge")
	in(n.target, "ip", "addr", "add", netnsTarget+"/24", "dev", "br0")
	in(n.target, "ip", "link", "set", "br0", "up")
	for i := range shards {
		ns := fmt.Sprintf("vlys%d-%s", i, id)
		n.shards = append(n.shards, ns)
		sh(t, "ip", "netns", "add", ns)
		a, b := fmt.Sprintf("vla%d", i), fmt.Sprintf("vlb%d", i)
		sh(t, "ip", "link", "add", a, "netns", n.target, "type", "veth", "peer", "name", b, "netns", ns)
		in(n.target, "ip", "link", "set", a, "master", "br0")
		in(n.target, "ip", "link", "set", a, "up")
		in(ns, "ip", "addr", "add", fmt.Sprintf("198.18.77.%d/24", 10+i), "dev", b)
		in(ns, "ip", "link", "set", b, "up")
		in(ns, "ip", "link", "set", "lo", "up")
	}
	return n
}

func (n *testNet) remove() {
	for _, ns := range append(n.shards, n.target) {
		_ = exec.Command("ip", "netns", "del", ns).Run() // best effort: a namespace may not exist yet
	}
}

// startNginxIn runs nginx on the target host, logging each request's time in ms.
func startNginxIn(t *testing.T, ns string) (url, log string) {
	t.Helper()
	dir := t.TempDir()
	log = filepath.Join(dir, "access.log")
	startNginxWith(t, dir, `  log_format t '$msec';
  keepalive_requests 100000000;
  server {
    listen `+netnsTarget+`:8080; access_log `+log+` t;
    location / { default_type text/plain; return 200 "hello\n"; }
  }
`, []string{"ip", "netns", "exec", ns})
	time.Sleep(300 * time.Millisecond) // the address is in the namespace: nothing here can dial it
	return "http://" + netnsTarget + ":8080/", log
}

func readLog(t *testing.T, path string) []float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }() // read-only
	var times []float64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		v, err := strconv.ParseFloat(strings.TrimSpace(sc.Text()), 64)
		if err == nil {
			times = append(times, v)
		}
	}
	return times
}

// Shards on separate hosts against one target: the merged result equals a single process's
// run of the same load, and the target saw one evenly spaced schedule.
func TestAccuracyShardsOnSeparateHosts(t *testing.T) {
	const shards, rate = 3, 1500
	nw := newTestNet(t, shards)
	url, log := startNginxIn(t, nw.target)
	bin := buildBinary(t)
	dir := t.TempDir()
	startAt := time.Now().Add(2 * time.Second)
	start := startAt.UTC().Format(time.RFC3339Nano)
	files := make([]string, shards)
	errs := make([]string, shards)
	var wg sync.WaitGroup
	for i, ns := range nw.shards {
		files[i] = filepath.Join(dir, fmt.Sprintf("shard-%d.json", i))
		args := []string{"netns", "exec", ns, bin, "--shard", fmt.Sprintf("%d/%d", i, shards), "--start-at", start,
			"--json", files[i], "--quiet", "-t3", "-c6", "-R", strconv.Itoa(rate), "-d", "2s", url}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
				errs[i] = fmt.Sprintf("shard %d: %v\n%s", i, err, out)
			}
		}()
	}
	wg.Wait()
	for _, e := range errs {
		if e != "" {
			t.Fatal(e)
		}
	}
	merged, err := report.MergeFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	sent := readLog(t, log)
	if got := uint64(len(sent)); got != merged.Result.Requests+merged.Result.InFlight {
		t.Fatalf("target logged %d requests, merged result %d (+%d in flight)", got, merged.Result.Requests, merged.Result.InFlight)
	}
	want := float64(rate * 2)
	if got := float64(len(sent)); got < want*0.99 || got > want*1.01 {
		t.Errorf("target logged %v requests, want %v ±1%%", got, want)
	}
	// One schedule: by any instant, the target has logged at most the requests due by then,
	// counted from the shards' common start (--start-at; nginx logs wall-clock time, after the
	// request arrived, in whole ms: a slot or two of slack). A shard that is late on a loaded
	// machine catches up as soon as it can, which is never ahead; the count above shows that
	// it did catch up.
	slices.Sort(sent)
	origin := float64(startAt.UnixNano()) / 1e9
	for i, s := range sent {
		due := rate * (s - origin)
		if float64(i+1) > due+1+3 {
			t.Fatalf("request %d at %+.3fs after the start: only %.0f were due", i+1, s-origin, due)
		}
	}

	// The same load from one process on one host.
	single := filepath.Join(dir, "single.json")
	out, err := exec.Command("ip", "netns", "exec", nw.shards[0], bin, "--json", single, "--quiet",
		"-t3", "-c6", "-R", strconv.Itoa(rate), "-d", "2s", url).CombinedOutput()
	if err != nil {
		t.Fatalf("single run: %v\n%s", err, out)
	}
	one, err := report.MergeFiles([]string{single})
	if err != nil {
		t.Fatal(err)
	}
	total := uint64(len(readLog(t, log)))
	if got := total - uint64(len(sent)); got != one.Result.Requests+one.Result.InFlight {
		t.Errorf("target logged %d requests of the single run, it reported %d", got, one.Result.Requests)
	}
	if d := float64(one.Result.Requests) - float64(merged.Result.Requests); d > want*0.01 || -d > want*0.01 {
		t.Errorf("one process: %d requests; %d shards: %d", one.Result.Requests, shards, merged.Result.Requests)
	}
	// Their latencies are logged, not compared: the two runs happen at different moments, and
	// on a busy machine a scheduling hiccup in one decides even its median.
	for _, p := range []float64{50, 90} {
		t.Logf("p%v: one process %dus, shards %dus", p, one.Result.Latency.Percentile(p), merged.Result.Latency.Percentile(p))
	}
}
