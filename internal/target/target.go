// Package target parses and validates the benchmark URL and resolves its
// addresses. A Target is only ever produced by Parse, so everything inside
// it is safe to put on the wire and on a terminal as it is.
package target

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Target is a validated http or https URL.
type Target struct {
	Scheme     string // "http" | "https"
	Host       string // hostname or IP literal, without brackets (an IPv6 zone as "%zone")
	Port       int    // explicit or default (80/443)
	PortGiven  bool
	HostHeader string // wrk's default Host: host, IPv6 in brackets, ":port" only when the URL had a port
	RequestURI string // path + "?" + query exactly as typed (default "/"); never the fragment
	Raw        string // the URL as given (for the banner)
}

// MaxURLLen bounds the URL; common servers reject longer request lines anyway.
const MaxURLLen = 8192

// Error is a rejected URL. Its message is one line; the URL is escaped and bounded.
type Error struct {
	URL    string
	Reason string
}

func (e *Error) Error() string {
	return "invalid URL " + Quote(e.URL) + ": " + e.Reason
}

// Parse validates raw and splits it into a Target.
func Parse(raw string) (*Target, error) {
	fail := func(format string, a ...any) (*Target, error) {
		return nil, &Error{URL: raw, Reason: fmt.Sprintf(format, a...)}
	}
	if raw == "" {
		return fail("empty")
	}
	if len(raw) > MaxURLLen {
		return fail("longer than %d bytes", MaxURLLen)
	}
	// Only visible ASCII can go into a request line unchanged, and it also
	// keeps Raw safe to print. The message says how to fix the URL.
	for i := 0; i < len(raw); i++ {
		switch b := raw[i]; {
		case b == ' ':
			return fail("space at byte %d (write it as %%20)", i)
		case b < 0x20 || b == 0x7f:
			return fail("control byte 0x%02x at byte %d", b, i)
		case b >= 0x80:
			return fail("non-ASCII byte at byte %d (percent-encode it; use the xn-- form of an international host name)", i)
		}
	}

	sep := strings.Index(raw, "://")
	if sep <= 0 {
		return fail("missing scheme (the URL must start with http:// or https://)")
	}
	t := &Target{Raw: raw, Scheme: strings.ToLower(raw[:sep])}
	switch t.Scheme {
	case "http":
		t.Port = 80
	case "https":
		t.Port = 443
	default:
		return fail("scheme must be http or https")
	}

	rest := raw[sep+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	if strings.IndexByte(authority, '@') >= 0 {
		return fail("user info (user:password@) is not supported; send an Authorization header instead")
	}
	if reason := t.setAuthority(authority); reason != "" {
		return fail("%s", reason)
	}

	if i := strings.IndexByte(tail, '#'); i >= 0 {
		tail = tail[:i]
	}
	switch {
	case tail == "":
		t.RequestURI = "/"
	case tail[0] == '?':
		t.RequestURI = "/" + tail
	default:
		t.RequestURI = tail
	}
	return t, nil
}

// CheckAuthority reports why s, a Host header's value, is not "host[:port]" as a URL's authority
// would hold it (a name, a dotted-quad IPv4 address or a bracketed IPv6 one), or nil. The TLS
// server name comes from it, and a server must refuse a request whose Host is invalid.
func CheckAuthority(s string) error {
	if strings.IndexByte(s, '@') >= 0 {
		return errors.New("user info (user@) does not belong in a host")
	}
	var t Target
	if reason := t.setAuthority(s); reason != "" {
		return errors.New(reason)
	}
	return nil
}

// setAuthority fills Host, Port, PortGiven and HostHeader from "host[:port]"
// and returns why it is invalid, or "".
func (t *Target) setAuthority(authority string) string {
	if authority == "" {
		return "missing host"
	}
	var hostHeader, portText string
	var hasPort bool
	if authority[0] == '[' {
		end := strings.IndexByte(authority, ']')
		if end < 0 {
			return "missing ] after IPv6 address"
		}
		after := authority[end+1:]
		if after != "" && after[0] != ':' {
			return "unexpected " + Quote(after) + " after IPv6 address"
		}
		addr, typed, reason := parseIPv6Literal(authority[1:end])
		if reason != "" {
			return reason
		}
		t.Host = addr.String()
		// The zone names an interface on this machine; the server must not see it.
		hostHeader = "[" + typed + "]"
		portText, hasPort = strings.CutPrefix(after, ":")
	} else {
		host, port, found := strings.Cut(authority, ":")
		if found && strings.IndexByte(port, ':') >= 0 {
			if _, err := netip.ParseAddr(authority); err == nil {
				return "IPv6 addresses must be in brackets, as in http://[" + authority + "]:8080/"
			}
		}
		if reason := checkHostname(host); reason != "" {
			return reason
		}
		t.Host, hostHeader = host, host
		portText, hasPort = port, found
	}

	if hasPort {
		port, reason := parsePort(portText)
		if reason != "" {
			return reason
		}
		t.Port, t.PortGiven = port, true
		hostHeader += ":" + strconv.Itoa(port)
	}
	t.HostHeader = hostHeader
	return ""
}

// parsePort accepts decimal digits only, 1..65535.
func parsePort(s string) (int, string) {
	if s == "" {
		return 0, "empty port"
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, "port " + Quote(s) + " is not a number"
		}
	}
	digits := strings.TrimLeft(s, "0")
	if len(digits) > 5 {
		return 0, "port " + Quote(s) + " is out of range (1-65535)"
	}
	n, _ := strconv.Atoi(digits) // "" (all zeros) is 0, rejected below
	if n < 1 || n > 65535 {
		return 0, "port " + Quote(s) + " is out of range (1-65535)"
	}
	return n, ""
}

// Quote escapes s as strconv.Quote does, for a one-line message, and
// bounds it: at most 64 characters between the quotes, then "...".
func Quote(s string) string {
	const limit = 64
	var b strings.Builder
	b.WriteByte('"')
	n := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		var esc string
		if r == utf8.RuneError && size == 1 {
			esc = fmt.Sprintf(`\x%02x`, s[i])
		} else {
			q := strconv.Quote(s[i : i+size])
			esc = q[1 : len(q)-1]
		}
		if n+len(esc) > limit {
			b.WriteString(`"...`)
			return b.String()
		}
		b.WriteString(esc)
		n += len(esc)
		i += size
	}
	b.WriteByte('"')
	return b.String()
}
