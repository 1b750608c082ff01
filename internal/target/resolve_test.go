package target

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func mustParse(t *testing.T, raw string) *Target {
	t.Helper()
	tg, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// fakeLookup replaces the resolver for one test.
func fakeLookup(t *testing.T, fn func(ctx context.Context, network, host string) ([]netip.Addr, error)) {
	t.Helper()
	saved := lookupNetIP
	lookupNetIP = fn
	t.Cleanup(func() { lookupNetIP = saved })
}

func TestResolveLiteralsWithoutDNS(t *testing.T) {
	fakeLookup(t, func(context.Context, string, string) ([]netip.Addr, error) {
		t.Error("resolver called for an IP literal")
		return nil, errors.New("unexpected")
	})
	tests := []struct{ raw, want string }{
		{"http://127.0.0.1:8080/", "127.0.0.1:8080"},
		{"https://127.0.0.1/", "127.0.0.1:443"},
		{"http://[::1]/", "[::1]:80"},
		{"http://[fe80::1%25lo]:9/", "[fe80::1%lo]:9"},
	}
	for _, tt := range tests {
		got, err := mustParse(t, tt.raw).Resolve(context.Background())
		if err != nil || len(got) != 1 || got[0].String() != tt.want {
			t.Errorf("Resolve(%s) = %v, %v; want [%s]", tt.raw, got, err, tt.want)
		}
	}
}

func TestResolveNames(t *testing.T) {
	fakeLookup(t, func(_ context.Context, network, host string) ([]netip.Addr, error) {
		if network != "ip" || host != "svc.test" {
			t.Errorf("lookup(%q, %q)", network, host)
		}
		return []netip.Addr{
			netip.MustParseAddr("::ffff:10.0.0.1"),
			netip.MustParseAddr("10.0.0.1"),
			netip.MustParseAddr("2001:db8::1"),
		}, nil
	})
	got, err := mustParse(t, "http://svc.test:81/").Resolve(context.Background())
	want := []netip.AddrPort{
		netip.MustParseAddrPort("10.0.0.1:81"),
		netip.MustParseAddrPort("[2001:db8::1]:81"),
	}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("Resolve = %v, %v; want %v", got, err, want)
	}
}

func TestResolveErrors(t *testing.T) {
	fakeLookup(t, func(_ context.Context, _, host string) ([]netip.Addr, error) {
		switch host {
		case "missing.test":
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		case "empty.test":
			return nil, nil
		}
		return nil, errors.New("server misbehaving\nsecond line")
	})
	tests := []struct{ raw, want string }{
		{"http://missing.test/", `cannot resolve "missing.test": no such host`},
		{"http://empty.test/", `cannot resolve "empty.test": no addresses`},
		{"http://other.test/", `cannot resolve "other.test": server misbehaving second line`},
	}
	for _, tt := range tests {
		_, err := mustParse(t, tt.raw).Resolve(context.Background())
		if err == nil || err.Error() != tt.want {
			t.Errorf("Resolve(%s) error = %v, want %q", tt.raw, err, tt.want)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := mustParse(t, "http://other.test/").Resolve(ctx)
	if err == nil || !strings.HasSuffix(err.Error(), "context canceled") {
		t.Errorf("cancelled Resolve error = %v", err)
	}
}

// TestResolveLocalhost uses the real resolver: localhost comes from the
// hosts file and is always loopback.
func TestResolveLocalhost(t *testing.T) {
	got, err := mustParse(t, "http://localhost:8080/").Resolve(context.Background())
	if err != nil {
		t.Skipf("this machine cannot resolve localhost: %v", err)
	}
	for _, ap := range got {
		if !ap.Addr().IsLoopback() || ap.Port() != 8080 || ap.Addr().Is4In6() {
			t.Errorf("localhost resolved to %v", ap)
		}
	}
}

func TestServerName(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"https://example.com/", "example.com"},
		{"https://example.com./", "example.com"},
		{"https://Example.COM:8443/", "Example.COM"},
		{"https://127.0.0.1/", "127.0.0.1"},
		{"https://[::1]/", "::1"},
		{"https://[fe80::1%25eth0]/", "fe80::1"},
	}
	for _, tt := range tests {
		if got := mustParse(t, tt.raw).ServerName(); got != tt.want {
			t.Errorf("ServerName(%s) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}
