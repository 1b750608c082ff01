package target

import (
	"errors"
	"net/netip"
	"strconv"
	"strings"
)

// parseIPv6Literal parses what is between the brackets: an IPv6 address,
// optionally with an RFC 6874 zone ("fe80::1%25eth0"). It returns the
// address (with zone) and the address as typed without the zone.
func parseIPv6Literal(lit string) (netip.Addr, string, string) {
	typed, zone, hasZone := strings.Cut(lit, "%")
	if hasZone {
		// RFC 6874: the "%" that introduces the zone is itself encoded as %25.
		var ok bool
		if zone, ok = strings.CutPrefix(zone, "25"); !ok {
			return netip.Addr{}, "", "IPv6 zone must be written as %25zone, as in [fe80::1%25eth0]"
		}
		if !validZone(zone) {
			return netip.Addr{}, "", "invalid IPv6 zone " + Quote(zone)
		}
	}
	addr, err := netip.ParseAddr(typed)
	if err != nil || !addr.Is6() || addr.Zone() != "" {
		return netip.Addr{}, "", Quote(typed) + " is not a valid IPv6 address"
	}
	if hasZone {
		addr = addr.WithZone(zone)
	}
	return addr, typed, ""
}

// validZone accepts interface names and indexes: unreserved characters only,
// so nothing in the zone needs decoding or can confuse later parsing.
func validZone(z string) bool {
	if z == "" || len(z) > 64 {
		return false
	}
	for i := 0; i < len(z); i++ {
		c := z[i]
		if !isAlnum(c) && c != '-' && c != '.' && c != '_' && c != '~' {
			return false
		}
	}
	return true
}

// CheckHost reports why host, a name or a dotted-quad IPv4 address as a URL would hold it, is
// not valid, or nil.
func CheckHost(host string) error {
	if reason := checkHostname(host); reason != "" {
		return errors.New(reason)
	}
	return nil
}

// checkHostname accepts a dotted-quad IPv4 address or a DNS name (letters,
// digits, '-', '_' and '.', one trailing dot allowed), and returns why
// anything else is rejected.
func checkHostname(host string) string {
	if host == "" {
		return "missing host"
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		switch {
		case c >= 0x80:
			return "non-ASCII byte in host (use the xn-- form of an international host name)"
		case !isAlnum(c) && c != '-' && c != '.' && c != '_':
			return "invalid character " + strconv.QuoteRune(rune(c)) + " in host"
		}
	}
	if addr, err := netip.ParseAddr(host); err == nil && addr.Is4() {
		return ""
	}
	name := strings.TrimSuffix(host, ".")
	if len(name) > 253 {
		return "host name longer than 253 bytes"
	}
	labels := strings.Split(name, ".")
	for _, label := range labels {
		switch {
		case label == "":
			return "empty label in host " + Quote(host)
		case len(label) > 63:
			return "host label longer than 63 bytes"
		case label[0] == '-' || label[len(label)-1] == '-':
			return "host label " + Quote(label) + " starts or ends with '-'"
		}
	}
	// A name ending in a number is an IPv4 address in some notation
	// ("127.1", "0x7f.1", "010.0.0.1"); resolvers disagree on what those
	// mean, so only the dotted-quad form is accepted.
	if last := labels[len(labels)-1]; allDigits(last) || isHexNumber(last) {
		return Quote(host) + " is not a valid IPv4 address"
	}
	return ""
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// isHexNumber reports whether s is "0x" followed by hex digits, a number to
// inet_aton.
func isHexNumber(s string) bool {
	if len(s) < 2 || s[0] != '0' || s[1] != 'x' && s[1] != 'X' {
		return false
	}
	for i := 2; i < len(s); i++ {
		if c := s[i] | 0x20; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
