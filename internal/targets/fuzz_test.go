package targets

import (
	"strings"
	"testing"

	"volley/internal/target"
)

// FuzzRead: any file is read or refused with a "file:line: message" error, never a panic, and
// every target read is one h1.AppendRequest accepts.
func FuzzRead(f *testing.F) {
	for _, s := range []string{
		"GET http://127.0.0.1:8080/\n",
		"POST http://h/\nContent-Type: text/plain\n@b\n\nGET https://[::1]:8443/x?y\n",
		"# c\n\nGET http://h/\nX: y\n\n\n",
		"GET http://h/\r\nX: a\r\n\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, file string) {
		r := root(t, map[string]string{"b": "body"})
		ts, err := Read(strings.NewReader(file), "f", r)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f:") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		for _, tg := range ts {
			if tg.URL == nil || tg.Line < 1 {
				t.Fatalf("target %+v", tg)
			}
			for _, h := range tg.Headers {
				if strings.EqualFold(h.Name, "Host") && target.CheckAuthority(h.Value) != nil {
					t.Fatalf("target %+v: Host %q is not host[:port]", tg, h.Value)
				}
			}
		}
	})
}
