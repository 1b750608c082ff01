package script

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// luaCases runs each expression in a fresh main state and compares what
// print(expr) writes. The expected values are what Lua 5.1 / LuaJIT print.
func luaCases(t *testing.T, cases [][2]string) {
	t.Helper()
	for _, c := range cases {
		_, out, err := load(t, "print("+c[0]+")")
		if err != nil {
			t.Errorf("%s: %v", c[0], err)
			continue
		}
		if got := strings.TrimSuffix(out.String(), "\n"); got != c[1] {
			t.Errorf("%s = %q, want %q", c[0], got, c[1])
		}
	}
}

func TestNumbersAsLuaPrintsThem(t *testing.T) {
	luaCases(t, [][2]string{
		{`0.1 + 0.2`, "0.3"}, {`1e15`, "1e+15"}, {`1e14`, "1e+14"}, {`99999999999999`, "99999999999999"},
		{`2^53`, "9.007199254741e+15"}, {`1/3`, "0.33333333333333"}, {`-0.0`, "-0"}, {`1/0, -1/0`, "inf\t-inf"},
		{`100 .. ""`, "100"}, {`1.5 .. "|" .. 1e100`, "1.5|1e+100"}, {`tostring(12.0)`, "12"}, {`math.huge`, "inf"},
		{`tonumber("1e2"), tonumber(" 0x1F "), tonumber("-7.5"), tonumber(".5"), tonumber("5.")`, "100\t31\t-7.5\t0.5\t5"},
		{`tonumber("1e"), tonumber("inf"), tonumber("nan"), tonumber("1_0"), tonumber(""), tonumber("0x")`, "nil\tnil\tnil\tnil\tnil\tnil"},
		{`tonumber("ff", 16), tonumber("777", 8), tonumber("zz", 36), tonumber("8", 8), tonumber({})`, "255\t511\t1295\tnil\tnil"},
		{`"10" + 5, "3" * "4"`, "15\t12"},
	})
}

func TestStringFormat(t *testing.T) {
	luaCases(t, [][2]string{
		{`string.format("%d %5d %-5d| %05d %+d % d %.3d", 42, 42, 42, 42, 42, 42, 7)`, "42    42 42   | 00042 +42  42 007"},
		{`string.format("%d %d %i", 3.7, -3.7, -0)`, "3 -3 0"},
		{`string.format("%x %X %#x %o %#o %u", 255, 255, 255, 8, 8, 3)`, "ff FF 0xff 10 010 3"},
		{`string.format("%x", -1)`, "ffffffffffffffff"},
		{`string.format("%f %.2f %10.3f %-10.1f| %e %.0e %E", 1.5, 2.345, 3.14159, 2.5, 12345.678, 5, 0.00012)`,
			"1.500000 2.35      3.142 2.5       | 1.234568e+04 5e+00 1.200000E-04"},
		{`string.format("%g %g %g %g %g %.3g %#g %G", 100000, 1e6, 0.0001, 0.00001, 1.5, 3.14159, 1.0, 1e-10)`,
			"100000 1e+06 0.0001 1e-05 1.5 3.14 1.00000 1E-10"},
		{`string.format("%5.1f|%f|%g", 1/0, -1/0, 0/0)`, "  inf|-inf|nan"},
		{`string.format("%s %s %s %s %.2s %5s %-5s|", 1, 1.5, true, nil, "abc", "ab", "ab")`, "1 1.5 true nil ab    ab ab   |"},
		{`string.format("%q", 'a"b\\c\n\r\0d')`, `"a\"b\\c\` + "\n" + `\r\000d"`},
		{`string.format("%c%c%c", 76, 117, 97)`, "Lua"},
		{`string.format("%s", setmetatable({}, {__tostring = function() return "custom" end}))`, "custom"},
		{`("%d items"):format(3)`, "3 items"},
	})
	for _, c := range [][2]string{
		{`string.format("%d")`, "bad argument #2 to 'format' (no value)"},
		{`string.format("%d", "x")`, "bad argument #2 to 'format' (number expected, got string)"},
		{`string.format("%100d", 1)`, "invalid format (width or precision too long)"},
		{`string.format("%.100f", 1)`, "invalid format (width or precision too long)"},
		{`string.format("%------d", 1)`, "invalid format (repeated flags)"},
		{`string.format("%y", 1)`, "invalid option '%y' to 'format'"},
		{`string.format("%", 1)`, "invalid option '%' to 'format'"},
	} {
		_, _, err := load(t, c[0])
		wantError(t, err, ErrScript, c[1])
	}
}

func TestStringLibrary(t *testing.T) {
	luaCases(t, [][2]string{
		{`("Hello"):upper(), ("ÀB"):lower(), ("abc"):reverse(), #("\255\254"):lower()`, "HELLO\tÀb\tcba\t2"},
		{`("hello"):sub(2), ("hello"):sub(-3), ("hello"):sub(2, -2), ("hello"):sub(0), ("hello"):sub(10), ("hello"):sub(-100, 2)`, "ello\tllo\tell\thello\t\the"},
		{`("abc"):byte(), ("abc"):byte(-1), ("abc"):byte(1, -1)`, "97\t99\t97\t98\t99"},
		{`string.char(104, 105), string.len("abc"), ("x"):rep(3), ("x"):rep(3, ","), ("x"):rep(0)`, "hi\t3\txxx\tx,x,x\t"},
		{`string.find("a.b", ".", 1, true), string.find("abc", "b()")`, "2\t2\t2\t3"},
		{`string.match("key = value", "(%w+)%s*=%s*(%w+)")`, "key\tvalue"},
		{`string.gsub("hello world", "o", "0"), string.gsub("abc", "%w", "%0%0")`, "hell0 w0rld\taabbcc\t3"},
		{`string.gsub("$name is $age", "%$(%w+)", {name = "Ann", age = 7})`, "Ann is 7\t2"},
		{`string.gsub("a b c", "%w", function(c) if c ~= "b" then return c:upper() end end)`, "A b C\t3"},
		{`(function() local t = {} for w in ("one two three"):gmatch("%a+") do t[#t+1] = w end return table.concat(t, "|") end)()`, "one|two|three"},
		{`getmetatable(""), getmetatable("abc") == getmetatable("")`, "false\ttrue"},
	})
	_, _, err := load(t, `return getmetatable("").__index`)
	wantError(t, err, ErrScript, "test.lua:1: ")
	_, _, err = load(t, `string.find(("a"):rep(5000), ("a*"):rep(200) .. "b")`)
	wantError(t, err, ErrScript, "pattern")
}

func TestTableAndBase(t *testing.T) {
	luaCases(t, [][2]string{
		{`table.concat({1, 2, "x"}, ", "), table.concat({}, ","), table.concat({1, 2, 3}, "-", 2, 3)`, "1, 2, x\t\t2-3"},
		{`(function() local t = {5, 2, 8, 1} table.sort(t) return table.concat(t, " ") end)()`, "1 2 5 8"},
		{`(function() local t = {5, 2, 8, 1} table.sort(t, function(a, b) return a > b end) return table.concat(t, " ") end)()`, "8 5 2 1"},
		{`(function() local t = {1} table.insert(t, 2) table.insert(t, 1, 0) return table.remove(t), #t end)()`, "2\t2"},
		{`unpack({1, 2, 3}), select("#", 1, nil, 3), select(2, "a", "b", "c")`, "1\t3\tb\tc"},
		{`type(print), type(nil), rawequal("a", "a"), rawget({x = 1}, "x")`, "function\tnil\ttrue\t1"},
		{`pcall(error, "x"), pcall(error, {}) == false`, "false\ttrue"},
		{`_VERSION, type(_G), _G.print == print`, "Lua 5.1\ttable\ttrue"},
		{`tostring(setmetatable({}, {__metatable = "locked"}) and getmetatable(setmetatable({}, {__metatable = "locked"})))`, "locked"},
		{`#arg`, ""},
	}[:9])
	for _, c := range [][2]string{
		{`table.concat({1, {}, 3})`, "invalid value (at index 2) in table for 'concat'"},
		{`unpack({}, 1, 1e6)`, "too many results to unpack"},
		{`string.byte(("x"):rep(9000), 1, -1)`, "string slice too long"},
		{`table.sort({3, "a", 1})`, "attempt to compare"},
		{`setmetatable(getmetatable(""), nil)`, "bad argument #1 to 'setmetatable' (table expected, got boolean)"},
		{`setmetatable("", {})`, "bad argument #1 to 'setmetatable' (table expected, got string)"},
		{`setmetatable(print, {})`, "table expected, got function"},
		{`setmetatable({}, 1)`, "bad argument #2 to 'setmetatable' (nil or table expected)"},
		{`setmetatable(setmetatable({}, {__metatable = 1}), {})`, "cannot change a protected metatable"},
	} {
		_, _, err := load(t, c[0])
		wantError(t, err, ErrScript, c[1])
	}
}

func TestBitLibrary(t *testing.T) {
	luaCases(t, [][2]string{
		{`bit.tobit(0xffffffff), bit.tobit(2^32 + 5), bit.tobit(-1), bit.tobit(1.5), bit.tobit(2.5)`, "-1\t5\t-1\t2\t2"},
		{`bit.band(0xff, 0x0f, 0x3), bit.bor(1, 2, 4), bit.bxor(5, 3), bit.bnot(0)`, "3\t7\t6\t-1"},
		{`bit.lshift(1, 31), bit.lshift(1, 32), bit.rshift(-1, 28), bit.arshift(-256, 4)`, "-2147483648\t1\t15\t-16"},
		{`bit.rol(0x12345678, 8), bit.ror(0x12345678, 8), bit.bswap(0x12345678)`, "878082066\t2014458966\t2018915346"},
		{`bit.tohex(255), bit.tohex(255, 2), bit.tohex(255, -4), bit.tohex(-1, 100)`, "000000ff\tff\t00FF\tffffffff"},
	})
}

func TestRandomPerState(t *testing.T) {
	seq := func(src string) string { return eval(t, src) }
	a := seq(`math.randomseed(42) print(math.random(1, 1000000), math.random(), math.random(5))`)
	b := seq(`math.randomseed(42) print(math.random(1, 1000000), math.random(), math.random(5))`)
	c := seq(`math.randomseed(43) print(math.random(1, 1000000), math.random(), math.random(5))`)
	if a != b || a == c {
		t.Errorf("randomseed does not make sequences repeatable: %q %q %q", a, b, c)
	}
	// Unseeded states differ from each other.
	if seq(`print(math.random(1, 1e9))`) == seq(`print(math.random(1, 1e9))`) { //nolint:staticcheck // SA4000: each call runs a new state; they must differ
		t.Error("two unseeded states drew the same number")
	}
	luaCases(t, [][2]string{{`(function() for i = 1, 1000 do local r = math.random(3, 5) if r < 3 or r > 5 or r % 1 ~= 0 then return r end end return "ok" end)()`, "ok"}})
	_, _, err := load(t, `math.random(5, 1)`)
	wantError(t, err, ErrScript, "interval is empty")
}

func TestOSLibrary(t *testing.T) {
	luaCases(t, [][2]string{
		{`os.date("!%Y-%m-%d %H:%M:%S %a %b %j %p %y %%", 86400 * 365)`, "1971-01-01 00:00:00 Fri Jan 001 AM 71 %"},
		{`os.date("!%c", 0)`, "Thu Jan  1 00:00:00 1970"},
		{`os.date("!*t", 3600).hour, os.date("!*t", 0).wday, os.date("!*t", 0).isdst`, "1\t5\tfalse"},
		{`type(os.time()), os.time() > 1.6e9, os.clock() >= 0, os.difftime(5, 3)`, "number\ttrue\ttrue\t2"},
		{`os.time({year = 2000, month = 1, day = 1, hour = 0}) - os.time({year = 1999, month = 12, day = 31, hour = 0})`, "86400"},
	})
	_, _, err := load(t, `os.date("%Ez")`)
	wantError(t, err, ErrScript, "invalid conversion specifier '%E'")
	_, _, err = load(t, `os.time({year = 2000})`)
	wantError(t, err, ErrScript, "field 'day' missing in date table")
	_, _, err = load(t, `os.date("!%y", -7e10)`)
	wantError(t, err, ErrScript, "time out of range")
}

func TestFileReads(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	if err := os.Mkdir(root, 0o750); err != nil {
		t.Fatal(err)
	}
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("root/data.txt", "line one\nline two\n42 7.5\nrest")
	secret := write("secret.txt", "top secret")
	for _, err := range []error{
		os.Symlink(secret, filepath.Join(root, "escape")),
		os.Symlink("data.txt", filepath.Join(root, "inside")),
		os.Symlink(filepath.Join(root, "data.txt"), filepath.Join(root, "absolute")),
		syscall.Mkfifo(filepath.Join(root, "fifo"), 0o644),
		os.WriteFile(filepath.Join(root, "big"), make([]byte, 2<<20), 0o644),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	allow := func(o *Options) { o.AllowRead = []string{root}; o.MemoryLimit = 4 << 20 }

	_, out, err := load(t, `
		local f = assert(io.open("`+root+`/data.txt"))
		print(io.type(f), f:read(), f:read("*l"), f:read("*n"), f:read("*n"), f:read(3), f:read("*a"), f:read("*a"), f:read())
		f:close() print(io.type(f), pcall(f.read, f))
		for l in io.lines("`+root+`/inside") do io.write("[", l, "]") end print()
		local g = io.open("`+root+`/data.txt", "rb") print(g:seek("end"), g:seek("set", 5), g:read(3)) for l in g:lines() do io.write(l, ";") end print()
		print(io.open("`+root+`/missing"))
	`, allow)
	if err != nil {
		t.Fatal(err)
	}
	want := "file\tline one\tline two\t42\t7.5\t\nre\tst\t\tnil\n" +
		"closed file\tfalse\ttest.lua:4: attempt to use a closed file\n" +
		"[line one][line two][42 7.5][rest]\n29\t5\tone\n;line two;42 7.5;rest;\n" +
		"nil\t" + root + "/missing: no such file or directory\n"
	if out.String() != want {
		t.Errorf("got %q\nwant %q", out.String(), want)
	}
	for _, c := range []struct {
		src, want string
		mod       func(*Options)
	}{
		{`io.open("` + root + `/data.txt")`, `io.open: reading "` + root + `/data.txt" needs --allow-read`, nil},
		{`io.open("` + secret + `")`, "needs --allow-read", allow},
		{`io.open("` + root + `/escape")`, "needs --allow-read", allow},
		{`io.open("` + root + `/absolute")`, "needs --allow-read", allow},
		{`io.open("` + root + `/../secret.txt")`, "needs --allow-read", allow},
		{`io.lines("/etc/passwd")`, `io.lines: reading "/etc/passwd" needs --allow-read`, allow},
		{`io.open("` + root + `/data.txt", "w")`, `io.open: writing "` + root + `/data.txt" needs --allow-write`, allow},
		{`io.open("` + root + `/data.txt", "r+")`, `needs --allow-write`, allow},
		{`io.open("` + root + `/data.txt", "rw")`, `bad argument #2 to 'io.open' (invalid mode "rw")`, allow},
		{`assert(io.open("` + root + `/fifo"))`, "not a regular file", allow},
		{`assert(io.open("` + root + `"))`, "not a regular file", allow},
		{`assert(io.open("` + root + `/big"))`, "file is larger than 1.0 MiB", allow},
		{`io.lines()`, "io.lines() is not available in volley's sandbox (standard input is not readable", allow},
		{`io.read()`, "io.read is not available in volley's sandbox", allow},
		{`assert(io.close())`, "cannot close standard file", allow},
		{`assert(io.stdout:close())`, "cannot close standard file", allow},
	} {
		var mods []func(*Options)
		if c.mod != nil {
			mods = append(mods, c.mod)
		}
		_, _, err := load(t, c.src, mods...)
		wantError(t, err, ErrScript, c.want)
	}
	_, _, err = load(t, ``, func(o *Options) { o.AllowRead = []string{filepath.Join(dir, "nope")} })
	if err == nil || !strings.Contains(err.Error(), "--allow-read "+dir+"/nope: no such file or directory") {
		t.Errorf("missing root: %v", err)
	}
}
