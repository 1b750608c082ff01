package target

import (
	"encoding/base64"
	"errors"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// ConnectTo is one --connect-to rule, with curl's meaning: a connection for Host:Port goes to
// ToHost:ToPort instead, while the request's Host and the TLS server name still say Host.
// An empty Host or a zero Port matches any; an empty ToHost or a zero ToPort keeps the original.
type ConnectTo struct {
	Host   string
	Port   int
	ToHost string
	ToPort int
}

// ParseConnectTo reads "HOST:PORT:ADDR:PORT"; IPv6 addresses go in brackets.
func ParseConnectTo(s string) (ConnectTo, error) {
	fail := func(reason string) (ConnectTo, error) {
		return ConnectTo{}, errors.New(reason)
	}
	var fields [4]string
	rest := s
	for i := range fields {
		if i%2 == 0 && strings.HasPrefix(rest, "[") {
			end := strings.IndexByte(rest, ']')
			if end < 0 {
				return fail("missing ] after IPv6 address")
			}
			addr, err := netip.ParseAddr(rest[1:end])
			if err != nil || !addr.Is6() || addr.Zone() != "" {
				return fail(Quote(rest[1:end]) + " is not an IPv6 address")
			}
			fields[i], rest = addr.String(), rest[end+1:]
			if i < 3 && !strings.HasPrefix(rest, ":") {
				return fail("expected HOST:PORT:ADDR:PORT")
			}
			rest = strings.TrimPrefix(rest, ":")
			continue
		}
		if i == 3 {
			fields[i], rest = rest, ""
			break
		}
		f, r, ok := strings.Cut(rest, ":")
		if !ok {
			return fail("expected HOST:PORT:ADDR:PORT")
		}
		fields[i], rest = f, r
	}
	if rest != "" {
		return fail("expected HOST:PORT:ADDR:PORT")
	}
	var c ConnectTo
	for i, h := range []*string{&c.Host, &c.ToHost} {
		host := fields[2*i]
		if host != "" && !strings.Contains(host, ":") {
			if reason := checkHostname(host); reason != "" {
				return fail(reason)
			}
		}
		*h = strings.ToLower(host)
	}
	for i, p := range []*int{&c.Port, &c.ToPort} {
		if text := fields[2*i+1]; text != "" {
			port, reason := parsePort(text)
			if reason != "" {
				return fail(reason)
			}
			*p = port
		}
	}
	return c, nil
}

// Apply returns where a connection for host:port goes under the first rule that matches.
func Apply(rules []ConnectTo, host string, port int) (string, int) {
	for _, r := range rules {
		if (r.Host == "" || strings.EqualFold(r.Host, host)) && (r.Port == 0 || r.Port == port) {
			if r.ToHost != "" {
				host = r.ToHost
			}
			if r.ToPort != 0 {
				port = r.ToPort
			}
			return host, port
		}
	}
	return host, port
}

// Proxy is an HTTP proxy: http targets are requested from it in absolute form, https targets
// are tunnelled through it with CONNECT.
type Proxy struct {
	Host string
	Port int
	// Authorization is the Proxy-Authorization value from the URL's user info ("" for none).
	Authorization string
	// Display is the proxy's URL for messages, without its password.
	Display string
}

// ParseProxy reads a proxy URL as Go programs take HTTP_PROXY: "http://[user:password@]host[:port]",
// the scheme optional and the port 80 unless given. Its errors never repeat the URL (it may hold
// a password): show it with RedactUserinfo.
func ParseProxy(raw string) (*Proxy, error) {
	fail := func(reason string) (*Proxy, error) {
		return nil, errors.New(reason)
	}
	if raw == "" {
		return fail("empty")
	}
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return fail("not a URL")
	}
	if u.Scheme != "http" {
		return fail("only http:// proxies are supported")
	}
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.Fragment != "" {
		return fail("a proxy URL has no path or query")
	}
	// The host part goes through the same checks as a target's.
	t, err := Parse("http://" + u.Host + "/")
	if err != nil {
		return fail(err.(*Error).Reason) //nolint:errorlint // Parse returns only *Error
	}
	p := &Proxy{Host: t.Host, Port: t.Port, Display: "http://" + u.Host}
	if u.User != nil {
		pass, _ := u.User.Password()
		p.Authorization = "Basic " + base64.StdEncoding.EncodeToString([]byte(u.User.Username()+":"+pass))
	}
	return p, nil
}

// RedactUserinfo hides a password in a URL that is being reported.
func RedactUserinfo(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		scheme, rest = "", raw
	} else {
		scheme += "://"
	}
	if at := strings.LastIndexByte(rest, '@'); at >= 0 && !strings.ContainsAny(rest[:at], "/?#") {
		return scheme + "***@" + rest[at+1:]
	}
	return raw
}

// ProxyFromEnvironment returns the proxy URL that Go's net/http/httpproxy would use for a
// target of this scheme, host and port, given the environment (getenv): HTTPS_PROXY for https,
// HTTP_PROXY for http (ignored in a CGI request, where a client can set it), lower-case names
// as fallbacks, never for localhost or a loopback address, and not for hosts that NO_PROXY
// names. "" when none applies.
func ProxyFromEnvironment(getenv func(string) string, scheme, host string, port int) string {
	env := func(name string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return getenv(strings.ToLower(name))
	}
	var proxy string
	switch scheme {
	case "https":
		proxy = env("HTTPS_PROXY")
	case "http":
		if getenv("REQUEST_METHOD") == "" {
			proxy = env("HTTP_PROXY")
		}
	}
	if proxy == "" || !useProxy(env("NO_PROXY"), strings.ToLower(host), port) {
		return ""
	}
	return proxy
}

// useProxy applies NO_PROXY as httpproxy does: entries separated by commas or spaces, "*" for
// every host, an IP address or CIDR range, or a domain name that matches itself and its
// subdomains ("example.com"), or only its subdomains (".example.com", "*.example.com"), each
// with an optional ":port".
func useProxy(noProxy, host string, port int) bool {
	if host == "localhost" {
		return false
	}
	ip, ipErr := netip.ParseAddr(host)
	if ipErr == nil && ip.IsLoopback() {
		return false
	}
	for _, entry := range strings.FieldsFunc(strings.ToLower(noProxy), func(r rune) bool { return r == ',' || r == ' ' }) {
		if entry == "*" {
			return false
		}
		if prefix, err := netip.ParsePrefix(entry); err == nil {
			if ipErr == nil && prefix.Contains(ip.Unmap()) {
				return false
			}
			continue
		}
		name, entryPort := entry, 0
		if h, p, ok := cutPort(entry); ok {
			n, reason := parsePort(p)
			if reason != "" {
				continue
			}
			name, entryPort = h, n
		}
		if entryPort != 0 && entryPort != port {
			continue
		}
		if a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(name, "["), "]")); err == nil {
			if ipErr == nil && a.Unmap() == ip.Unmap() {
				return false
			}
			continue
		}
		name = strings.TrimPrefix(name, "*")
		if strings.HasPrefix(name, ".") {
			if strings.HasSuffix(host, name) {
				return false
			}
			continue
		}
		if host == name || strings.HasSuffix(host, "."+name) {
			return false
		}
	}
	return true
}

// cutPort splits "host:port" or "[v6]:port"; a bare or bracketed IPv6 address has no port.
func cutPort(s string) (host, port string, ok bool) {
	if rest, found := strings.CutPrefix(s, "["); found {
		addr, after, _ := strings.Cut(rest, "]")
		port, ok = strings.CutPrefix(after, ":")
		return addr, port, ok
	}
	i := strings.LastIndexByte(s, ':')
	if i < 0 || strings.Count(s, ":") > 1 {
		return s, "", false
	}
	return s[:i], s[i+1:], true
}

// HostPort joins a host and a port for an authority or a message: IPv6 in brackets.
func HostPort(host string, port int) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]:" + strconv.Itoa(port)
	}
	return host + ":" + strconv.Itoa(port)
}
