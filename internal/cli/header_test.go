package cli

import (
	"strings"
	"testing"
)

func TestParseHeader(t *testing.T) {
	good := []struct {
		in   string
		want Header
	}{
		{"Name: value", Header{"Name", "value"}},
		{"X:1", Header{"X", "1"}},
		{"X:  padded \t", Header{"X", "padded"}},
		{"X:", Header{"X", ""}},
		{"X: a: b", Header{"X", "a: b"}},
		{"X: a\tb", Header{"X", "a\tb"}},
		{"X: a, b", Header{"X", "a, b"}},
		{"Host: example.com:8080", Header{"Host", "example.com:8080"}},
		{"host:[::1]:80", Header{"host", "[::1]:80"}},
		{"Host: local_host.", Header{"Host", "local_host."}},
		{"!#$%&'*+-.^_`|~09az: v", Header{"!#$%&'*+-.^_`|~09az", "v"}},
		{"X: caf\xc3\xa9 \xff", Header{"X", "caf\xc3\xa9 \xff"}}, // obs-text is allowed
	}
	for _, tt := range good {
		got, err := parseHeader(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("parseHeader(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
	bad := []struct{ in, msg string }{
		{"NoColon", `missing ':'`},
		{"", `missing ':'`},
		{": v", "empty header name"},
		{"Bad Name: v", `invalid character ' ' in header name`},
		{"Name : v", `invalid character ' ' in header name`},
		{" Name: v", `invalid character ' '`},
		{"X(y): v", `invalid character '('`},
		{"X\r\nY: v", `invalid character '\r'`},
		{"X\x00: v", `invalid character '\x00'`},
		{"caf\xc3\xa9: v", `invalid character '\xc3'`},
		{"X: a\r\nY: b", `control character '\r' in header value`},
		{"X: a\nb", `control character '\n'`},
		{"X: a\x00b", `control character '\x00'`},
		{"X: a\x1bb", `control character '\x1b'`},
		{"X: a\x7fb", `control character '\x7f'`},
		{"X: " + strings.Repeat("a", MaxHeaderLine), "longer than 8 KiB"},
		{"Transfer-Encoding: chunked", "Transfer-Encoding is not supported"},
		{"transfer-encoding:identity", "Transfer-Encoding is not supported"},
		{"Host:", "the Host must be host[:port]: missing host"},
		{"Host: a b", "the Host must be host[:port]: invalid character ' '"},
		{"host: u@h", "user info"},
		{"Host: h:0", "out of range"},
		{"Host: h:x", "not a number"},
		{"Host: [::1", "missing ]"},
		{"Host: ::1", "IPv6 addresses must be in brackets"},
		{"Host: 127.1", "not a valid IPv4 address"},
		{"Host: h/p", "invalid character '/'"},
		{"Host: b\xc3\xbccher.de", "non-ASCII byte in host (use the xn-- form"},
	}
	for _, tt := range bad {
		got, err := parseHeader(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("parseHeader(%q) = %+v, %v; want error %q", tt.in, got, err, tt.msg)
		}
	}
	if _, err := parseHeader("X: " + strings.Repeat("a", MaxHeaderLine-3)); err != nil {
		t.Errorf("header of exactly %d bytes: %v", MaxHeaderLine, err)
	}
}
