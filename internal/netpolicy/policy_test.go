package netpolicy

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"volley/internal/target"
)

func TestParseGrant(t *testing.T) {
	cases := []struct {
		in, want string // want: the grant as String prints it, or "error: …"
	}{
		{"example.org", "example.org"},
		{"Example.ORG.", "example.org"},
		{"example.org:8080", "example.org:8080"},
		{"127.0.0.2", "127.0.0.2"},
		{"127.0.0.2:9999", "127.0.0.2:9999"},
		{"::1", "::1"},
		{"[::1]", "::1"},
		{"[::1]:80", "[::1]:80"},
		{"::ffff:10.0.0.1", "10.0.0.1"},
		{"", "error: missing host"},
		{"a b", "error: invalid character"},
		{"example.org:0", "error: port must be"},
		{"example.org:65536", "error: port must be"},
		{"example.org:+80", "error: port must be"},
		{"example.org:http", "error: port must be"},
		{"[::1", "error: missing ']'"},
		{"[::1]80", "error: expected ':PORT'"},
		{"[127.0.0.1]:80", `error: "127.0.0.1" is not an IPv6 address`},
		{"127.1", `error: "127.1" is not a valid IPv4 address`},
	}
	for _, c := range cases {
		g, err := ParseGrant(c.in)
		got := g.String()
		if err != nil {
			got = "error: " + err.Error()
		}
		if !strings.HasPrefix(got, c.want) {
			t.Errorf("ParseGrant(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func policy(t *testing.T, url string, grants ...string) *Policy {
	t.Helper()
	tg, err := target.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	var gs []Grant
	for _, s := range grants {
		g, err := ParseGrant(s)
		if err != nil {
			t.Fatal(err)
		}
		gs = append(gs, g)
	}
	return New(tg, gs)
}

// What a script may look up and reach: the target, and what a grant covers. Names are
// resolved only for "localhost" (from /etc/hosts), never through DNS, in this test.
func TestLookupAndCheck(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name   string
		grants []string
		host   string
		port   uint16
		want   string // the first address looked up, or the error; "" when the lookup is denied and check then is skipped
		check  string // "ok" or the error of Check on the first address
	}{
		{"target literal", nil, "127.0.0.1", 8080, "127.0.0.1:8080", "ok"},
		{"target literal in brackets", nil, "[127.0.0.1]", 8080, "127.0.0.1:8080", "ok"},
		{"target, another port", nil, "127.0.0.1", 11211, "127.0.0.1:11211",
			"127.0.0.1:11211 is not the target (127.0.0.1:8080); grant it with --allow-net 127.0.0.1:11211"},
		{"other literal", nil, "127.0.0.2", 9999, `"127.0.0.2" is not the target (127.0.0.1:8080); grant it with --allow-net 127.0.0.2`, ""},
		{"other name", nil, "example.org", 80, `"example.org" is not the target (127.0.0.1:8080); grant it with --allow-net example.org`, ""},
		{"not a host name", nil, "a b\x1b[2J", 80, `"a b\x1b[2J" is not a host name: invalid character ' ' in host`, ""},
		{"granted literal", []string{"127.0.0.2"}, "127.0.0.2", 9999, "127.0.0.2:9999", "ok"},
		{"granted literal and port", []string{"127.0.0.2:9999"}, "127.0.0.2", 9999, "127.0.0.2:9999", "ok"},
		{"granted literal, another port", []string{"127.0.0.2:9999"}, "127.0.0.2", 22, "127.0.0.2:22",
			"127.0.0.2:22 is not the target (127.0.0.1:8080); grant it with --allow-net 127.0.0.2:22"},
		{"granted name", []string{"localhost:81"}, "LOCALHOST.", 81, "", "ok"},
		{"granted name, another port", []string{"localhost:81"}, "localhost", 82, "", "is not the target"},
		{"IPv6 grant", []string{"[::1]:80"}, "::1", 80, "[::1]:80", "ok"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := policy(t, "http://127.0.0.1:8080/", c.grants...)
			addrs, err := p.Lookup(ctx, c.host, c.port)
			if err != nil {
				if c.check != "" || err.Error() != c.want {
					t.Fatalf("Lookup = %v, want %q", err, c.want)
				}
				var d *Denied
				if !errors.As(err, &d) && !strings.Contains(err.Error(), "not a host name") {
					t.Errorf("error %T is not a *Denied", err)
				}
				return
			}
			if c.check == "" {
				t.Fatalf("Lookup = %v, want the error %q", addrs, c.want)
			}
			if c.want != "" && addrs[0].String() != c.want {
				t.Errorf("Lookup = %v, want %s first", addrs, c.want)
			}
			err = p.Check(ctx, addrs[0])
			if got := "ok"; err != nil {
				got = err.Error()
				if !strings.Contains(got, c.check) {
					t.Errorf("Check(%v) = %q, want %q", addrs[0], got, c.check)
				}
			} else if got != c.check {
				t.Errorf("Check(%v) = ok, want %q", addrs[0], c.check)
			}
		})
	}
}

// A nil policy grants nothing; and a grant covers only what it names.
func TestNothingGrantedIsDenied(t *testing.T) {
	ctx := context.Background()
	var p *Policy
	if _, err := p.Lookup(ctx, "127.0.0.1", 80); err == nil || !strings.Contains(err.Error(), "--allow-net 127.0.0.1") {
		t.Errorf("nil policy: Lookup = %v", err)
	}
	if err := p.Check(ctx, netip.MustParseAddrPort("127.0.0.1:80")); err == nil {
		t.Error("nil policy: Check allowed an address")
	}
	if p.IsTarget(netip.MustParseAddrPort("127.0.0.1:80")) {
		t.Error("nil policy: IsTarget")
	}
	q := policy(t, "http://127.0.0.1:8080/", "127.0.0.2:9999")
	for _, a := range []string{"127.0.0.3:9999", "127.0.0.2:9998", "[::1]:8080", "127.0.0.1:8081"} {
		if err := q.Check(ctx, netip.MustParseAddrPort(a)); err == nil {
			t.Errorf("Check(%s) allowed", a)
		}
	}
	if !q.IsTarget(netip.MustParseAddrPort("127.0.0.1:8080")) || q.IsTarget(netip.MustParseAddrPort("127.0.0.2:9999")) {
		t.Error("IsTarget: wrong")
	}
}

// What the run dials is the target: --connect-to's address, or the proxy; the URL host's own
// address is not. Through a Unix socket the target's name has no address.
func TestReaching(t *testing.T) {
	ctx := context.Background()
	tg, err := target.Parse("http://127.0.0.1:8080/")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		dial  Dial
		host  string
		port  uint16
		want  string // the first address looked up, or the error
		check string // "ok" or the error of Check on it
	}{
		{"direct", Dial{}, "127.0.0.1", 8080, "127.0.0.1:8080", "ok"},
		{"--connect-to, the URL's host", Dial{Host: "127.0.0.2", Port: 9000}, "127.0.0.1", 8080, "127.0.0.2:9000", "ok"},
		{"--connect-to, the URL's host written otherwise", Dial{Host: "127.0.0.2", Port: 9000}, "::ffff:127.0.0.1", 8080, "127.0.0.2:9000", "ok"},
		{"--connect-to, the URL's host at another port", Dial{Host: "127.0.0.2", Port: 9000}, "127.0.0.1", 22, "127.0.0.2:22",
			"127.0.0.2:22 is not the target (127.0.0.2:9000 by --connect-to); grant it with --allow-net 127.0.0.2:22"},
		{"--connect-to, the address dialled", Dial{Host: "127.0.0.2", Port: 9000}, "127.0.0.2", 9000, "127.0.0.2:9000", "ok"},
		{"--connect-to to the same host, another port", Dial{Host: "127.0.0.1", Port: 9000}, "127.0.0.1", 8080, "127.0.0.1:9000", "ok"},
		{"proxy", Dial{Host: "127.0.0.3", Port: 3128, Proxy: true}, "127.0.0.1", 8080, "127.0.0.3:3128", "ok"},
		{"proxy, the server's own address", Dial{Host: "127.0.0.3", Port: 3128, Proxy: true}, "127.0.0.2", 8080,
			`"127.0.0.2" is not the target (the proxy 127.0.0.3:3128); grant it with --allow-net 127.0.0.2`, ""},
		{"Unix socket", Dial{Unix: "/run/s\x1b"}, "127.0.0.1", 8080,
			`"127.0.0.1" has no TCP address: the run reaches it through the socket "/run/s\x1b" (--unix-socket); grant its addresses with --allow-net 127.0.0.1`, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := Reaching(tg, c.dial, nil)
			addrs, err := p.Lookup(ctx, c.host, c.port)
			if err != nil {
				var d *Denied
				if c.check != "" || err.Error() != c.want || !errors.As(err, &d) {
					t.Fatalf("Lookup = %v, want %q", err, c.want)
				}
				return
			}
			if c.check == "" || addrs[0].String() != c.want {
				t.Fatalf("Lookup = %v, want %q", addrs, c.want)
			}
			got := "ok"
			if err := p.Check(ctx, addrs[0]); err != nil {
				got = err.Error()
			}
			if got != c.check {
				t.Errorf("Check(%v) = %q, want %q", addrs[0], got, c.check)
			}
			if tgt := netip.MustParseAddrPort("127.0.0.1:8080"); c.dial != (Dial{}) && c.dial.Host != "127.0.0.1" && p.Check(ctx, tgt) == nil {
				t.Errorf("Check(%v) allowed the URL host's own address, which the run does not dial", tgt)
			}
		})
	}
}
