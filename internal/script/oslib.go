package script

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// os offers the clock, the calendar and the environment variables granted with --allow-env:
// no processes, no file changes. os.date understands a fixed set of strftime conversions, so
// its output is bounded and never depends on the C library.
func (s *state) openOS(G *lua.LTable) {
	lib := s.L.NewTable()
	s.set(lib, map[string]lua.LGFunction{
		"time":     osTime,
		"clock":    osClock,
		"date":     osDate,
		"difftime": osDifftime,
		"getenv":   s.osGetenv,
	})
	s.deny(lib, "os")
	G.RawSetString("os", lib)
}

// osGetenv returns a granted variable, nil for any other; the first time a script asks for a
// name it was not granted, stderr says which flag would grant it.
func (s *state) osGetenv(L *lua.LState) int {
	name := checkString(L, 1, "getenv")
	if !s.m.envGranted(name) {
		s.m.warnEnv(callerPosition(L), name)
		L.Push(lua.LNil)
		return 1
	}
	if v, ok := os.LookupEnv(name); ok {
		L.Push(lua.LString(v))
		return 1
	}
	L.Push(lua.LNil)
	return 1
}

// callerPosition is "script.lua:7: " for the Lua code that called the running builtin.
func callerPosition(L *lua.LState) string {
	if w := L.Where(1); w != "" {
		return w + " "
	}
	return ""
}

// envGranted reports whether --allow-env grants name: a NAME given exactly, or a PREFIX*.
func (m *Main) envGranted(name string) bool {
	for _, g := range m.opts.AllowEnv {
		if p, ok := strings.CutSuffix(g, "*"); ok && strings.HasPrefix(name, p) || g == name {
			return true
		}
	}
	return false
}

// maxEnvWarnings bounds the names warned about, so that a script asking for many cannot
// flood stderr.
const maxEnvWarnings = 20

// warnEnv says once per name that os.getenv(name) returned nil for want of a grant.
func (m *Main) warnEnv(pos, name string) {
	m.envMu.Lock()
	defer m.envMu.Unlock()
	if m.envWarned[name] || len(m.envWarned) >= maxEnvWarnings {
		return
	}
	if m.envWarned == nil {
		m.envWarned = map[string]bool{}
	}
	m.envWarned[name] = true
	flag := "--allow-env " + name
	if !validEnvName(name) {
		flag = "no --allow-env (not a variable name)"
	}
	m.errOut.write([]byte(clean("volley: "+pos+"os.getenv("+quoteName(name)+") returned nil: "+flag+" would grant it") + "\n"))
}

// validEnvName reports whether name is a shell variable name.
func validEnvName(name string) bool {
	for i, c := range name {
		if c != '_' && (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return name != ""
}

func osTime(L *lua.LState) int {
	if L.Get(1) == lua.LNil {
		L.Push(lua.LNumber(time.Now().Unix()))
		return 1
	}
	t := checkTable(L, 1, "time")
	field := func(name string, def int) int {
		switch v := t.RawGetString(name).(type) {
		case lua.LNumber:
			return toInt(float64(v))
		case lua.LString:
			if f, ok := parseNumber(string(v)); ok {
				return toInt(f)
			}
		}
		if def < 0 {
			L.RaiseError("field '%s' missing in date table", name)
		}
		return def
	}
	sec, min, hour := field("sec", 0), field("min", 0), field("hour", 12)
	day, month, year := field("day", -1), field("month", -1), field("year", -1)
	if year < -1e6 || year > 1e6 {
		L.Push(lua.LNil)
		return 1
	}
	d := time.Date(year, time.Month(month), day, hour, min, sec, 0, time.Local)
	L.Push(lua.LNumber(d.Unix()))
	return 1
}

// osClock is the process's CPU time in seconds, as C's clock().
func osClock(L *lua.LState) int {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		L.Push(lua.LNumber(0))
		return 1
	}
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	L.Push(lua.LNumber(cpu.Seconds()))
	return 1
}

func osDifftime(L *lua.LState) int {
	L.Push(lua.LNumber(checkNumber(L, 1, "difftime") - optNumber(L, 2, "difftime", 0)))
	return 1
}

// maxDateFormat bounds os.date's format string.
const maxDateFormat = 256

func osDate(L *lua.LState) int {
	f := optString(L, 1, "date", "%c")
	when := time.Now()
	if L.Get(2) != lua.LNil {
		when = time.Unix(int64(toInt(checkNumber(L, 2, "date"))), 0)
	}
	if len(f) > 0 && f[0] == '!' {
		f, when = f[1:], when.UTC()
	} else {
		when = when.Local()
	}
	if y := when.Year(); y < 1 || y > 9999 {
		// strftime's fields are fixed-width: outside these years they would print garbage.
		L.RaiseError("bad argument #2 to 'date' (time out of range: years 1 to 9999)")
	}
	if len(f) >= 2 && f[:2] == "*t" {
		t := L.NewTable()
		for _, kv := range []struct {
			k string
			v int
		}{{"year", when.Year()}, {"month", int(when.Month())}, {"day", when.Day()},
			{"hour", when.Hour()}, {"min", when.Minute()}, {"sec", when.Second()},
			{"wday", int(when.Weekday()) + 1}, {"yday", when.YearDay()}} {
			t.RawSetString(kv.k, lua.LNumber(kv.v))
		}
		t.RawSetString("isdst", lua.LBool(when.IsDST()))
		L.Push(t)
		return 1
	}
	if len(f) > maxDateFormat {
		argError(L, 1, "date", "format longer than "+strconv.Itoa(maxDateFormat)+" bytes")
	}
	out, bad := strftime(nil, f, when)
	if bad != 0 {
		argError(L, 1, "date", "invalid conversion specifier '%"+string(rune(bad))+"'")
	}
	L.Push(lua.LString(out))
	return 1
}

// strftime formats t as C's strftime in the "C" locale; bad is the first
// unsupported conversion character, or 0.
func strftime(out []byte, f string, t time.Time) ([]byte, byte) {
	two := func(n int) []byte { return []byte{byte('0' + n/10%10), byte('0' + n%10)} }
	for i := 0; i < len(f); i++ {
		if f[i] != '%' || i+1 == len(f) {
			out = append(out, f[i])
			continue
		}
		i++
		switch c := f[i]; c {
		case '%':
			out = append(out, '%')
		case 'a':
			out = append(out, t.Weekday().String()[:3]...)
		case 'A':
			out = append(out, t.Weekday().String()...)
		case 'b', 'h':
			out = append(out, t.Month().String()[:3]...)
		case 'B':
			out = append(out, t.Month().String()...)
		case 'c':
			out, _ = strftime(out, "%a %b %e %H:%M:%S %Y", t)
		case 'd':
			out = append(out, two(t.Day())...)
		case 'D', 'x':
			out, _ = strftime(out, "%m/%d/%y", t)
		case 'e':
			if t.Day() < 10 {
				out = append(out, ' ', byte('0'+t.Day())) //nolint:gosec // G115: 1 <= Day < 10 here
			} else {
				out = append(out, two(t.Day())...)
			}
		case 'F':
			out, _ = strftime(out, "%Y-%m-%d", t)
		case 'H':
			out = append(out, two(t.Hour())...)
		case 'I':
			out = append(out, two((t.Hour()+11)%12+1)...)
		case 'j':
			out = append(out, byte('0'+t.YearDay()/100)) //nolint:gosec // G115: YearDay is 1 to 366
			out = append(out, two(t.YearDay())...)
		case 'm':
			out = append(out, two(int(t.Month()))...)
		case 'M':
			out = append(out, two(t.Minute())...)
		case 'n':
			out = append(out, '\n')
		case 'p':
			if t.Hour() < 12 {
				out = append(out, "AM"...)
			} else {
				out = append(out, "PM"...)
			}
		case 'r':
			out, _ = strftime(out, "%I:%M:%S %p", t)
		case 'R':
			out, _ = strftime(out, "%H:%M", t)
		case 's':
			out = strconv.AppendInt(out, t.Unix(), 10)
		case 'S':
			out = append(out, two(t.Second())...)
		case 't':
			out = append(out, '\t')
		case 'T', 'X':
			out, _ = strftime(out, "%H:%M:%S", t)
		case 'u':
			out = append(out, byte('0'+(int(t.Weekday())+6)%7+1))
		case 'w':
			out = append(out, byte('0'+int(t.Weekday()))) //nolint:gosec // G115: Weekday is 0 to 6
		case 'y':
			out = append(out, two(t.Year()%100)...)
		case 'Y':
			out = strconv.AppendInt(out, int64(t.Year()), 10)
		case 'z':
			out = append(out, t.Format("-0700")...)
		case 'Z':
			out = append(out, t.Format("MST")...)
		default:
			return nil, c
		}
	}
	return out, 0
}
