// Package netpolicy is a script's network capability: which names it may have resolved and
// which addresses it may make volley reach. The target is granted as volley dials it: the
// URL's host at the URL's port, or what --connect-to or a proxy sends its connections to
// instead (never the URL host's own addresses, which the run then does not load); anything more
// needs --allow-net HOST[:PORT]. Nothing here sends a DNS query for a name that was not
// granted: what the run dials for the target is resolved once and answered from then on, a
// granted name is resolved when asked for, and any other name is refused before the resolver
// sees it.
package netpolicy

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"

	"volley/internal/target"
)

// Flag is the flag that grants what a Policy refuses.
const Flag = "--allow-net"

// Grant is one --allow-net HOST[:PORT].
type Grant struct {
	Host string     // a host name, lower case without a trailing dot; "" for an IP literal
	Addr netip.Addr // the IP literal, when Host is ""
	Port uint16     // 0: any port
}

// ParseGrant reads HOST, HOST:PORT, an IPv4 or IPv6 literal, or [IPv6]:PORT.
func ParseGrant(s string) (Grant, error) {
	host, portText, hasPort := s, "", false
	switch {
	case strings.HasPrefix(s, "["):
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return Grant{}, fmt.Errorf("missing ']' after the IPv6 address")
		}
		host, portText = s[1:end], s[end+1:]
		if portText != "" {
			if portText, hasPort = strings.CutPrefix(portText, ":"); !hasPort {
				return Grant{}, fmt.Errorf("expected ':PORT' after ']'")
			}
		}
		if a, err := netip.ParseAddr(host); err != nil || !a.Is6() {
			return Grant{}, fmt.Errorf("%s is not an IPv6 address", target.Quote(host))
		}
	case strings.Count(s, ":") == 1:
		host, portText, hasPort = strings.Cut(s, ":")
	}
	var g Grant
	if hasPort {
		p, err := strconv.ParseUint(portText, 10, 16)
		if err != nil || p == 0 || portText[0] == '+' {
			return Grant{}, fmt.Errorf("port must be a number from 1 to 65535")
		}
		g.Port = uint16(p)
	}
	if a, err := netip.ParseAddr(host); err == nil {
		g.Addr = a.Unmap()
		return g, nil
	}
	if err := target.CheckHost(host); err != nil {
		return Grant{}, err
	}
	g.Host = canonical(host)
	return g, nil
}

// String is the grant as the flag takes it.
func (g Grant) String() string {
	host := g.Host
	if host == "" {
		host = g.Addr.String()
	}
	if g.Port == 0 {
		return host
	}
	return net.JoinHostPort(host, strconv.Itoa(int(g.Port)))
}

// allows reports whether g lets a script reach a.
func (g Grant) allows(a netip.AddrPort) bool {
	return g.Addr == a.Addr() && (g.Port == 0 || g.Port == a.Port())
}

// Dial is where the run's connections for the target go when not to the URL's host and port.
// The zero Dial is the target itself.
type Dial struct {
	Host  string // the name or IP literal dialled: a --connect-to address, or the proxy's
	Port  int
	Proxy bool   // Host:Port is the HTTP proxy the target is reached through
	Unix  string // a Unix socket the target is reached through, instead of any TCP address
}

// Policy is what a run's scripts may reach. Its methods may be called from every thread; a
// nil Policy grants nothing.
type Policy struct {
	target *target.Target // the URL's host and port, as scripts name the target
	dial   Dial
	grants []Grant

	mu       sync.Mutex
	resolved []netip.AddrPort // the addresses dialled for the target, once resolved
	named    []Grant          // addresses of granted names, as resolved, with their grants' ports
}

// New grants t, the target, dialled at its own host and port, and grants.
func New(t *target.Target, grants []Grant) *Policy {
	return Reaching(t, Dial{}, grants)
}

// Reaching grants t, the target, as the run dials it (d), and grants.
func Reaching(t *target.Target, d Dial, grants []Grant) *Policy {
	if t != nil && d.Host == "" && d.Unix == "" {
		d.Host, d.Port = t.Host, t.Port
	}
	return &Policy{target: t, dial: d, grants: grants}
}

// Target resolves what the run dials for the target the first time it is called and returns
// the same addresses, at the port dialled, from then on. None through a Unix socket.
func (p *Policy) Target(ctx context.Context) ([]netip.AddrPort, error) {
	if p == nil || p.target == nil || p.dial.Unix != "" {
		return nil, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.resolved == nil {
		addrs, err := (&target.Target{Host: p.dial.Host, Port: p.dial.Port}).Resolve(ctx)
		if err != nil {
			return nil, err
		}
		p.resolved = addrs
	}
	return p.resolved, nil
}

// IsTarget reports whether a is one of the addresses dialled for the target, at the port
// dialled. The target must have been resolved (Target).
func (p *Policy) IsTarget(a netip.AddrPort) bool {
	if p == nil {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, t := range p.resolved {
		if t == a {
			return true
		}
	}
	return false
}

// Denied is a refusal: what was asked for and the flag that would grant it.
type Denied struct {
	What   string // quoted name, or address
	Target string // what the run dials for the target, for messages ("127.0.0.2:9000 by --connect-to"); "" when the policy has none
	Grant  string // the --allow-net value that would grant it
	// Unix: What is the target's name, which has no TCP address through the socket.
	Unix bool
}

func (e *Denied) Error() string {
	if e.Unix {
		return e.What + " has no TCP address: the run reaches it through " + e.Target + "; grant its addresses with " + Flag + " " + e.Grant
	}
	t := "not the target"
	if e.Target != "" {
		t += " (" + e.Target + ")"
	}
	return e.What + " is " + t + "; grant it with " + Flag + " " + e.Grant
}

// Lookup returns the addresses of host at port. The target's name is answered from the one
// resolution of what the run dials for it, the address --connect-to or the proxy gives
// included: at the URL's port, the port dialled; at another port, the same addresses at that
// port. A granted name is resolved; an IP literal is returned as it is when the target or a
// grant covers it; anything else is refused without asking the resolver.
func (p *Policy) Lookup(ctx context.Context, host string, port uint16) ([]netip.AddrPort, error) {
	name := canonical(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	if p.isTargetName(name) && !(p.dial.Unix != "" && p.grantsName(name)) {
		return p.lookupTarget(ctx, host, port)
	}
	if a, err := netip.ParseAddr(name); err == nil {
		a = a.Unmap()
		if ok, err := p.knows(ctx, a); err != nil {
			return nil, err
		} else if !ok {
			return nil, p.deny(target.Quote(host), a.String())
		}
		return []netip.AddrPort{netip.AddrPortFrom(a, port)}, nil
	}
	if !p.grantsName(name) {
		if err := target.CheckHost(name); err != nil {
			return nil, fmt.Errorf("%s is not a host name: %w", target.Quote(host), err)
		}
		return nil, p.deny(target.Quote(host), name)
	}
	addrs, err := target.LookupName(ctx, name)
	if err != nil {
		return nil, err
	}
	p.remember(name, addrs)
	out := make([]netip.AddrPort, len(addrs))
	for i, a := range addrs {
		out[i] = netip.AddrPortFrom(a, port)
	}
	return out, nil
}

// isTargetName reports whether name (canonical) is the URL's host: the same name, or the same
// IP address however written.
func (p *Policy) isTargetName(name string) bool {
	if p == nil || p.target == nil {
		return false
	}
	own := canonical(p.target.Host)
	if name == own {
		return true
	}
	a, err1 := netip.ParseAddr(name)
	b, err2 := netip.ParseAddr(own)
	return err1 == nil && err2 == nil && a.Unmap() == b.Unmap()
}

// lookupTarget answers wrk.lookup for the target's name (asked as host) at port: the addresses
// dialled for it, at the port dialled when port is the URL's.
func (p *Policy) lookupTarget(ctx context.Context, host string, port uint16) ([]netip.AddrPort, error) {
	if p.dial.Unix != "" {
		d := p.deny(target.Quote(host), canonical(p.target.Host))
		d.Unix = true
		return nil, d
	}
	resolved, err := p.Target(ctx)
	if err != nil {
		return nil, err
	}
	if int(port) == p.target.Port {
		return slices.Clone(resolved), nil
	}
	out := make([]netip.AddrPort, len(resolved))
	for i, a := range resolved {
		out[i] = netip.AddrPortFrom(a.Addr(), port)
	}
	return out, nil
}

// Check reports whether a script may make volley reach a: an address dialled for the target,
// at the port dialled, or an address a grant covers.
func (p *Policy) Check(ctx context.Context, a netip.AddrPort) error {
	a = netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
	if p != nil {
		if _, err := p.Target(ctx); err != nil {
			return err
		}
		if p.IsTarget(a) || p.granted(a) {
			return nil
		}
	}
	return p.deny(a.String(), a.String())
}

// knows reports whether a is an address dialled for the target (at any port) or of a grant.
func (p *Policy) knows(ctx context.Context, a netip.Addr) (bool, error) {
	if p == nil {
		return false, nil
	}
	resolved, err := p.Target(ctx)
	if err != nil {
		return false, err
	}
	for _, t := range resolved {
		if t.Addr() == a {
			return true, nil
		}
	}
	return p.covered(func(g Grant) bool { return g.Addr == a }), nil
}

func (p *Policy) grantsName(name string) bool {
	if p == nil {
		return false
	}
	for _, g := range p.grants {
		if g.Host != "" && g.Host == name {
			return true
		}
	}
	return false
}

// remember records the addresses a granted name resolved to, with each of its grants' ports.
func (p *Policy) remember(name string, addrs []netip.Addr) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, g := range p.grants {
		if g.Host != name {
			continue
		}
		for _, a := range addrs {
			r := Grant{Addr: a, Port: g.Port}
			if !containsGrant(p.named, r) {
				p.named = append(p.named, r)
			}
		}
	}
}

func containsGrant(list []Grant, g Grant) bool {
	for _, x := range list {
		if x == g {
			return true
		}
	}
	return false
}

// granted reports whether an IP grant, or the resolved address of a granted name, covers a.
func (p *Policy) granted(a netip.AddrPort) bool {
	return p.covered(func(g Grant) bool { return g.allows(a) })
}

// covered reports whether match holds for an IP grant or the resolved address of a granted
// name.
func (p *Policy) covered(match func(Grant) bool) bool {
	for _, g := range p.grants {
		if g.Host == "" && match(g) {
			return true
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, g := range p.named {
		if match(g) {
			return true
		}
	}
	return false
}

// deny is the refusal of what; grant is the --allow-net value that would allow it.
func (p *Policy) deny(what, grant string) *Denied {
	d := &Denied{What: what, Grant: grant}
	if p != nil && p.target != nil {
		d.Target = p.dialled()
	}
	return d
}

// dialled names what the run dials for the target, for messages. Hosts are safe to print: a
// Target's, a --connect-to address's and a proxy's went through target's checks.
func (p *Policy) dialled() string {
	d := p.dial
	at := net.JoinHostPort(d.Host, strconv.Itoa(d.Port))
	switch {
	case d.Unix != "":
		return "the socket " + target.Quote(d.Unix) + " (--unix-socket)"
	case d.Proxy:
		return "the proxy " + at
	case d.Host != p.target.Host || d.Port != p.target.Port:
		return at + " by --connect-to"
	}
	return at
}

// canonical is a host name as grants and the target are compared: lower case, without the
// trailing dot of a fully qualified name.
func canonical(host string) string {
	return strings.ToLower(strings.TrimSuffix(host, "."))
}
