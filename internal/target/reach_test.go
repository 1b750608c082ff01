package target

import (
	"strings"
	"testing"
)

func TestParseConnectTo(t *testing.T) {
	good := map[string]ConnectTo{
		"example.com:443:10.0.0.1:8443": {"example.com", 443, "10.0.0.1", 8443},
		"Example.COM::backend:":         {"example.com", 0, "backend", 0},
		":::8080":                       {"", 0, "", 8080},
		"[::1]:80:[fe80::1]:81":         {"::1", 80, "fe80::1", 81},
		"h:80:[::1]:":                   {"h", 80, "::1", 0},
	}
	for in, want := range good {
		got, err := ParseConnectTo(in)
		if err != nil || got != want {
			t.Errorf("ParseConnectTo(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"h:80:a":          "expected HOST:PORT:ADDR:PORT",
		"h:80:a:1:2":      "port \"1:2\" is not a number",
		"h:x:a:1":         `port "x" is not a number`,
		"h:0:a:1":         "out of range",
		"[::1:80:a:1":     "missing ]",
		"[1.2.3.4]:1:a:1": "is not an IPv6 address",
		"h h:1:a:1":       "invalid character",
	} {
		if _, err := ParseConnectTo(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseConnectTo(%q) error %v, want %q", in, err, want)
		}
	}
	rules := []ConnectTo{{"a", 443, "x", 1}, {"a", 0, "", 2}, {"", 0, "z", 0}}
	for _, tt := range []struct {
		host string
		port int
		toH  string
		toP  int
	}{{"a", 443, "x", 1}, {"A", 80, "A", 2}, {"b", 80, "z", 80}} {
		if h, p := Apply(rules, tt.host, tt.port); h != tt.toH || p != tt.toP {
			t.Errorf("Apply(%s:%d) = %s:%d, want %s:%d", tt.host, tt.port, h, p, tt.toH, tt.toP)
		}
	}
}

func TestParseProxy(t *testing.T) {
	p, err := ParseProxy("http://user:p%40ss@proxy.corp:3128/")
	if err != nil || p.Host != "proxy.corp" || p.Port != 3128 || p.Authorization != "Basic dXNlcjpwQHNz" || p.Display != "http://proxy.corp:3128" {
		t.Fatalf("%+v, %v", p, err)
	}
	if p, err := ParseProxy("10.0.0.1"); err != nil || p.Port != 80 || p.Authorization != "" {
		t.Fatalf("%+v, %v", p, err)
	}
	for in, want := range map[string]string{
		"https://p:1":      "only http:// proxies",
		"socks5://p:1":     "only http:// proxies",
		"http://p:1/x":     "no path",
		"http://p:99999":   "out of range",
		"http://u:secret@": "missing host",
	} {
		_, err := ParseProxy(in)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "secret") {
			t.Errorf("ParseProxy(%q) error %v, want %q", in, err, want)
		}
	}
	if got := RedactUserinfo("http://u:secret@h:1/"); got != "http://***@h:1/" {
		t.Errorf("redacted %q", got)
	}
}

// The environment as golang.org/x/net/http/httpproxy reads it.
func TestProxyFromEnvironment(t *testing.T) {
	env := map[string]string{
		"HTTPS_PROXY": "https-proxy:1", "http_proxy": "http-proxy:2",
		"NO_PROXY": "skip.com, .sub.org,*.star.net, 10.0.0.0/8, 192.168.1.1, port.com:8080, [::2]",
	}
	getenv := func(k string) string { return env[k] }
	for _, tt := range []struct {
		scheme, host string
		port         int
		want         string
	}{
		{"https", "example.com", 443, "https-proxy:1"},
		{"http", "example.com", 80, "http-proxy:2"},
		{"http", "localhost", 80, ""},
		{"http", "127.0.0.2", 80, ""},
		{"http", "::1", 80, ""},
		{"http", "skip.com", 80, ""},
		{"http", "a.skip.com", 80, ""},
		{"http", "noskip.com", 80, "http-proxy:2"},
		{"http", "sub.org", 80, "http-proxy:2"},
		{"http", "x.sub.org", 80, ""},
		{"http", "x.star.net", 80, ""},
		{"http", "10.1.2.3", 80, ""},
		{"http", "11.1.2.3", 80, "http-proxy:2"},
		{"http", "192.168.1.1", 80, ""},
		{"http", "port.com", 8080, ""},
		{"http", "port.com", 80, "http-proxy:2"},
		{"http", "::2", 80, ""},
	} {
		if got := ProxyFromEnvironment(getenv, tt.scheme, tt.host, tt.port); got != tt.want {
			t.Errorf("%s://%s:%d: proxy %q, want %q", tt.scheme, tt.host, tt.port, got, tt.want)
		}
	}
	env["REQUEST_METHOD"] = "GET" // CGI: HTTP_PROXY may come from a request's Proxy header
	if got := ProxyFromEnvironment(getenv, "http", "example.com", 80); got != "" {
		t.Errorf("HTTP_PROXY used in a CGI request: %q", got)
	}
	env["NO_PROXY"] = "*"
	if got := ProxyFromEnvironment(getenv, "https", "example.com", 443); got != "" {
		t.Errorf("NO_PROXY=* still proxies: %q", got)
	}
}
