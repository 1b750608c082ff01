package script

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// capsDir lays out a directory for the capability tests: a script directory with a helper
// module, a data directory (read root), an output directory (write root) and a secret outside
// all of them. It returns the directory and the path where a script file should be written.
func capsDir(t *testing.T) (dir string) {
	t.Helper()
	dir = t.TempDir()
	for name, data := range map[string]string{
		"scripts/helper.lua":        `local M = {} function M.twice(x) return 2 * x end M.loads = (M.loads or 0) + 1 return M`,
		"scripts/lib/init.lua":      `return {name = "lib", arg = ...}`,
		"scripts/notes.txt":         `not lua: password123`,
		"scripts/bad.lua":           `x = = 1`,
		"scripts/bytecode.lua":      "\x1bLuaQ\x00",
		"data/users.csv":            "alice,1\nbob,2\n",
		"data/conf.lua":             `return {rate = 5}`,
		"data/mods/shared.lua":      `return "shared from data"`,
		"secret/secret.txt":         "SECRET",
		"secret/evil.lua":           `return "evil"`,
		"out/.keep":                 "",
		"scripts/sub/deeper.lua":    `return "deeper"`,
		"scripts/.config/keys.lua":  `return "KEYS"`,
		"scripts/sub/uses_dots.lua": `return require("helper").twice(21)`,
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// loadAt loads src as the script dir/scripts/test.lua with the options mod sets; "@" in src
// stands for dir.
func loadAt(t *testing.T, dir, src string, mod ...func(*Options)) (*Main, *bytes.Buffer, *bytes.Buffer, error) {
	t.Helper()
	src = strings.ReplaceAll(src, "@", dir)
	path := filepath.Join(dir, "scripts", "test.lua")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errs bytes.Buffer
	o := Options{Path: path, Target: testTarget, Stdout: &out, Stderr: &errs, Args: []string{testTarget.URL}}
	for _, f := range mod {
		f(&o)
	}
	m, err := Load(o)
	if m != nil {
		t.Cleanup(m.Close)
	}
	return m, &out, &errs, err
}

func readGrant(dir string) func(*Options) {
	return func(o *Options) { o.AllowRead = append(o.AllowRead, filepath.Join(dir, "data")) }
}

func writeGrant(dir string) func(*Options) {
	return func(o *Options) { o.AllowWrite = append(o.AllowWrite, filepath.Join(dir, "out")) }
}

func envGrant(names ...string) func(*Options) {
	return func(o *Options) { o.AllowEnv = names }
}

// TestCapabilities: for each capability, a script that uses it runs with the grant and fails
// without it with an error that names what is missing and the flag that grants it.
func TestCapabilities(t *testing.T) {
	t.Setenv("VOLLEY_TEST_TOKEN", "tok-123")
	t.Setenv("VOLLEY_TEST_OTHER", "other")
	cases := []struct {
		name    string
		src     string
		grant   []func(dir string) func(*Options)
		want    string // printed with the grant
		without string // the error without it ("" when no grant is needed)
	}{
		{"read a file", `print(io.open("@/data/users.csv"):read("*a"))`,
			[]func(string) func(*Options){readGrant}, "alice,1\nbob,2\n\n", `reading "@/data/users.csv" needs --allow-read`},
		{"read a file granted by name", `print(io.open("@/data/users.csv"):read("*l"), pcall(io.open, "@/data/conf.lua"))`,
			[]func(string) func(*Options){func(dir string) func(*Options) {
				return func(o *Options) { o.AllowRead = []string{filepath.Join(dir, "data", "users.csv")} }
			}}, "alice,1\tfalse\t@/scripts/test.lua:1: io.open: reading \"@/data/conf.lua\" needs --allow-read\n", `needs --allow-read`},
		{"read lines", `for l in io.lines("@/data/users.csv") do io.write(l, ";") end print()`,
			[]func(string) func(*Options){readGrant}, "alice,1;bob,2;\n", `io.lines: reading "@/data/users.csv" needs --allow-read`},
		{"io.input and io.read", `io.input("@/data/users.csv") print(io.read("*line"), io.read("*l"), io.read("*l"))`,
			[]func(string) func(*Options){readGrant}, "alice,1\tbob,2\tnil\n", `io.input: reading "@/data/users.csv" needs --allow-read`},
		{"write a file", `local f = assert(io.open("@/out/r.csv", "w")) f:write("a,", 1, "\n") f:close()
			print(io.open("@/out/r.csv"):read("*a"))`,
			[]func(string) func(*Options){writeGrant}, "a,1\n\n", `io.open: writing "@/out/r.csv" needs --allow-write`},
		{"append and read back", `for i = 1, 2 do local f = io.open("@/out/log", "a+") f:write("line ", i, "\n") f:close() end
			local f = io.open("@/out/log", "a+") f:write("last\n") f:seek("set") print(f:read("*a")) print(f:seek("end")) f:close()`,
			[]func(string) func(*Options){writeGrant}, "line 1\nline 2\nlast\n\n19\n", `needs --allow-write`},
		{"io.output", `io.output("@/out/o.txt") io.write("x=", 1.5, "\n") io.flush() assert(io.close()) print(io.open("@/out/o.txt"):read("*l"))`,
			[]func(string) func(*Options){writeGrant}, "x=1.5\n", `io.output: writing "@/out/o.txt" needs --allow-write`},
		{"os.getenv", `print(os.getenv("VOLLEY_TEST_TOKEN"), os.getenv("HOME") == nil)`,
			[]func(string) func(*Options){func(string) func(*Options) { return envGrant("VOLLEY_TEST_TOKEN") }}, "tok-123\ttrue\n", ""},
		{"os.getenv prefix", `print(os.getenv("VOLLEY_TEST_TOKEN"), os.getenv("VOLLEY_TEST_OTHER"), os.getenv("VOLLEY_NOPE"))`,
			[]func(string) func(*Options){func(string) func(*Options) { return envGrant("VOLLEY_TEST_*") }}, "tok-123\tother\tnil\n", ""},
		{"require beside the script", `local h = require "helper" print(h.twice(4), require("helper") == h, require("lib").name, require("lib").arg, require("sub.deeper"))`,
			nil, "8\ttrue\tlib\tlib\tdeeper\n", ""},
		{"require under --allow-read", `print(require("mods.shared"))`,
			[]func(string) func(*Options){readGrant}, "shared from data\n", `module "mods.shared" not found`},
		{"dofile and loadfile", `print(dofile("@/data/conf.lua").rate, loadfile("@/data/conf.lua")().rate)`,
			[]func(string) func(*Options){readGrant}, "5\t5\n", `dofile: reading "@/data/conf.lua" needs --allow-read`},
		{"random device", `local f = assert(io.open("/dev/urandom", "rb")) local a, b = f:read(8), f:read(8) f:close()
			print(#a, #b, a ~= b, #io.open("/dev/random"):read(3))`, nil, "8\t8\ttrue\t3\n", ""},
		{"random device, granted needlessly", `print(#io.open("/dev/urandom"):read(16))`,
			[]func(string) func(*Options){func(string) func(*Options) {
				return func(o *Options) { o.AllowRead = []string{"/dev/urandom"} }
			}}, "16\n", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := capsDir(t)
			var mods []func(*Options)
			for _, g := range c.grant {
				mods = append(mods, g(dir))
			}
			_, out, _, err := loadAt(t, dir, c.src, mods...)
			if err != nil {
				t.Fatalf("granted: %v", err)
			}
			if want := strings.ReplaceAll(c.want, "@", dir); out.String() != want {
				t.Errorf("granted: printed %q, want %q", out.String(), want)
			}
			if c.without == "" {
				return
			}
			_, _, _, err = loadAt(t, capsDir(t), c.src)
			if err == nil || !strings.Contains(err.Error(), "test.lua:1: ") {
				t.Fatalf("without the grant: %v, want an error at line 1", err)
			}
		})
	}
	// The refusals name the path and the flag.
	for _, c := range cases {
		if c.without == "" {
			continue
		}
		dir := capsDir(t)
		_, _, _, err := loadAt(t, dir, c.src)
		if want := strings.ReplaceAll(c.without, "@", dir); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s without the grant: %v, want %q", c.name, err, want)
		}
	}
}

func TestGetenvWarnsOncePerName(t *testing.T) {
	t.Setenv("VOLLEY_TEST_TOKEN", "tok")
	dir := capsDir(t)
	_, out, errs, err := loadAt(t, dir, "for i = 1, 3 do print(os.getenv(\"VOLLEY_TEST_TOKEN\")) end\nprint(os.getenv(\"A\\27[31m\"))")
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != "nil\nnil\nnil\nnil\n" {
		t.Errorf("printed %q", out.String())
	}
	want := "volley: " + filepath.Join(dir, "scripts", "test.lua") + `:1: os.getenv("VOLLEY_TEST_TOKEN") returned nil: --allow-env VOLLEY_TEST_TOKEN would grant it` + "\n" +
		"volley: " + filepath.Join(dir, "scripts", "test.lua") + `:2: os.getenv("A\x1b[31m") returned nil: no --allow-env (not a variable name) would grant it` + "\n"
	if errs.String() != want {
		t.Errorf("stderr %q\nwant   %q", errs.String(), want)
	}
}

// TestNamedErrors: what the sandbox leaves out says so, by name, at the caller's line.
func TestNamedErrors(t *testing.T) {
	for _, c := range []struct{ call, want string }{
		{`os.execute("id")`, "os.execute is not available in volley's sandbox (a script cannot start processes)"},
		{`os.exit(1)`, "os.exit is not available in volley's sandbox (to fail a run call error() in done()"},
		{`os.remove("x")`, "os.remove is not available"},
		{`os.rename("x", "y")`, "os.rename is not available"},
		{`os.tmpname()`, "os.tmpname is not available in volley's sandbox (write under an --allow-write directory)"},
		{`io.popen("id")`, "io.popen is not available"},
		{`io.tmpfile()`, "io.tmpfile is not available"},
		{`io.read()`, "io.read is not available in volley's sandbox (standard input is not readable"},
		{`io.stdin:read()`, "reading standard input is not available"},
		{`io.lines()`, "io.lines() is not available"},
		{`loadstring("return 1")`, "loadstring is not available in volley's sandbox (code is loaded from files only"},
		{`load(function() end)`, "load is not available"},
		{`setfenv(1, {})`, "setfenv is not available"},
		{`getfenv(1)`, "getfenv is not available"},
		{`newproxy()`, "newproxy is not available"},
		{`module("x")`, "module is not available"},
		{`string.dump(print)`, "string.dump is not available"},
		{`("x").dump(print)`, "string.dump is not available"},
		{`coroutine.create(print)`, "coroutine.create is not available in volley's sandbox (coroutines are left out"},
		{`coroutine.wrap(print)`, "coroutine.wrap is not available"},
		{`debug.getlocal(1, 1)`, "debug.getlocal is not available"},
		{`debug.sethook()`, "debug.sethook is not available"},
		{`package.loadlib("x", "y")`, "package.loadlib is not available"},
		{`require("socket").sleep(1)`, "socket.sleep is not available in volley's sandbox (it would stall"},
		{`require("socket").tcp()`, "socket.tcp is not available"},
		{`require "socket.http"`, `module "socket.http" is a native (C) module, which volley's sandbox cannot load`},
		{`require "lfs"`, `module "lfs" is a native (C) module`},
		{`require "nonexistent"`, `module "nonexistent" not found`},
		{`loadfile()`, "loadfile() is not available"},
	} {
		_, _, err := load(t, "local x = 1\n"+c.call)
		wantError(t, err, ErrScript, "test.lua:2: "+c.want)
	}
	// What the sandbox gives in their place.
	luaCases(t, [][2]string{
		{`collectgarbage(), collectgarbage("collect"), collectgarbage("count") >= 0`, "0\t0\ttrue"},
		{`xpcall(function() error("boom") end, debug.traceback)`, "false\ttest.lua:1: boom"},
		{`(table.unpack or unpack)({1, 2})`, "1\t2"},
		{`type(require("socket").gettime()), require("socket").gettime() > 1.6e9`, "number\ttrue"},
		{`require("md5").sumhexa("abc"), #require("md5").sum("abc")`, "900150983cd24fb0d6963f7d28e17f72\t16"},
		{`package.loaded.string == string, package.loaded._G == _G, require("string") == string`, "true\ttrue\ttrue"},
	})
}

func TestModules(t *testing.T) {
	dir := capsDir(t)
	for _, c := range []struct{ src, want string }{
		{`package.preload.inline = function(name) return {n = name} end print(require("inline").n)`, "inline"},
		{`package.path = "@/scripts/sub/?.lua" print(require("deeper"))`, "deeper"},
		{`print(require("sub.uses_dots"))`, "42"},
		{`print(pcall(require, "bad"))`, "false\t@/scripts/test.lua:1: error loading module \"bad\": @/scripts/bad.lua:1: syntax error near \"=\""},
		{`print(pcall(require, "bytecode"))`, "false\t@/scripts/test.lua:1: error loading module \"bytecode\": @/scripts/bytecode.lua: precompiled bytecode is not accepted; load the Lua source"},
		{`print(pcall(dofile, "@/scripts/notes.txt"))`, "false\t@/scripts/test.lua:1: dofile: reading \"@/scripts/notes.txt\" needs --allow-read (a script's own directory holds only *.lua modules)"},
		{`print(pcall(dofile, "@/scripts/.config/keys.lua"))`, "false\t@/scripts/test.lua:1: dofile: reading \"@/scripts/.config/keys.lua\" needs --allow-read"},
		{`print(pcall(dofile, "@/secret/evil.lua"))`, "false\t@/scripts/test.lua:1: dofile: reading \"@/secret/evil.lua\" needs --allow-read (a script's own directory holds only *.lua modules)"},
		{`package.path = "@/secret/?.lua" print(pcall(require, "evil"))`, "false\t@/scripts/test.lua:1: module \"evil\" not found: not built in, and no file in package.path (@/secret/evil.lua (not granted)); modules load from the script's directory and --allow-read directories"},
		{`print(pcall(require, "../secret/evil"))`, "false\t@/scripts/test.lua:1: module \"../secret/evil\" not found"},
		{`print(loadfile("@/scripts/bad.lua"))`, "nil\t@/scripts/bad.lua:1: syntax error near \"=\""},
		{`print(loadfile("@/scripts/missing.lua"))`, "nil\tcannot read @/scripts/missing.lua: no such file or directory"},
		{`local n = 0 package.preload.x = function() n = n + 1 end require "x" require "x" print(n, package.loaded.x)`, "1\ttrue"},
		{`package.preload.a = function() return require "a" end print(pcall(require, "a"))`, "false\t@/scripts/test.lua:1: loop or previous error loading module \"a\""},
	} {
		_, out, _, err := loadAt(t, dir, c.src)
		if err != nil {
			t.Errorf("%s: %v", c.src, err)
			continue
		}
		if want := strings.ReplaceAll(c.want, "@", dir); !strings.HasPrefix(out.String(), want) {
			t.Errorf("%s:\n got %q\nwant %q", c.src, out.String(), want)
		}
	}
}

// TestReadFormats: Lua 5.1 looks only at the letter after "*".
func TestReadFormats(t *testing.T) {
	dir := capsDir(t)
	if err := os.WriteFile(filepath.Join(dir, "data", "n.txt"), []byte("12 3.5\nnext line\nrest\nend"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, out, _, err := loadAt(t, dir, `local f = io.open("@/data/n.txt")
		print(f:read("*number", "*n"), f:read("*line"), f:read("*line"), f:read("*Line"), f:read("*all"), f:read("*a"), f:read("*l"))
		print(pcall(f.read, f, "*x"))`, readGrant(dir))
	if err != nil {
		t.Fatal(err)
	}
	want := "12\t\tnext line\trest\n\tend\t\tnil\nfalse\t" + dir + "/scripts/test.lua:3: bad argument #2 to 'read' (invalid format)\n"
	if out.String() != want {
		t.Errorf("got %q\nwant %q", out.String(), want)
	}
}

func TestJSONModules(t *testing.T) {
	luaCases(t, [][2]string{
		{`require("cjson").encode({a = 1, b = {true, false, 2.5}, c = "x/\"y\"\n", d = require("cjson").null})`, `{"a":1,"b":[true,false,2.5],"c":"x\/\"y\"\n","d":null}`},
		{`require("json").encode({1, 2, nil, 4}), require("json").encode({}), require("json").encode({[1] = "a", x = 1})`, `[1,2,null,4]` + "\t{}\t" + `{"1":"a","x":1}`},
		{`require("dkjson").encode({list = {1, 2}}, {indent = true})`, "{\n  \"list\": [\n    1,\n    2\n  ]\n}"},
		{`require("cjson").encode(setmetatable({}, require("cjson").array_mt)), require("cjson").encode(require("cjson").empty_array)`, "[]\t[]"},
		{`require("cjson").decode('{"a":[1,2,{"b":null}],"c":"\u00e9"}').a[3].b == require("cjson").null`, "true"},
		{`require("json").decode('{"a":null,"n":-1.5e3}').a, require("json").decode('{"a":null,"n":-1.5e3}').n`, "nil\t-1500"},
		{`(function() local v, p = require("dkjson").decode('[1,2] tail') return type(v), p end)()`, "table\t6"},
		{`require("dkjson").decode('{"x":', 1)`, "nil\t6\tdkjson.decode: unexpected end of the JSON text"},
		{`select(2, require("dkjson").decode('  {"k":"v"}', 3))`, "12"},
		{`require("dkjson").decode('{"a":null}', 1, "NULL").a`, "NULL"},
		{`require("cjson.safe").decode("{bad")`, "nil\tcjson.decode: invalid character 'b' at byte 2"},
		{`require("cjson.safe").encode(print)`, "nil\tcjson.encode: cannot encode a function value"},
		{`require("json"):encode({1})`, "[1]"},
		{`require("cjson").encode(1e100), require("cjson").encode(3), require("cjson").encode(-0.5)`, "1e+100\t3\t-0.5"},
		{`require("cjson") == require("cjson"), require("cjson") ~= require("cjson.safe")`, "true\ttrue"},
		{`require("cjson.safe").decode("[null]")[1] == require("cjson").null, tostring(require("dkjson").null)`, "true\tnull"},
	})
	for _, c := range [][2]string{
		{`require("cjson").decode("[1,2] x")`, "cjson.decode: unexpected text after the JSON value at byte 6"},
		{`require("cjson").decode(string.rep("[", 2000) .. string.rep("]", 2000))`, "cjson.decode: nesting deeper than 1000 levels"},
		{`local t = {} t.t = t require("cjson").encode(t)`, "cjson.encode: tables nest deeper than 1000 levels (a cycle?)"},
		{`require("json").encode(0/0)`, "json.encode: cannot encode nan"},
		{`require("json").encode({[true] = 1})`, "json.encode: cannot encode a table with a boolean key"},
	} {
		_, _, err := load(t, c[0])
		wantError(t, err, ErrScript, c[1])
	}
}

// TestAttackSymlinkSwap: while the script reads a file under its --allow-read root, another
// goroutine keeps swapping the directory that holds it for a symlink to a directory outside.
// Every open resolves beneath the root's descriptor, so no read ever reaches the outside file.
func TestAttackSymlinkSwap(t *testing.T) {
	dir := t.TempDir()
	root, outside := filepath.Join(dir, "root"), filepath.Join(dir, "outside")
	for _, d := range []string{filepath.Join(root, "real"), outside} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			t.Fatal(err)
		}
	}
	for p, data := range map[string]string{filepath.Join(root, "real", "f"): "inside", filepath.Join(outside, "f"): "SECRET"} {
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	link, real, spare := filepath.Join(root, "d"), filepath.Join(root, "real"), filepath.Join(root, "spare")
	if err := os.Rename(real, link); err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	var swaps atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() {
		for !stop.Load() {
			// d is the real directory, then a symlink to the outside, then the real one again.
			if os.Rename(link, spare) != nil || os.Symlink(outside, link) != nil {
				continue
			}
			_ = os.Remove(link)
			_ = os.Rename(spare, link)
			swaps.Add(1)
		}
	})
	_, out, err := load(t, `
		local inside, secret, failed = 0, 0, 0
		local deadline = os.clock() + 1.5
		while os.clock() < deadline do
			local ok, f = pcall(io.open, "`+link+`/f")
			if ok and f then
				local s = f:read("*a")
				if s == "SECRET" then secret = secret + 1 elseif s == "inside" then inside = inside + 1 end
				f:close()
			else
				failed = failed + 1
			end
		end
		print(inside, secret, failed)`, func(o *Options) { o.AllowRead = []string{root} })
	stop.Store(true)
	wg.Wait()
	if err != nil && !strings.Contains(err.Error(), "needs --allow-read") {
		t.Fatal(err)
	}
	var inside, secret, failed int
	if _, serr := fmt.Sscan(out.String(), &inside, &secret, &failed); serr != nil && err == nil {
		t.Fatalf("output %q: %v", out.String(), serr)
	}
	t.Logf("reads inside %d, outside %d, failed %d; %d swaps", inside, secret, failed, swaps.Load())
	if secret != 0 {
		t.Errorf("%d reads reached the file outside the root", secret)
	}
	if inside == 0 || swaps.Load() == 0 {
		t.Errorf("the race did not run: %d reads inside, %d swaps", inside, swaps.Load())
	}
}

// TestAttackWrites: writes stay beneath the granted directory and within the caps.
func TestAttackWrites(t *testing.T) {
	dir := capsDir(t)
	out := filepath.Join(dir, "out")
	for _, l := range [][2]string{{filepath.Join(dir, "secret"), "up"}, {filepath.Join(dir, "secret", "secret.txt"), "file"}} {
		if err := os.Symlink(l[0], filepath.Join(out, l[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(out, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range [][2]string{
		{`io.open("@/out/../secret/x", "w")`, `writing "@/out/../secret/x" needs --allow-write`},
		{`io.open("@/out/up/x", "w")`, `writing "@/out/up/x" needs --allow-write`},
		{`io.open("@/out/file", "a")`, `writing "@/out/file" needs --allow-write`},
		{`io.open("@/out/file", "w")`, `writing "@/out/file" needs --allow-write`},
		{`io.open("@/scripts/x", "w")`, `needs --allow-write`},
		{`assert(io.open("@/out/fifo", "w+"))`, "not a regular file"},
		{`assert(io.open("@/out/fifo", "w"))`, "no such device or address"}, // no reader: O_NONBLOCK refuses, never blocks
		{`assert(io.open("@/out/nodir/x", "w"))`, "@/out/nodir/x: no such file or directory"},
		{`local f = io.open("@/out/r", "w") f:read()`, `was opened for writing only`},
		{`local f = io.open("@/out/big", "w") for i = 1, 100 do f:write(("x"):rep(100)) end`, "the script wrote more than 0.0 MiB to files (the cap of a run)"},
		{`for i = 1, 300 do assert(io.open("@/out/f" .. i, "w")) end`, "too many open files (a run may keep 256 open for writing)"},
	} {
		_, _, _, err := loadAt(t, dir, c[0], writeGrant(dir), func(o *Options) { o.MaxWrite = 5000 })
		if want := strings.ReplaceAll(c[1], "@", dir); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", c[0], err, want)
		}
	}
	if data, err := os.ReadFile(filepath.Join(dir, "secret", "secret.txt")); err != nil || string(data) != "SECRET" {
		t.Errorf("the file outside was changed: %q %v", data, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "secret", "x")); err == nil {
		t.Error("a file was created outside the granted directory")
	}
	if st, err := os.Stat(filepath.Join(out, "big")); err != nil || st.Size() > 5000 {
		t.Errorf("the write cap let %v bytes through (%v)", st.Size(), err)
	}
	if st, err := os.Stat(filepath.Join(out, "r")); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("a created file's mode: %v %v", st.Mode(), err)
	}
}

// TestConcurrentAppends: several thread states appending lines to one file from their hooks
// never interleave within a line, and nothing is lost.
func TestConcurrentAppends(t *testing.T) {
	dir := capsDir(t)
	path := filepath.Join(dir, "out", "log.txt")
	m, _, _, err := loadAt(t, dir, `
		local f
		function init() f = assert(io.open("@/out/log.txt", "a")) end
		function request()
			f:write(string.format("thread %s end\n", string.rep("x", 50 + math.random(0, 200))))
			return wrk.format()
		end`, writeGrant(dir), func(o *Options) { o.HookTimeout = 5 * time.Second }) // -race is slow
	if err != nil {
		t.Fatal(err)
	}
	const N, calls = 4, 3000
	ts := threads(t, m, N)
	var wg sync.WaitGroup
	for _, th := range ts {
		wg.Go(func() {
			for range calls {
				if _, _, err := th.Request(); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	start := time.Now()
	m.Close()
	t.Logf("closed in %v", time.Since(start))
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != N*calls {
		t.Errorf("%d lines, want %d", len(lines), N*calls)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "thread ") || !strings.HasSuffix(l, " end") || strings.Count(l, "thread") != 1 {
			t.Fatalf("a corrupted line: %q", l)
		}
	}
}

// TestLostWritesAreReported: a file whose buffered lines cannot be written when the run ends
// says so on stderr, since the script is no longer there to see the error.
func TestLostWritesAreReported(t *testing.T) {
	dir := capsDir(t)
	m, _, errs, err := loadAt(t, dir, `report = assert(io.open("@/out/report.csv", "w")) report:write("a,b\n")`, writeGrant(dir))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.main.files[0].f.Close(); err != nil { // the write will fail, as on a full disk
		t.Fatal(err)
	}
	m.Close()
	if want := "volley: " + dir + "/scripts/test.lua: " + dir + "/out/report.csv: file already closed\n"; errs.String() != want {
		t.Errorf("stderr %q\nwant   %q", errs.String(), want)
	}
}

// TestLargeBuiltinsStopInTime: hashing, encoding or drawing 32 MiB checks for the call's stop
// as it goes: with a 10 ms limit the call ends long before the whole work would (the
// reference, measured in this run with no limit in the way).
func TestLargeBuiltinsStopInTime(t *testing.T) {
	for _, work := range []string{
		`require("md5").sumhexa(big)`,
		`require("cjson").encode(big)`,
		`io.open("/dev/urandom"):read(32 * 2^20)`,
	} {
		m, _ := mustLoad(t, `big = string.rep("x", 32 * 2^20)
			function whole() local clock = require("socket").gettime local t = clock() local _ = `+work+` return clock() - t end
			function request() local _ = `+work+` return wrk.format() end`,
			func(o *Options) {
				o.HookTimeout, o.SetupTimeout, o.MemoryLimit = 10*time.Millisecond, time.Minute, 1<<30
			}) // 32 MiB built in each state: seconds under -race on a busy machine
		L := m.main.L
		L.Push(m.main.global("whole"))
		if err := m.main.pcall("whole", time.Minute, 0, 1); err != nil { // the reference: only a guard against a hang
			t.Fatal(err)
		}
		whole := time.Duration(float64(L.Get(-1).(lua.LNumber)) * float64(time.Second))
		L.Pop(1)
		th := thread(t, m)
		start := time.Now()
		_, _, err := th.Request()
		took := time.Since(start)
		wantError(t, err, ErrTimeout, "request() ran longer than 10ms")
		t.Logf("%s: whole %v, stopped after %v", work, whole, took)
		if took > whole/2 {
			t.Errorf("%s: stopped after %v, the whole work takes %v", work, took, whole)
		}
	}
}
