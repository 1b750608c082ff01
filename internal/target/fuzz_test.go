package target

import (
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"http://localhost/", "https://h:8443/p?q=1#f", "http://[::1]:8080/",
		"http://[fe80::1%25eth0]/", "http://127.0.0.1:65535", "ftp://x",
		"http://u@h/", "http://h:0/", "http://h/a b", "http://h?x", "http://a..b/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		tg, err := Parse(raw)
		if err != nil {
			checkMessage(t, raw, err.Error())
			return
		}
		if tg.Scheme != "http" && tg.Scheme != "https" {
			t.Fatalf("scheme %q", tg.Scheme)
		}
		if tg.Port < 1 || tg.Port > 65535 {
			t.Fatalf("port %d", tg.Port)
		}
		if tg.Host == "" || tg.Raw != raw {
			t.Fatalf("host %q raw %q", tg.Host, tg.Raw)
		}
		if !strings.HasPrefix(tg.RequestURI, "/") || strings.Contains(tg.RequestURI, "#") {
			t.Fatalf("request URI %q", tg.RequestURI)
		}
		for _, s := range []string{tg.RequestURI, tg.HostHeader, tg.ServerName()} {
			for i := 0; i < len(s); i++ {
				if s[i] <= ' ' || s[i] >= 0x7f {
					t.Fatalf("byte 0x%02x in %q", s[i], s)
				}
			}
		}
		if strings.ContainsAny(tg.HostHeader, "@/?#%") {
			t.Fatalf("host header %q", tg.HostHeader)
		}
		// Parsing is deterministic and Raw reparses to the same target.
		again, err := Parse(tg.Raw)
		if err != nil || *again != *tg {
			t.Fatalf("reparse of %q: %+v, %v", raw, again, err)
		}
	})
}
