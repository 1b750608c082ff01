package target

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
)

// lookupNetIP is the resolver; tests replace it so they never query DNS.
var lookupNetIP = net.DefaultResolver.LookupNetIP

// Resolve returns every address of the target, in the resolver's order of
// preference, without duplicates. IP literals are returned without a lookup.
func (t *Target) Resolve(ctx context.Context) ([]netip.AddrPort, error) {
	port := uint16(t.Port) //nolint:gosec // G115: Parse, which makes every Target, keeps Port in 1..65535
	if addr, err := netip.ParseAddr(t.Host); err == nil {
		return []netip.AddrPort{netip.AddrPortFrom(addr, port)}, nil
	}
	addrs, err := LookupName(ctx, t.Host)
	if err != nil {
		return nil, err
	}
	out := make([]netip.AddrPort, len(addrs))
	for i, a := range addrs {
		out[i] = netip.AddrPortFrom(a, port)
	}
	return out, nil
}

// LookupName asks the resolver for the addresses of the host name host, in its order of
// preference, without duplicates; an error says why, on one line. It is the only way volley
// resolves names: callers decide whether a name may be resolved at all.
func LookupName(ctx context.Context, host string) ([]netip.Addr, error) {
	addrs, err := lookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, fmt.Errorf("cannot resolve %s: %s", Quote(host), lookupReason(ctx, err))
	}
	out := make([]netip.Addr, 0, len(addrs))
	for _, a := range addrs {
		a = a.Unmap() // an IPv4 address must be dialled as IPv4
		if a.IsValid() && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("cannot resolve %s: no addresses", Quote(host))
	}
	return out, nil
}

// lookupReason reduces a resolver error to the part a user can act on,
// on one line.
func lookupReason(ctx context.Context, err error) string {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr.Error()
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.Err != "" {
		return oneLine(dnsErr.Err)
	}
	return oneLine(err.Error())
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// ServerName is the name for TLS: SNI and certificate verification. It is
// the host without an IPv6 zone or a trailing dot; crypto/tls sends no SNI
// for an IP address and verifies it against the certificate's IP SANs.
func (t *Target) ServerName() string {
	if addr, err := netip.ParseAddr(t.Host); err == nil {
		return addr.WithZone("").String()
	}
	return strings.TrimSuffix(t.Host, ".")
}
