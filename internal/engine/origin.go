package engine

import (
	"crypto/tls"
	"errors"
	"net/netip"
)

// Endpoint is how a connection reaches its server: where the socket goes, what is said on it
// before HTTP, and TLS. The engine sets connections up from it and knows nothing of flags,
// proxies' URLs or targets files: app decides all of that.
type Endpoint struct {
	Addr netip.AddrPort // the TCP address dialled: the server, a --connect-to address or a proxy
	Unix string         // or a Unix domain socket path, instead of Addr
	// Connect, when not empty, is a CONNECT request (validated HTTP/1.1 text) written first,
	// through an HTTP proxy; a 2xx response opens the tunnel that TLS then runs in.
	Connect []byte
	TLS     *tls.Config // nil: plain HTTP
}

// Payload is what a connection sends at once: one or more pipelined requests (validated
// HTTP/1.1 text) and, in order, whether each is a HEAD request.
type Payload struct {
	Data  []byte
	Heads []bool
	// Close: the request says "Connection: close", so the connection closes after its response
	// whatever the server does (RFC 9112 9.6): each request then measures a new connection.
	Close bool
}

// Origin is one server as connections reach it, and the requests they send it.
type Origin struct {
	Endpoint
	// Payloads are what the origin's connections send in turn: round robin on each connection,
	// each connection starting at its own place so that short runs still cover them all. Empty
	// when a script's request() makes every request.
	Payloads []Payload
}

// origins gives every thread its list of connections' origins: threads in the simple form
// (Addr, Request, Heads with Config.TLS) get an origin of their own.
func origins(cfg *Config) error {
	total := 0
	for i := range cfg.Threads {
		th := &cfg.Threads[i]
		if th.Conns == nil {
			o := Origin{Endpoint: Endpoint{Addr: th.Addr, TLS: cfg.TLS}}
			if th.Request != nil {
				o.Payloads = []Payload{{Data: th.Request, Heads: th.Heads}}
			}
			cfg.Origins = append(cfg.Origins, o)
			th.Conns = make([]int, ConnectionsFor(i, len(cfg.Threads), cfg.Connections))
			for j := range th.Conns {
				th.Conns[j] = len(cfg.Origins) - 1
			}
		}
		total += len(th.Conns)
		for _, o := range th.Conns {
			if o < 0 || o >= len(cfg.Origins) {
				return errors.New("engine: a connection's origin is out of range")
			}
			if len(cfg.Origins[o].Payloads) == 0 && (th.Script == nil || !th.Script.HasRequest()) {
				return errors.New("engine: an origin without requests")
			}
		}
	}
	if total != cfg.Connections {
		return errors.New("engine: the threads' connections do not add up to Connections")
	}
	// Reconnects resume TLS sessions instead of paying for a full handshake each time, unless
	// the configuration turned resumption off. Origins sharing a configuration share its cache.
	cloned := map[*tls.Config]*tls.Config{}
	for i := range cfg.Origins {
		c := cfg.Origins[i].TLS
		if c == nil {
			continue
		}
		if cloned[c] == nil {
			cl := c.Clone()
			if cl.ClientSessionCache == nil && !cl.SessionTicketsDisabled {
				cl.ClientSessionCache = tls.NewLRUClientSessionCache(cfg.Connections)
			}
			cloned[c] = cl
		}
		cfg.Origins[i].TLS = cloned[c]
	}
	return nil
}

// usesTLS reports whether any origin speaks TLS.
func usesTLS(cfg *Config) bool {
	for i := range cfg.Origins {
		if cfg.Origins[i].TLS != nil {
			return true
		}
	}
	return false
}

// scheme is the origin's URL scheme, which HTTP/2 sends as :scheme.
func scheme(o *Origin) string {
	if o.TLS != nil {
		return "https"
	}
	return "http"
}
