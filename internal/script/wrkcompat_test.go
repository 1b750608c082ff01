package script

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Habits of real wrk scripts (found in public repositories) that depend on how wrk and
// LuaJIT behave rather than on what Lua 5.1 documents. Each case failed before its fix.

// TestHostFromTheWrkTable: wrk.init builds the default Host from wrk.host and wrk.port as the
// script left them, so scripts written for one deployment (wrk.host = "localhost";
// wrk.port = 8080) send that Host while connecting to the URL's address.
func TestHostFromTheWrkTable(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{``, "Host: 127.0.0.1:8080\r\n"},
		{`wrk.host = "localhost" wrk.port = 4001`, "Host: localhost:4001\r\n"},
		{`wrk.host = "example.org" wrk.port = nil`, "Host: example.org\r\n"},
		{`wrk.host = "::1" wrk.port = "80"`, "Host: [::1]:80\r\n"},
		{`wrk.host = "localhost" wrk.headers["Host"] = "given"`, "Host: given\r\n"},
	} {
		m, _ := mustLoad(t, c.src)
		req, _, err := thread(t, m).StaticRequest()
		if err != nil || !strings.Contains(string(req), c.want) {
			t.Errorf("%s: request %q (%v), want it to hold %q", c.src, req, err, c.want)
		}
	}
	m, _ := mustLoad(t, `wrk.port = {}`)
	th, err := m.NewThread(0, testAddr)
	if err == nil {
		err = th.Init()
	}
	wantError(t, err, ErrScript, "wrk.port must be a string or a number")
}

// TestUnknownUserdataFields: wrk's stats and thread userdata answer a field they do not have
// with its name, so `requests.total` prints "total" instead of raising.
func TestUnknownUserdataFields(t *testing.T) {
	m, out := mustLoad(t, `
		function setup(thread) print(thread.tindex, thread[7], type(thread.get)) end
		function done(s, lat, req) print(req.total, lat[3], lat.min) end`)
	thread(t, m)
	if err := m.Done(Summary{}, fakeStats{5, 6}, fakeStats{1}); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "tindex\t7\tfunction\ntotal\t3\t5\n"; got != want {
		t.Errorf("printed %q, want %q", got, want)
	}
}

// TestCloseWithoutTheFile: f.close() (a dot for a colon) is io.close(): it closes the default
// output, which is standard output unless io.output changed it, so it returns nil and a
// message, and f is written out when the run ends, as with wrk.
func TestCloseWithoutTheFile(t *testing.T) {
	dir := capsDir(t)
	m, out, _, err := loadAt(t, dir, `
		function done()
			local f = assert(io.open("@/out/report.csv", "a"))
			f.write(f, "a,b\n")
			print(f.close())
			local g = assert(io.open("@/out/other.txt", "w"))
			io.output(g)
			io.write("via io.write\n")
			print(g.close(), io.type(g))
		end`, writeGrant(dir))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Done(Summary{}, fakeStats{1}, fakeStats{1}); err != nil {
		t.Fatal(err)
	}
	m.Close()
	if got, want := out.String(), "nil\tcannot close standard file\ntrue\tclosed file\n"; got != want {
		t.Errorf("printed %q, want %q", got, want)
	}
	for name, want := range map[string]string{"report.csv": "a,b\n", "other.txt": "via io.write\n"} {
		if data, err := os.ReadFile(filepath.Join(dir, "out", name)); string(data) != want {
			t.Errorf("%s = %q (%v), want %q", name, data, err, want)
		}
	}
}

// TestDebugGetinfo: scripts find their own file with debug.getinfo(1, "S").source, as LuaJIT
// reports it ("@" and the path the script was loaded by).
func TestDebugGetinfo(t *testing.T) {
	luaCases(t, [][2]string{
		{`debug.getinfo(1, "S").source, debug.getinfo(1).short_src, debug.getinfo(1).currentline`, "@test.lua\ttest.lua\t1"},
		{`debug.getinfo(print).what, debug.getinfo(print).source, debug.getinfo(99)`, "C\t=[C]\tnil"},
		{`debug.getinfo(function() end).linedefined, debug.getinfo(1).func`, "1\tnil"},
	})
	_, _, err := load(t, "local x = 1\ndebug.getinfo({})")
	wantError(t, err, ErrScript, "test.lua:2: bad argument #1 to 'getinfo' (function or level expected, got table)")
}

// TestLuaJITStringEscapes: "\x41" is "A" in LuaJIT; gopher-lua read it as "x41", silently.
func TestLuaJITStringEscapes(t *testing.T) {
	luaCases(t, [][2]string{
		{`("\x41\x7e\xfF\x00"):byte(1, -1)`, "65\t126\t255\t0"},
		{`"a\z
		     b"`, "ab"},
	})
	_, _, err := load(t, `x = "\x4g"`)
	wantError(t, err, ErrScript, `invalid escape sequence \x4g`)
}

// TestRequireSetsGlobals: LuaSocket and md5 are C modules built with luaL_register, which also
// sets a global of the module's name; DeathStarBench's scripts `require "socket"` and then
// call socket.gettime(). The JSON modules set none, as their originals.
func TestRequireSetsGlobals(t *testing.T) {
	luaCases(t, [][2]string{
		{`socket, md5, cjson, (function() require "socket" require "md5" require "cjson" end)(), type(socket.gettime()), #md5.sumhexa(""), cjson`,
			"nil\tnil\tnil\tnil\tnumber\t32\tnil"},
	})
}
