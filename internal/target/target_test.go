package target

import (
	"strings"
	"testing"
)

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		raw  string
		want Target
	}{
		{"http://localhost/", Target{Scheme: "http", Host: "localhost", Port: 80, HostHeader: "localhost", RequestURI: "/"}},
		{"http://localhost", Target{Scheme: "http", Host: "localhost", Port: 80, HostHeader: "localhost", RequestURI: "/"}},
		{"https://example.com", Target{Scheme: "https", Host: "example.com", Port: 443, HostHeader: "example.com", RequestURI: "/"}},
		{"HTTP://Example.COM:8080/a", Target{Scheme: "http", Host: "Example.COM", Port: 8080, PortGiven: true, HostHeader: "Example.COM:8080", RequestURI: "/a"}},
		{"https://h:443/", Target{Scheme: "https", Host: "h", Port: 443, PortGiven: true, HostHeader: "h:443", RequestURI: "/"}},
		{"http://h:080/", Target{Scheme: "http", Host: "h", Port: 80, PortGiven: true, HostHeader: "h:80", RequestURI: "/"}},
		{"http://h:1/", Target{Scheme: "http", Host: "h", Port: 1, PortGiven: true, HostHeader: "h:1", RequestURI: "/"}},
		{"http://h:65535/", Target{Scheme: "http", Host: "h", Port: 65535, PortGiven: true, HostHeader: "h:65535", RequestURI: "/"}},
		{"http://127.0.0.1:8080/x", Target{Scheme: "http", Host: "127.0.0.1", Port: 8080, PortGiven: true, HostHeader: "127.0.0.1:8080", RequestURI: "/x"}},
		{"http://[::1]:8080/", Target{Scheme: "http", Host: "::1", Port: 8080, PortGiven: true, HostHeader: "[::1]:8080", RequestURI: "/"}},
		{"http://[::1]", Target{Scheme: "http", Host: "::1", Port: 80, HostHeader: "[::1]", RequestURI: "/"}},
		{"http://[0:0::1]/", Target{Scheme: "http", Host: "::1", Port: 80, HostHeader: "[0:0::1]", RequestURI: "/"}},
		{"http://[fe80::1%25eth0]:81/", Target{Scheme: "http", Host: "fe80::1%eth0", Port: 81, PortGiven: true, HostHeader: "[fe80::1]:81", RequestURI: "/"}},
		{"http://h/a%20b?q=%2F&x=1", Target{Scheme: "http", Host: "h", Port: 80, HostHeader: "h", RequestURI: "/a%20b?q=%2F&x=1"}},
		{"http://h?q=1", Target{Scheme: "http", Host: "h", Port: 80, HostHeader: "h", RequestURI: "/?q=1"}},
		{"http://h/?", Target{Scheme: "http", Host: "h", Port: 80, HostHeader: "h", RequestURI: "/?"}},
		{"http://h/p?q#frag", Target{Scheme: "http", Host: "h", Port: 80, HostHeader: "h", RequestURI: "/p?q"}},
		{"http://h#frag", Target{Scheme: "http", Host: "h", Port: 80, HostHeader: "h", RequestURI: "/"}},
		{"http://h:81#f", Target{Scheme: "http", Host: "h", Port: 81, PortGiven: true, HostHeader: "h:81", RequestURI: "/"}},
		{"http://h//double/./dot/../", Target{Scheme: "http", Host: "h", Port: 80, HostHeader: "h", RequestURI: "//double/./dot/../"}},
		{"http://a-b.c_d.example./", Target{Scheme: "http", Host: "a-b.c_d.example.", Port: 80, HostHeader: "a-b.c_d.example.", RequestURI: "/"}},
		{"http://h/%zz", Target{Scheme: "http", Host: "h", Port: 80, HostHeader: "h", RequestURI: "/%zz"}},
	}
	for _, tt := range tests {
		got, err := Parse(tt.raw)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.raw, err)
			continue
		}
		tt.want.Raw = tt.raw
		if *got != tt.want {
			t.Errorf("Parse(%q) =\n %+v\nwant\n %+v", tt.raw, *got, tt.want)
		}
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct{ raw, msg string }{
		{"", `invalid URL "": empty`},
		{"ftp://x", `invalid URL "ftp://x": scheme must be http or https`},
		{"ws://x/", "scheme must be http or https"},
		{"localhost:8080", "missing scheme"},
		{"//x/", "missing scheme"},
		{"://x/", "missing scheme"},
		{"http:/x", "missing scheme"},
		{"http://", "missing host"},
		{"http:///p", "missing host"},
		{"http://:80/", "missing host"},
		{"http://user@h/", "user info"},
		{"http://user:pw@h/", "user info"},
		{"http://h:0/", `port "0" is out of range`},
		{"http://h:00000/", "out of range"},
		{"http://h:65536/", `port "65536" is out of range`},
		{"http://h:99999999999999999999/", "out of range"},
		{"http://h:-1/", "not a number"},
		{"http://h:+80/", "not a number"},
		{"http://h:8o/", `port "8o" is not a number`},
		{"http://h:/", "empty port"},
		{"http://h:80:90/", "not a number"},
		{"http://::1/", "must be in brackets"},
		{"http://::1:8080/", "must be in brackets"},
		{"http://[::1/", "missing ]"},
		{"http://[::1]x/", "after IPv6"},
		{"http://[127.0.0.1]/", "not a valid IPv6"},
		{"http://[h]/", "not a valid IPv6"},
		{"http://[]/", "not a valid IPv6"},
		{"http://[fe80::1%eth0]/", "%25zone"},
		{"http://[fe80::1%25]/", "invalid IPv6 zone"},
		{"http://[fe80::1%25a%2fb]/", "invalid IPv6 zone"},
		{"http://a b/", "space at byte 8"},
		{"http://h/a b", "space at byte 10"},
		{"http://h/\x00", "control byte 0x00"},
		{"http://h/\r\nX: y", "control byte 0x0d"},
		{"http://h/\t", "control byte 0x09"},
		{"http://h/\x7f", "control byte 0x7f"},
		{"http://h/#\x01", "control byte 0x01"},
		{"http://h/caf\xc3\xa9", "non-ASCII"},
		{"http://bücher.de/", "non-ASCII"},
		{"http://h!/", `invalid character '!' in host`},
		{"http://h%41/", `invalid character '%'`},
		{"http://a..b/", "empty label"},
		{"http://.a/", "empty label"},
		{"http://a../", "empty label"},
		{"http://-a.b/", "starts or ends with '-'"},
		{"http://a-.b/", "starts or ends with '-'"},
		{"http://127.1/", `"127.1" is not a valid IPv4 address`},
		{"http://127.0.0.01/", "not a valid IPv4"},
		{"http://1.2.3.4.5/", "not a valid IPv4"},
		{"http://2130706433/", "not a valid IPv4"},
		{"http://0x7f/", "not a valid IPv4"},
		{"http://a.0x7F/", "not a valid IPv4"},
		{"http://" + strings.Repeat("a", 64) + ".com/", "longer than 63"},
		{"http://" + strings.Repeat("a.", 127) + "ab/", "longer than 253"},
		{"http://h/" + strings.Repeat("a", MaxURLLen), "longer than 8192 bytes"},
	}
	for _, tt := range tests {
		got, err := Parse(tt.raw)
		if err == nil {
			t.Errorf("Parse(%q) = %+v, want error containing %q", tt.raw, *got, tt.msg)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tt.msg) {
			t.Errorf("Parse(%q) error %q, want it to contain %q", tt.raw, msg, tt.msg)
		}
		checkMessage(t, tt.raw, msg)
	}
}

// checkMessage asserts the error message contract: one line, printable
// ASCII only, the input bounded.
func checkMessage(t *testing.T, raw, msg string) {
	t.Helper()
	if !strings.HasPrefix(msg, "invalid URL \"") {
		t.Errorf("Parse(%q) error %q does not start with invalid URL", raw, msg)
	}
	if len(msg) > 400 {
		t.Errorf("Parse(%q) error is %d bytes long", raw, len(msg))
	}
	for i := 0; i < len(msg); i++ {
		if msg[i] < 0x20 || msg[i] == 0x7f {
			t.Errorf("Parse(%q) error %q has control byte at %d", raw, msg, i)
			break
		}
	}
}

func TestHostLengthLimits(t *testing.T) {
	label63 := strings.Repeat("a", 63)
	name253 := strings.Repeat("a.", 126) + "a" // 253 bytes
	for _, host := range []string{label63 + ".com", name253, name253 + "."} {
		if _, err := Parse("http://" + host + "/"); err != nil {
			t.Errorf("host of %d bytes: %v", len(host), err)
		}
	}
	if _, err := Parse("http://h/" + strings.Repeat("a", MaxURLLen-len("http://h/"))); err != nil {
		t.Errorf("URL of exactly %d bytes: %v", MaxURLLen, err)
	}
}

func TestQuoteBounds(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{"a\nb\"", `"a\nb\""`},
		{"caf\xc3\xa9", `"café"`},
		{"\xff\x00\u202e", `"\xff\x00\u202e"`},
		{strings.Repeat("a", 64), `"` + strings.Repeat("a", 64) + `"`},
		{strings.Repeat("a", 65), `"` + strings.Repeat("a", 64) + `"...`},
		{strings.Repeat("é", 40), `"` + strings.Repeat("é", 32) + `"...`}, // 2 bytes each
		{strings.Repeat("\x88", 40), `"` + strings.Repeat(`\x88`, 16) + `"...`},
		{"a" + strings.Repeat("\n", 40), `"a` + strings.Repeat(`\n`, 31) + `"...`},
	}
	for _, tt := range tests {
		if got := Quote(tt.in); got != tt.want {
			t.Errorf("Quote(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestRequestURIAsTyped(t *testing.T) {
	// RequestURI is what the request line will carry; it must equal the
	// typed text byte for byte (no re-encoding, no normalisation).
	raw := "http://h/%7e/%7E/~/?a=%20+b&c"
	tg, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if tg.RequestURI != "/%7e/%7E/~/?a=%20+b&c" {
		t.Errorf("RequestURI = %q", tg.RequestURI)
	}
}
