package script

import (
	"runtime"
	"strconv"
	"testing"
)

// pin makes the benchmark's goroutine call th as the engine's event loops do: locked to its
// OS thread, the Thread pinned to it (see Thread.Pin).
func pin(b *testing.B, th *Thread) {
	runtime.LockOSThread()
	b.Cleanup(runtime.UnlockOSThread)
	th.Pin()
}

// BenchmarkRequest: request() with a counter in path and header, built
// with wrk.format, validated by h1.
func BenchmarkRequest(b *testing.B) {
	m, _ := mustLoad(b, `local n = 0
		function request()
			n = n + 1
			wrk.headers["X-Counter"] = n
			return wrk.format(nil, "/item/" .. n)
		end`)
	th := thread(b, m)
	pin(b, th)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := th.Request(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRequestSame: request() returning the same prebuilt string.
func BenchmarkRequestSame(b *testing.B) {
	m, _ := mustLoad(b, `local r function init() r = wrk.format() .. wrk.format() end function request() return r end`)
	th := thread(b, m)
	pin(b, th)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := th.Request(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStaticRequest(b *testing.B) {
	m, _ := mustLoad(b, `wrk.headers["Accept"] = "*/*"`)
	th := thread(b, m)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := th.StaticRequest(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResponse: response() given 10 headers and a small body, reading
// one header.
func BenchmarkResponse(b *testing.B) {
	m, _ := mustLoad(b, `local seen = 0
		function response(status, headers, body)
			if headers["Content-Type"] then seen = seen + 1 end
		end`)
	th := thread(b, m)
	pin(b, th)
	var h []string
	for i := range 9 {
		h = append(h, "X-Header-"+strconv.Itoa(i), "value "+strconv.Itoa(i))
	}
	fields := headers(append(h, "Content-Type", "text/plain")...)
	body := []byte("hello, world")
	b.ReportAllocs()
	for b.Loop() {
		if err := th.Response(200, fields, body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDelay(b *testing.B) {
	m, _ := mustLoad(b, `function delay() return math.random(1, 10) end`)
	th := thread(b, m)
	pin(b, th)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := th.Delay(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResponseLog: response() appending one line per response to a file under
// --allow-write, the response-log habit: the cost of the write path per call.
func BenchmarkResponseLog(b *testing.B) {
	dir := b.TempDir()
	m, _ := mustLoad(b, `local log = assert(io.open("`+dir+`/responses.log", "a"))
		function response(status, headers, body) log:write(status, " ", #body, "\n") end`,
		func(o *Options) { o.AllowWrite = []string{dir} })
	th := thread(b, m)
	pin(b, th)
	body := []byte("hello, world")
	b.ReportAllocs()
	for b.Loop() {
		if err := th.Response(200, nil, body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewThread: creating a thread's state (libraries, sandbox, the script's top level),
// which every thread pays once.
func BenchmarkNewThread(b *testing.B) {
	m, _ := mustLoad(b, `local n = 0 function request() n = n + 1 return wrk.format() end`)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := m.NewThread(i, testAddr); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVMAllocation: response() making objects in the VM that die with the call, which
// the VM charges to the memory quota as it makes them (gopher-lua, volley patch 7): closures
// with an upvalue, small tables from constructors, and tables grown in their array and hash
// parts. 100 of each per call.
func BenchmarkVMAllocation(b *testing.B) {
	for _, bc := range []struct{ name, src string }{
		{"closures", `function response() for i = 1, 100 do local f = function() return i end end end`},
		{"tables", `function response() for i = 1, 100 do local t = {i, i, k = i} end end`},
		{"growth", `function response() local a, h = {}, {} for i = 1, 100 do a[#a + 1] = i h[i + 0.5] = i end end`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			m, _ := mustLoad(b, bc.src)
			th := thread(b, m)
			b.ReportAllocs()
			for b.Loop() {
				if err := th.Response(200, nil, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
