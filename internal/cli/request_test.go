package cli

import (
	"crypto/tls"
	"strings"
	"testing"
)

func TestRequestAndReachFlags(t *testing.T) {
	tests := []struct {
		args  string
		check func(*Config) bool
	}{
		{"-m POST -b {} " + url, func(c *Config) bool { return c.Method == "POST" && c.Body == "{}" && c.HasBody }},
		{"-m PUT --body-file b.json " + url, func(c *Config) bool { return c.BodyFile == "b.json" && c.HasBody && c.Body == "" }},
		{"--body= " + url, func(c *Config) bool { return c.HasBody && c.Body == "" }},
		{url + " http://h2/ https://h3/x", func(c *Config) bool {
			return len(c.URLs) == 3 && c.Target == c.URLs[0] && c.URLs[2].Scheme == "https" && len(c.ScriptArgs) == 0
		}},
		{"--targets t.txt", func(c *Config) bool { return c.Targets == "t.txt" && c.Target == nil }},
		{"--targets - -H X:1", func(c *Config) bool { return c.Targets == "-" && len(c.Headers) == 1 }},
		{"--unix-socket /run/s.sock " + url, func(c *Config) bool { return c.UnixSocket == "/run/s.sock" }},
		{"--connect-to a:1:b:2 --connect-to ::c: " + url, func(c *Config) bool { return len(c.ConnectTo) == 2 && c.ConnectTo[1].ToHost == "c" }},
		{"--cacert ca.pem --cert c.pem --key c.key --tls-min 1.3 --no-session-resumption " + url, func(c *Config) bool {
			return c.CACert == "ca.pem" && c.Cert == "c.pem" && c.Key == "c.key" && c.TLSMin == tls.VersionTLS13 && c.NoResumption
		}},
		{"--proxy u:p@proxy:3128 " + url, func(c *Config) bool { return c.Proxy.Host == "proxy" && c.Proxy.Authorization != "" }},
		{"--conn 5 " + url, func(c *Config) bool { return c.Connections == 5 }}, // wrk's abbreviation wins
	}
	for _, tt := range tests {
		cfg, cmd, err := Parse(split(tt.args))
		if err != nil || cmd != CmdRun || !tt.check(cfg) {
			t.Errorf("Parse(%q) = %+v, %v", tt.args, cfg, err)
		}
	}
}

func TestRequestAndReachErrors(t *testing.T) {
	tests := []struct{ args, want string }{
		{"-m HEAD -b x " + url, "volley: -m/--method HEAD cannot carry a body (-b/--body, --body-file)"},
		{"-m CONNECT " + url, `volley: invalid -m/--method "CONNECT": volley opens tunnels itself (--proxy)`},
		{"-s x.lua -m POST " + url, "volley: -m/--method describes the request without a script"},
		{"-s x.lua --targets t " + url, "volley: --targets describes the request without a script"},
		{"--targets t -m POST", "volley: -m/--method and --targets: the targets file gives each request's method and body"},
		{"--targets t " + url, `volley: --targets gives the URLs, and so does "` + url + `"; use one`},
		{"-b x --body-file y " + url, "volley: -b/--body and --body-file both give the body; use one"},
		{"--unix-socket s --proxy p:1 " + url, "volley: --unix-socket and --proxy: every connection goes to the socket"},
		{"--connect-to a:b " + url, `volley: invalid --connect-to "a:b": expected HOST:PORT:ADDR:PORT`},
		{"--cert c.pem " + url, "volley: --cert and --key go together"},
		{"-k --cacert ca.pem " + url, "volley: --cacert and -k/--insecure"},
		{"--tls-min 1.1 " + url, `volley: invalid --tls-min "1.1": must be 1.2 or 1.3`},
		{"--proxy https://u:secret@p:1 " + url, `volley: invalid --proxy "https://***@p:1": only http:// proxies are supported`},
		{"-H Content-Length:1 -b x " + url, "Content-Length is set by volley from the body"},
	}
	for _, tt := range tests {
		_, _, err := Parse(split(tt.args))
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "secret") {
			t.Errorf("Parse(%q) error\n %v\nwant\n %s", tt.args, err, tt.want)
		}
	}
}
