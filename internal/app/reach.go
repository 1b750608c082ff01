package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"time"

	"volley/internal/cli"
	"volley/internal/engine"
	"volley/internal/h1"
	"volley/internal/netpolicy"
	"volley/internal/report"
	"volley/internal/target"
)

// Reaching a server: each origin gets an endpoint — a Unix socket, or a TCP address (the
// server's, a --connect-to address's or an HTTP proxy's), a CONNECT tunnel for https through a
// proxy, and TLS settings — and, like wrk, the run starts only when one connection to each
// origin can be set up the way the run's connections will be: a wrong port, a refusing proxy or
// a certificate that does not verify ends it at once, with the reason, instead of a run of
// connect errors and an all-zero report.

// maxPEMBytes bounds --cacert, --cert and --key: a system's whole CA bundle is a few hundred KiB.
const maxPEMBytes = 16 << 20

// tlsBase is what every https origin's TLS settings share: trust, client certificate,
// versions, resumption. nil when no origin uses https; TLS flags without one are an error.
func tlsBase(cfg *cli.Config, origins []*origin) (*tls.Config, error) {
	https := false
	for _, o := range origins {
		https = https || o.url.Scheme == "https"
	}
	if !https {
		r := &cfg.Reach
		for _, f := range []struct {
			set  bool
			flag string
		}{{r.CACert != "", "--cacert"}, {r.Cert != "", "--cert"}, {r.TLSMin != 0, "--tls-min"}, {r.NoResumption, "--no-session-resumption"}} {
			if f.set {
				return nil, fmt.Errorf("%s applies to https URLs, and there is none", f.flag)
			}
		}
		return nil, nil
	}
	c := &tls.Config{
		InsecureSkipVerify:     cfg.Insecure, //nolint:gosec // -k/--insecure: the user asked to skip verification
		MinVersion:             max(cfg.TLSMin, tls.VersionTLS12),
		NextProtos:             alpn(cfg),
		SessionTicketsDisabled: cfg.NoResumption,
	}
	if cfg.CACert != "" {
		pem, err := readFlagFile("--cacert", cfg.CACert, maxPEMBytes)
		if err != nil {
			return nil, err
		}
		c.RootCAs = x509.NewCertPool()
		if !c.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--cacert %s: no PEM certificate in it", report.Escape(cfg.CACert))
		}
	}
	if cfg.Cert != "" {
		cert, err := readFlagFile("--cert", cfg.Cert, maxPEMBytes)
		if err != nil {
			return nil, err
		}
		key, err := readFlagFile("--key", cfg.Key, maxPEMBytes)
		if err != nil {
			return nil, err
		}
		pair, err := tls.X509KeyPair(cert, key)
		if err != nil {
			return nil, fmt.Errorf("--cert %s --key %s: %s", report.Escape(cfg.Cert), report.Escape(cfg.Key), oneLine(err.Error()))
		}
		c.Certificates = []tls.Certificate{pair}
	}
	return c, nil
}

// serverName is the TLS name of an origin: -H Host's host when given, else the URL's.
func serverName(cfg *cli.Config, u *target.Target) string {
	name := u.ServerName()
	for _, h := range cfg.Headers {
		if strings.EqualFold(h.Name, "Host") {
			if host, _, err := net.SplitHostPort(h.Value); err == nil {
				name = host
			} else {
				name = h.Value
			}
		}
	}
	return name
}

// planOrigins gives every origin its endpoint, but for the address (probeOrigins). Its errors
// are invalid invocations.
func planOrigins(cfg *cli.Config, origins []*origin, getenv func(string) string, script bool) error {
	base, err := tlsBase(cfg, origins)
	if err != nil {
		return err
	}
	for _, o := range origins {
		u := o.url
		if u.Scheme == "https" {
			o.ep.TLS = base.Clone()
			o.ep.TLS.ServerName = serverName(cfg, u)
		}
		if cfg.UnixSocket != "" {
			o.ep.Unix = cfg.UnixSocket
			o.via = " through the socket " + report.Escape(cfg.UnixSocket) + " (--unix-socket)"
			continue
		}
		proxy, via, err := proxyFor(cfg, u, getenv)
		if err != nil {
			return err
		}
		host, port := target.Apply(cfg.ConnectTo, u.Host, u.Port)
		if host != u.Host || port != u.Port {
			o.via = " at " + report.Escape(target.HostPort(host, port)) + " (--connect-to)"
		}
		if proxy != nil {
			o.via += " through the proxy " + report.Escape(proxy.Display) + " (" + via + ")"
			if u.Scheme == "https" {
				authority := target.HostPort(host, port)
				headers := []h1.Field{{Name: "Host", Value: authority}}
				if proxy.Authorization != "" {
					headers = append(headers, h1.Field{Name: "Proxy-Authorization", Value: proxy.Authorization})
				}
				if o.ep.Connect, err = h1.AppendRequest(nil, "CONNECT", authority, headers, nil, false); err != nil {
					return fmt.Errorf("CONNECT to %s: %w", report.Escape(authority), err)
				}
			} else {
				if script {
					return fmt.Errorf("an http URL through the proxy %s needs requests in absolute form, which a script does not make (use https, or unset %s)", report.Escape(proxy.Display), via)
				}
				o.absolute, o.proxyAuth = true, proxy.Authorization
			}
			host, port = proxy.Host, proxy.Port
		}
		o.dialHost, o.dialPort = host, port
	}
	return nil
}

// probeOrigins checks that a connection to each origin can be set up, and picks the address.
// The target's own name is resolved through policy, once, as a script's wrk.lookup sees it.
func probeOrigins(ctx context.Context, cfg *cli.Config, origins []*origin, policy *netpolicy.Policy) error {
	// The origins are probed at once: a run with many https servers must not start one
	// handshake after another.
	errs := make([]error, len(origins))
	var wg sync.WaitGroup
	for i, o := range origins {
		wg.Go(func() {
			if o.ep.Unix != "" {
				errs[i] = probe(ctx, cfg, o)
			} else {
				errs[i] = pickAddress(ctx, cfg, o, policy)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err // the first origin's, in the order the URLs name them
		}
	}
	return nil
}

// proxyFor returns the proxy for a URL, from --proxy or the environment, and what named it.
func proxyFor(cfg *cli.Config, u *target.Target, getenv func(string) string) (*target.Proxy, string, error) {
	if cfg.Proxy != nil {
		return cfg.Proxy, "--proxy", nil
	}
	raw := target.ProxyFromEnvironment(getenv, u.Scheme, u.Host, u.Port)
	if raw == "" {
		return nil, "", nil
	}
	via := "HTTP_PROXY"
	if u.Scheme == "https" {
		via = "HTTPS_PROXY"
	}
	p, err := target.ParseProxy(raw)
	if err != nil {
		return nil, "", fmt.Errorf("%s %s: %w", via, target.Quote(target.RedactUserinfo(raw)), err)
	}
	return p, via, nil
}

// pickAddress resolves the origin's dial host and, like wrk, uses the first address to which a
// connection can be set up. The target's is resolved through the scripts' network policy, so
// that wrk.lookup answers from this one resolution and no second query leaves for it.
func pickAddress(ctx context.Context, cfg *cli.Config, o *origin, policy *netpolicy.Policy) error {
	rctx, cancel := context.WithTimeout(ctx, max(cfg.Timeout, 5*time.Second))
	defer cancel()
	var addrs []netip.AddrPort
	var err error
	if o.url == cfg.Target {
		addrs, err = policy.Target(rctx)
	} else {
		addrs, err = (&target.Target{Host: o.dialHost, Port: o.dialPort}).Resolve(rctx)
	}
	if err != nil && o.dialHost != o.url.Host {
		// The name is the proxy's or --connect-to's: say which flag gave it.
		return fmt.Errorf("unable to connect to %s%s: %w", report.Escape(target.HostPort(o.url.Host, o.url.Port)), o.via, err)
	}
	if err != nil {
		return err
	}
	for i, a := range addrs {
		o.ep.Addr = a
		if err = probe(ctx, cfg, o); err == nil || i == len(addrs)-1 {
			break
		}
	}
	return err
}

// probe sets up one connection to the origin; its error is one line saying why it failed.
func probe(ctx context.Context, cfg *cli.Config, o *origin) error {
	limit := max(cfg.Timeout, 5*time.Second)
	err := engine.Probe(ctx, &o.ep, limit, wireProtocol(cfg, h1.DefaultLimits()))
	if err == nil {
		return nil
	}
	where := report.Escape(target.HostPort(o.url.Host, o.url.Port)) + o.via
	var se *engine.SetupError
	if !errors.As(err, &se) {
		return fmt.Errorf("unable to connect to %s: %s", where, oneLine(err.Error()))
	}
	if timedOut(se.Err) {
		// The deadline surfaces as a context error or as some read's i/o timeout, depending
		// on where the setup waited: one message for all of them.
		if se.Stage == "connect" {
			return fmt.Errorf("unable to connect to %s: timed out after %v", where, limit)
		}
		step, ok := stageName[se.Stage]
		if !ok {
			step = se.Stage + "'s greeting"
		}
		return fmt.Errorf("unable to connect to %s: %s timed out after %v (the server accepted the connection, then did not answer)", where, step, limit)
	}
	switch se.Stage {
	case "tls":
		msg := fmt.Sprintf("TLS handshake with %s failed: %s", where, oneLine(se.Err.Error()))
		switch {
		case certificateProblem(se.Err):
			msg += certificateHint
		case cfg.Cert == "" && strings.Contains(se.Err.Error(), "certificate required"):
			msg += " (--cert FILE --key FILE give a client certificate)"
		}
		return errors.New(msg)
	case "proxy":
		return fmt.Errorf("unable to connect to %s: proxy: %s", where, oneLine(se.Err.Error()))
	case "http2":
		return fmt.Errorf("--http2: %s does not speak HTTP/2: %s", where, oneLine(se.Err.Error()))
	}
	return fmt.Errorf("unable to connect to %s: %s", where, dialText(se.Err))
}

// stageName names a stage of setting up a connection in messages.
var stageName = map[string]string{"proxy": "the proxy's CONNECT", "tls": "the TLS handshake", "http2": "the HTTP/2 preface"}

// timedOut reports whether err is a deadline passing rather than the peer's doing.
func timedOut(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// certificateHint follows a certificate that did not verify.
const certificateHint = " (-k/--insecure skips verification; --cacert FILE trusts another CA)"

// certificateProblem reports whether a handshake failed because the server's certificate did
// not verify.
func certificateProblem(err error) bool {
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	return errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci)
}

func dialText(err error) string {
	var se syscall.Errno
	if errors.As(err, &se) {
		return se.Error()
	}
	return oneLine(err.Error())
}
