package script

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzScript runs arbitrary source at top level and as request(): the API
// must return nil or a one-line *Error, never panic, and return in time.
func FuzzScript(f *testing.F) {
	for _, s := range []string{
		`return wrk.format("GET", "/" .. 1)`,
		`local t = {} for i = 1, 10 do t[i] = string.format("%5.2f", i / 3) end return table.concat(t, ",")`,
		`return ("abc"):gsub("%w", "%0%0")`,
		`while true do end`,
		`error(setmetatable({}, {__tostring = error}))`,
		`return string.rep("x", 2^30)`,
		`return bit.tohex(bit.bxor(0xdead, 0xbeef), -8)`,
		`local s = "" for i = 1, 100 do s = s .. i end return s`,
		`return os.date("!%c", 0), tonumber("0x1p4"), select("#", unpack({1, 2, 3}))`,
		`x = {{{{}}}} return #x`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		opts := func(o *Options) {
			o.HookTimeout, o.SetupTimeout, o.MemoryLimit = 20*time.Millisecond, 50*time.Millisecond, 64<<20
		}
		check := func(err error) {
			if err == nil {
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is a %T", err, err)
			}
			if strings.ContainsAny(e.Msg, "\n\r\x00\x1b") || len(e.Msg) > maxMessage+len("...")+4*len("test.lua") {
				t.Fatalf("message not one bounded line: %q", e.Msg)
			}
		}
		start := time.Now()
		_, _, err := load(t, src, opts)
		check(err)
		m, _, err := load(t, "function request()\n"+src+"\nend", opts)
		check(err)
		if err == nil {
			if th, err := m.NewThread(0, testAddr); err == nil && th.Init() == nil {
				_, _, err := th.Request()
				check(err)
			}
		}
		if took := time.Since(start); took > 3*time.Second {
			t.Fatalf("took %v", took)
		}
	})
}
