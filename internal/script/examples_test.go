package script

import (
	"math"
	"net"
	"net/netip"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// loadExample loads examples/name through the file path, as volley does.
func loadExample(t *testing.T, name string, mod ...func(*Options)) (*Main, *strings.Builder) {
	t.Helper()
	var out strings.Builder
	o := Options{Path: filepath.Join("..", "..", "examples", name), Target: testTarget, Stdout: &out,
		Args: []string{testTarget.URL}}
	for _, f := range mod {
		f(&o)
	}
	m, err := Load(o)
	if err != nil {
		t.Fatalf("Load %s: %v", name, err)
	}
	t.Cleanup(m.Close)
	return m, &out
}

// threads creates n threads, runs setup and init.
func threads(t *testing.T, m *Main, n int) []*Thread {
	t.Helper()
	var ts []*Thread
	for i := range n {
		th, err := m.NewThread(i, netip.MustParseAddrPort("127.0.0.1:8080"))
		if err != nil {
			t.Fatalf("NewThread: %v", err)
		}
		ts = append(ts, th)
	}
	if err := m.Setup(ts); err != nil {
		t.Fatalf("Setup: %v", err)
	}
	for _, th := range ts {
		if err := th.Init(); err != nil {
			t.Fatalf("Init: %v", err)
		}
	}
	return ts
}

func request(t *testing.T, th *Thread) string {
	t.Helper()
	p, heads, err := th.Request()
	if err != nil {
		t.Fatalf("Request: %v", err)
	}
	if len(heads) == 0 {
		t.Fatalf("Request returned no heads")
	}
	return string(p)
}

func TestExampleRandomAddr(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	addr := netip.MustParseAddrPort(ln.Addr().String())
	m, out := loadExample(t, "random-addr.lua", func(o *Options) {
		o.Target.Host, o.Target.Port = "127.0.0.1", strconv.Itoa(int(addr.Port()))
		o.Net = policyFor(t, "http://"+addr.String()+"/")
	})
	ts := threads(t, m, 3)
	for _, th := range ts {
		if th.Addr() != addr {
			t.Errorf("thread addr = %v, want %v", th.Addr(), addr)
		}
	}
	if want := strings.Repeat("thread connects to "+addr.String()+"\n", 3); out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}
}

func TestExampleLoginToken(t *testing.T) {
	m, _ := loadExample(t, "login-token.lua")
	th := threads(t, m, 1)[0]
	if !th.HasRequest() || !th.HasResponse() {
		t.Fatal("hooks not found")
	}
	first := request(t, th)
	if !strings.HasPrefix(first, "POST /login HTTP/1.1\r\n") || !strings.Contains(first, "\r\nContent-Length: 23\r\n") ||
		!strings.Contains(first, "Host: 127.0.0.1:8080\r\n") || !strings.HasSuffix(first, "\r\n\r\nuser=demo&password=demo") {
		t.Errorf("login request:\n%s", first)
	}
	if err := th.Response(200, headers("Content-Type", "text/plain", "x-token", "s3cret"), nil); err != nil {
		t.Fatal(err)
	}
	next := request(t, th)
	if !strings.HasPrefix(next, "GET /api/items HTTP/1.1\r\n") || !strings.Contains(next, "Authorization: Bearer s3cret\r\n") ||
		strings.Contains(next, "Content-Length") {
		t.Errorf("request after login:\n%s", next)
	}
}

func TestExampleCounter(t *testing.T) {
	m, _ := loadExample(t, "counter.lua")
	ts := threads(t, m, 2)
	for i := 1; i <= 3; i++ {
		for id, th := range ts {
			r := request(t, th)
			path := "/thread/" + strconv.Itoa(id+1) + "/request/" + strconv.Itoa(i)
			hdr := "X-Request: " + strconv.Itoa(id+1) + "-" + strconv.Itoa(i) + "\r\n"
			if !strings.HasPrefix(r, "GET "+path+" HTTP/1.1\r\n") || !strings.Contains(r, hdr) {
				t.Errorf("thread %d request %d:\n%s", id+1, i, r)
			}
		}
	}
}

func TestExampleRandomDelay(t *testing.T) {
	m, _ := loadExample(t, "random-delay.lua")
	th := threads(t, m, 1)[0]
	if !th.HasDelay() || th.HasRequest() || th.HasResponse() {
		t.Fatal("wrong hooks")
	}
	seen := map[time.Duration]bool{}
	for range 500 {
		d, err := th.Delay()
		if err != nil {
			t.Fatal(err)
		}
		if d < 5*time.Millisecond || d > 25*time.Millisecond || d%time.Millisecond != 0 {
			t.Fatalf("delay %v out of [5ms, 25ms]", d)
		}
		seen[d] = true
	}
	if len(seen) < 15 {
		t.Errorf("only %d distinct delays in 500 draws", len(seen))
	}
}

func TestExamplePipeline(t *testing.T) {
	m, _ := loadExample(t, "pipeline.lua")
	th := threads(t, m, 1)[0]
	p1, heads, err := th.Request()
	if err != nil {
		t.Fatal(err)
	}
	if len(heads) != 3 || strings.Count(string(p1), " HTTP/1.1\r\n") != 3 ||
		!strings.Contains(string(p1), "GET /second HTTP/1.1\r\n") {
		t.Fatalf("pipeline: heads %v\n%s", heads, p1)
	}
	p2, _, _ := th.Request()
	if &p1[0] != &p2[0] {
		t.Error("the same batch string was copied again")
	}
}

func TestExamplePostForm(t *testing.T) {
	m, _ := loadExample(t, "post-form.lua")
	th := threads(t, m, 1)[0]
	if th.HasRequest() {
		t.Fatal("post-form defines no request()")
	}
	p, heads, err := th.StaticRequest()
	if err != nil {
		t.Fatal(err)
	}
	want := "POST / HTTP/1.1\r\nX-A: 1\r\nContent-Type: application/x-www-form-urlencoded\r\nHost: 127.0.0.1:8080\r\n" +
		"Content-Length: 26\r\n\r\nname=volley&kind=load+test"
	if string(p) != want || len(heads) != 1 || heads[0] {
		t.Errorf("static request %q, want %q (heads %v)", p, want, heads)
	}
}

// fakeStats is a Stats over a list of samples.
type fakeStats []int64

func (f fakeStats) Count() int64 { return int64(len(f)) }
func (f fakeStats) Min() int64   { return slices.Min(f) }
func (f fakeStats) Max() int64   { return slices.Max(f) }
func (f fakeStats) Mean() float64 {
	var sum float64
	for _, v := range f {
		sum += float64(v)
	}
	return sum / float64(len(f))
}
func (f fakeStats) Stdev() float64 {
	m, sum := f.Mean(), 0.0
	for _, v := range f {
		sum += (float64(v) - m) * (float64(v) - m)
	}
	return math.Sqrt(sum / float64(len(f)-1))
}
func (f fakeStats) Percentile(p float64) int64 {
	s := slices.Sorted(slices.Values(f))
	rank := int(math.Round(p/100*float64(len(s)) + 0.5))
	return s[min(max(rank, 1), len(s))-1]
}
func (f fakeStats) distinct() []int64 { return slices.Compact(slices.Sorted(slices.Values(f))) }
func (f fakeStats) Distinct() int64   { return int64(len(f.distinct())) }
func (f fakeStats) ValueAt(i int64) (int64, int64) {
	v := f.distinct()[i]
	var n int64
	for _, x := range f {
		if x == v {
			n++
		}
	}
	return v, n
}

func latencies() fakeStats {
	var f fakeStats
	for i := int64(1); i <= 10000; i++ {
		f = append(f, i*10)
	}
	return f
}

func TestExamplePercentilesCSV(t *testing.T) {
	m, out := loadExample(t, "percentiles-csv.lua")
	if !m.HasDone() {
		t.Fatal("done not found")
	}
	lat := latencies()
	if err := m.Done(Summary{Duration: time.Second, Requests: 10000}, lat, fakeStats{1, 2}); err != nil {
		t.Fatal(err)
	}
	want := "percentile,latency_us\n"
	for _, p := range []string{"50", "75", "90", "99", "99.9", "99.99"} {
		f, _ := strconv.ParseFloat(p, 64)
		want += p + "," + strconv.FormatInt(lat.Percentile(f), 10) + "\n"
	}
	if out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}
}

func TestExampleResponsesPerThread(t *testing.T) {
	m, out := loadExample(t, "responses-per-thread.lua")
	ts := threads(t, m, 3)
	for i, th := range ts {
		for range (i + 1) * 5 {
			if err := th.Response(200, nil, []byte("ok")); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := m.Done(Summary{}, latencies(), latencies()); err != nil {
		t.Fatal(err)
	}
	want := "thread 1: 5 responses\nthread 2: 10 responses\nthread 3: 15 responses\n"
	if out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}
}

func TestExampleStopAfter(t *testing.T) {
	m, _ := loadExample(t, "stop-after.lua")
	ts := threads(t, m, 2)
	for i := 1; i <= 100; i++ {
		if ts[0].Stopped() {
			t.Fatalf("stopped after %d responses", i-1)
		}
		if err := ts[0].Response(200, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if !ts[0].Stopped() || ts[1].Stopped() {
		t.Errorf("stopped = %v, %v; want only the first thread", ts[0].Stopped(), ts[1].Stopped())
	}
}
