package script

import (
	"errors"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestWrkTable(t *testing.T) {
	out := eval(t, `print(wrk.scheme, wrk.host, wrk.port, wrk.method, wrk.path, wrk.body, wrk.thread, wrk.headers["X-A"])`)
	if want := "http\t127.0.0.1\t8080\tGET\t/\tnil\tnil\t1\n"; out != want {
		t.Errorf("got %q, want %q", out, want)
	}
	_, buf := mustLoad(t, `print(wrk.port, wrk.path)`, func(o *Options) { o.Target.Port = ""; o.Target.Path = "/a?b=c" })
	if got := buf.String(); got != "nil\t/a?b=c\n" {
		t.Errorf("got %q", got)
	}
}

func init() { testTarget.Headers = headers("X-A", "1") }

func TestInitHostAndArgs(t *testing.T) {
	for _, c := range []struct {
		host, port, want string
	}{{"example.com", "", "example.com"}, {"example.com", "81", "example.com:81"}, {"::1", "8080", "[::1]:8080"}} {
		m, out := mustLoad(t, `function init(args) print(args[0], args[1], args[2], #args, wrk.headers.Host) end`,
			func(o *Options) {
				o.Target.Host, o.Target.Port = c.host, c.port
				o.Args = []string{"http://x/", "a", "b"}
			})
		thread(t, m)
		if want := "http://x/\ta\tb\t2\t" + c.want + "\n"; out.String() != want {
			t.Errorf("got %q, want %q", out.String(), want)
		}
	}
	// A Host set by the script, in any case, is kept.
	m, _ := mustLoad(t, `wrk.headers["host"] = "mine"`)
	p, _, err := thread(t, m).StaticRequest()
	if err != nil || strings.Count(string(p), "ost: ") != 1 || !strings.Contains(string(p), "\r\nhost: mine\r\n") {
		t.Errorf("static request %q, %v", p, err)
	}
}

func TestFormat(t *testing.T) {
	for _, c := range []struct{ name, src, want string }{
		{"defaults", `return wrk.format()`, "GET / HTTP/1.1\r\nX-A: 1\r\nHost: 127.0.0.1:8080\r\n\r\n"},
		{"all arguments", `return wrk.format("PUT", "/p?q", {["X-B"] = 2, Host = "h"}, "body")`,
			"PUT /p?q HTTP/1.1\r\nX-B: 2\r\nHost: h\r\nContent-Length: 4\r\n\r\nbody"},
		{"host from wrk.headers", `return wrk.format(nil, "/x", {["X-C"] = "c"})`,
			"GET /x HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nX-C: c\r\n\r\n"},
		{"content-length replaced", `return wrk.format("POST", nil, {["content-length"] = "99"}, "")`,
			"POST / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Length: 0\r\n\r\n"},
		{"content-length dropped without body", `wrk.headers["Content-Length"] = 5 return wrk.format()`,
			"GET / HTTP/1.1\r\nX-A: 1\r\nHost: 127.0.0.1:8080\r\n\r\n"},
		{"wrk.body and number body", `wrk.body = 12.5 return wrk.format("POST")`,
			"POST / HTTP/1.1\r\nX-A: 1\r\nHost: 127.0.0.1:8080\r\nContent-Length: 4\r\n\r\n12.5"},
		{"false falls back", `wrk.method = "HEAD" return wrk.format(false, false, false, false)`,
			"HEAD / HTTP/1.1\r\nX-A: 1\r\nHost: 127.0.0.1:8080\r\n\r\n"},
	} {
		m, _ := mustLoad(t, `function init() end`)
		th := thread(t, m)
		th.s.L.G.Global.RawSetString("f", nil)
		got := runIn(t, th, c.src)
		if got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
	for _, c := range []struct{ src, want string }{
		{`wrk.format("GET", "/", {["X"] = {}})`, `wrk.format: header "X" has a table value; use a string`},
		{`wrk.format("GE T")`, `wrk.format: invalid method "GE T"`},
		{`wrk.format(nil, "/a b")`, `wrk.format: invalid path "/a b"`},
		{`wrk.format(nil, nil, {["X"] = "a\r\nInjected: 1"})`, `wrk.format: header "X" value contains CR`},
		{`wrk.format(nil, nil, nil, {})`, `wrk.format: body must be a string, got table`},
		{`wrk.format(nil, nil, {["Transfer-Encoding"] = "chunked"})`, `wrk.format: header "Transfer-Encoding" is not supported`},
	} {
		_, _, err := load(t, c.src)
		wantError(t, err, ErrScript, "test.lua:1: "+c.want)
	}
}

// runIn runs src as a function in the thread's state and returns its
// string result.
func runIn(t *testing.T, th *Thread, src string) string {
	t.Helper()
	L := th.s.L
	fn, err := L.LoadString(src)
	if err != nil {
		t.Fatal(err)
	}
	L.Push(fn)
	if err := th.s.pcall("test", time.Second, 0, 1); err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	v := L.Get(-1)
	L.Pop(1)
	return th.s.tostring(v)
}

func TestStaticRequestAndWrkRequest(t *testing.T) {
	m, _ := mustLoad(t, `
		function init() wrk.path = "/init" end
		function request() wrk.path = "/changed" return wrk.request() end`)
	th := thread(t, m)
	p, heads, err := th.Request()
	if err != nil || !strings.HasPrefix(string(p), "GET /init HTTP/1.1\r\n") || len(heads) != 1 {
		t.Errorf("Request = %q, %v, %v", p, heads, err)
	}
	s, _, _ := th.StaticRequest()
	if string(s) != string(p) {
		t.Errorf("StaticRequest %q differs from wrk.request() %q", s, p)
	}
	// An invalid wrk table fails only where the static request is used.
	m, _ = mustLoad(t, `wrk.path = "no slash" function request() return wrk.format(nil, "/ok") end`)
	th = thread(t, m)
	if _, _, err := th.Request(); err != nil {
		t.Errorf("request() with a valid request failed: %v", err)
	}
	_, _, err = th.StaticRequest()
	wantError(t, err, ErrRequest, `test.lua: the request built from the wrk table is invalid: invalid path "no slash"`)
}

func TestRequestResults(t *testing.T) {
	for _, c := range []struct {
		src  string
		kind ErrorKind
		want string
	}{
		{`function request() end`, ErrScript, "test.lua: request() must return a string, got nil"},
		{`function request() return 42 end`, ErrScript, "request() must return a string, got number"},
		{`function request() return "GET / HTTP/1.1\r\n" end`, ErrRequest, "test.lua: request() returned an invalid request"},
		{`function request() return "" end`, ErrRequest, "empty request"},
		{`function request() return "GARBAGE\x1b[2J\r\n\r\n" end`, ErrRequest, "invalid request"},
		{`function request() error("boom") end`, ErrScript, "test.lua:1: boom"},
		{`function request() error("boom", 0) end`, ErrScript, "test.lua: boom"},
		{`function request() error(nil) end`, ErrScript, "test.lua: nil (error object is nil)"},
		{`function request() error({}) end`, ErrScript, "test.lua: (error object is a table value)"},
		{`function request() local x = nil; return x.y end`, ErrScript, "test.lua:1: "},
	} {
		m, _ := mustLoad(t, c.src)
		_, _, err := thread(t, m).Request()
		wantError(t, err, c.kind, c.want)
	}
	m, _ := mustLoad(t, `function request() return "HEAD /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n" end`)
	_, heads, err := thread(t, m).Request()
	if err != nil || len(heads) != 2 || !heads[0] || heads[1] {
		t.Errorf("heads = %v, %v; want [true false]", heads, err)
	}
}

func TestResponseArguments(t *testing.T) {
	m, out := mustLoad(t, `function response(status, headers, body)
		local names = {}
		for k in pairs(headers) do names[#names + 1] = k end
		table.sort(names)
		print(status, table.concat(names, ","), headers["Set-Cookie"], headers["set-cookie"], #body, body)
	end`)
	th := thread(t, m)
	if err := th.Response(404, headers("Content-Type", "text/html", "Set-Cookie", "a", "Set-Cookie", "b"), []byte("not found")); err != nil {
		t.Fatal(err)
	}
	if err := th.Response(204, nil, nil); err != nil {
		t.Fatal(err)
	}
	m.Close()
	if want := "404\tContent-Type,Set-Cookie\tb\tnil\t9\tnot found\n204\t\tnil\tnil\t0\t\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

// response() sees each response's own values, whether or not they repeat the last one's.
func TestResponseValuesFollowEachResponse(t *testing.T) {
	m, out := mustLoad(t, `function response(status, headers, body) print(headers.A, headers.B, body) end`)
	th := thread(t, m)
	for _, r := range []struct{ a, b, body string }{{"1", "x", "one"}, {"1", "y", "one"}, {"2", "y", "two"}, {"2", "y", ""}} {
		if err := th.Response(200, headers("A", r.a, "B", r.b), []byte(r.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := th.Response(200, headers("B", "z"), []byte("three")); err != nil {
		t.Fatal(err)
	}
	m.Close()
	if want := "1\tx\tone\n1\ty\tone\n2\ty\ttwo\n2\ty\t\nnil\tz\tthree\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}

// An error message is escaped as all terminal output is (report.Escape) and cut to a bounded
// line, without splitting a character, whatever its size.
func TestErrorMessagesAreBoundedEscapedLines(t *testing.T) {
	long := strings.Repeat("é", 1000)
	for _, tc := range []struct{ in, want string }{
		{"plain\n", "plain"},
		{"a\x1b[2Jb\r\nc\u202e", `a\x1b[2Jb\r\nc\u202e`},
		{long, long[:maxMessage] + "..."},
		{strings.Repeat("\x1b", 1000), strings.Repeat(`\x1b`, maxMessage/4) + "..."},
		{"x" + long, "x" + long[:maxMessage-2] + "..."},
	} {
		if got := clean(tc.in); got != tc.want {
			t.Errorf("clean(%.20q) = %.60q…, want %.60q…", tc.in, got, tc.want)
		}
	}
}

func TestDelayResults(t *testing.T) {
	for _, c := range []struct {
		ret  string
		want time.Duration
	}{{"10", 10 * time.Millisecond}, {"0.5", 500 * time.Microsecond}, {"-3", 0}, {"0/0", 0}, {`"7"`, 7 * time.Millisecond}, {"1e300", 24 * time.Hour}} {
		m, _ := mustLoad(t, "function delay() return "+c.ret+" end")
		d, err := thread(t, m).Delay()
		if err != nil || d != c.want {
			t.Errorf("delay() returning %s: %v, %v; want %v", c.ret, d, err, c.want)
		}
	}
	m, _ := mustLoad(t, `function delay() return {} end`)
	_, err := thread(t, m).Delay()
	wantError(t, err, ErrScript, "delay() must return a number of milliseconds, got table")
}

func TestThreadGetSet(t *testing.T) {
	m, out := mustLoad(t, `
		local saved
		function setup(thread)
			saved = thread
			local shared = {n = 1, list = {1, 2, {deep = "x"}}, flag = true}
			thread:set("config", shared)
			shared.n = 99 -- the thread has its own copy
			thread:set("nothing", nil)
			print(thread:get("config").n, thread:get("missing"), thread:get("config").list[3].deep)
			print(tostring(thread.addr), thread.addr == thread.addr, thread.foo) -- "foo", as in wrk
			thread.addr = wrk.lookup("127.0.0.2", "9090")[1]
		end
		function done()
			print(saved:get("config").n, saved:get("counted"))
		end`, func(o *Options) { o.Net = policyFor(t, testTarget.URL, "127.0.0.2:9090") })
	th, err := m.NewThread(0, netip.MustParseAddrPort("127.0.0.1:8080"))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Setup([]*Thread{th}); err != nil {
		t.Fatal(err)
	}
	if th.Addr() != netip.MustParseAddrPort("127.0.0.2:9090") {
		t.Errorf("addr = %v", th.Addr())
	}
	if err := th.Init(); err != nil {
		t.Fatal(err)
	}
	runIn(t, th, `config.n = config.n + 1 counted = {1, 2, 3} return ""`)
	if err := m.Done(Summary{}, latencies(), latencies()); err != nil {
		t.Fatal(err)
	}
	if want := "1\tnil\tx\n127.0.0.1:8080\ttrue\tfoo\n2\ttable: "; !strings.HasPrefix(out.String(), want) {
		t.Errorf("got %q, want prefix %q", out.String(), want)
	}
	for _, c := range []struct{ src, want string }{
		{`thread:set("f", print)`, `thread:set("f"): cannot transfer a function value`},
		{`local t = {} t.t = t thread:set("c", t)`, `tables nested deeper than 100 levels`},
		{`thread:set("u", thread)`, `cannot transfer a userdata value`},
		{`thread.name = "x"`, `cannot set field "name" on a thread`},
		{`thread.addr = "127.0.0.1:80"`, `thread.addr must be an address from wrk.lookup or thread.addr, got string`},
		{`local w = {} for i = 1, 1024 do w[i] = i end local t = {} for i = 1, 1100 do t[i] = w end thread:set("wide", t)`, `value too large to transfer`},
	} {
		// The last case shares one table of 1024 entries 1100 times: a copy that expands it
		// reaches a million entries before the bound stops it, seconds under the race detector
		// on a busy machine. The bound must act, not the clock, so the setup limit is far
		// above that (and still ends a copy that had no bound, with the wrong error).
		m, _ := mustLoad(t, "function setup(thread) "+c.src+" end", func(o *Options) { o.SetupTimeout = 2 * time.Minute })
		th, err := m.NewThread(0, netip.MustParseAddrPort("127.0.0.1:8080"))
		if err != nil {
			t.Fatal(err)
		}
		wantError(t, m.Setup([]*Thread{th}), ErrScript, c.want)
	}
}

func TestDoneArguments(t *testing.T) {
	m, out := mustLoad(t, `function done(s, lat, req)
		local e = s.errors
		print(s.duration, s.requests, s.bytes, e.connect, e.read, e.write, e.status, e.timeout)
		print(lat.min, lat.max, lat.mean, string.format("%.3f", lat.stdev), lat:percentile(50), #lat, lat(1), lat(#lat))
		print(req.min, #req, req(2), req(99), req.nothing) -- wrk answers an unknown field with its name
	end`)
	sum := Summary{Duration: 1500 * time.Millisecond, Requests: 10, Bytes: 2048, Connect: 1, Read: 2, Write: 3, Status: 4, Timeout: 5}
	if err := m.Done(sum, fakeStats{10, 20, 20, 30}, fakeStats{5, 6, 6}); err != nil {
		t.Fatal(err)
	}
	// As in Lua, a call that is not last in an argument list gives one value.
	want := "1500000\t10\t2048\t1\t2\t3\t4\t5\n10\t30\t20\t8.165\t20\t3\t10\t30\t1\n5\t2\t6\t0\tnothing\n"
	if out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
	m, _ = mustLoad(t, `function done(s, l) l:percentile(101) end`)
	wantError(t, m.Done(sum, fakeStats{1}, fakeStats{1}), ErrScript, "bad argument #2 to 'percentile'")
}

func TestOutputOrder(t *testing.T) {
	m, out := mustLoad(t, `print("main") function init() print("init") end
		function response() io.write("r", 1, " ") end function done() print("done") end`)
	th := thread(t, m)
	if got := out.String(); got != "main\nmain\ninit\n" {
		t.Errorf("after init: %q", got)
	}
	for range 3 {
		if err := th.Response(200, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Done(Summary{}, latencies(), latencies()); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "main\nmain\ninit\nr1 r1 r1 done\n" {
		t.Errorf("after done: %q", got)
	}
}

// TestThreadsConcurrently runs hooks of several threads at once, as the
// engine does (run with -race).
func TestThreadsConcurrently(t *testing.T) {
	m, out := mustLoad(t, `local n = 0
		function request() n = n + 1 return wrk.format(nil, "/" .. n .. "/" .. ("x"):rep(n % 7)) end
		function response(status, headers, body) if n % 100 == 0 then print(n, body:upper():match("%a+")) end end
		function delay() return math.random(0, 3) end`,
		func(o *Options) { o.HookTimeout = 5 * time.Second }) // concurrency is tested here, not time: a loaded machine must not fail it
	const N = 4
	ts := threads(t, m, N)
	// Every goroutine is joined before the test reports or closes the states: failing while
	// one still runs its Lua state would race with Close.
	errs := make([]error, N)
	var wg sync.WaitGroup
	for i, th := range ts {
		wg.Go(func() {
			for range 1000 {
				if _, _, err := th.Request(); err != nil {
					errs[i] = err
					return
				}
				if err := th.Response(200, headers("Content-Type", "text/plain"), []byte("ok body")); err != nil {
					errs[i] = err
					return
				}
				if _, err := th.Delay(); err != nil {
					errs[i] = err
					return
				}
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	m.Close()
	if got := strings.Count(out.String(), "OK\n"); got != N*10 {
		t.Errorf("%d lines printed, want %d", got, N*10)
	}
}
