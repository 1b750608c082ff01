package engine

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strconv"
	"time"

	"volley/internal/h1"
	"volley/internal/wire"
)

// SetupError is why a connection could not be set up: Stage is "connect", "proxy", "tls" or
// the protocol's name (its greeting or ALPN failed).
type SetupError struct {
	Stage string
	Err   error
}

func (e *SetupError) Error() string { return e.Stage + ": " + e.Err.Error() }
func (e *SetupError) Unwrap() error { return e.Err }

// Probe sets up one connection to the endpoint the way the run's connections are set up —
// connect, proxy tunnel, TLS handshake — with blocking calls, then closes it, so that a run
// that can open no connection fails before it starts, with the reason. The server must also
// agree to the protocol: by ALPN over TLS, or by the protocol's greeting — volley never falls
// back from HTTP/2 to HTTP/1.1. Errors are *SetupError.
func Probe(ctx context.Context, ep *Endpoint, timeout time.Duration, proto wire.Protocol) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	network, addr := "tcp", ep.Addr.String()
	if ep.Unix != "" {
		network, addr = "unix", ep.Unix
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return &SetupError{"connect", err}
	}
	defer nc.Close()
	if deadline, ok := ctx.Deadline(); ok {
		_ = nc.SetDeadline(deadline)
	}
	if len(ep.Connect) > 0 {
		if err := probeTunnel(nc, ep.Connect); err != nil {
			return &SetupError{"proxy", err}
		}
	}
	if ep.TLS != nil {
		cfg := ep.TLS.Clone()
		cfg.ClientSessionCache = nil // the run's own handshakes start from scratch
		want := proto.ALPN()
		if want != "" {
			// Offering HTTP/1.1 too lets a server without the protocol say what it speaks
			// instead of failing the handshake; the run offers the protocol alone.
			cfg.NextProtos = []string{want, "http/1.1"}
		}
		asked, certs := false, cfg.Certificates
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			asked = true // the server wants a client certificate
			if len(certs) > 0 {
				return &certs[0], nil
			}
			return &tls.Certificate{}, nil
		}
		tc := tls.Client(nc, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			return &SetupError{"tls", err}
		}
		if asked {
			if err := awaitRejection(tc); err != nil {
				return &SetupError{"tls", err}
			}
		}
		if p := tc.ConnectionState().NegotiatedProtocol; want != "" && p != want {
			return &SetupError{proto.Name(), errors.New("ALPN offered " + want + ", the server chose " + alpnName(p))}
		}
		return nil
	}
	if err := proto.Greet(nc); err != nil {
		return &SetupError{proto.Name(), err}
	}
	return nil
}

func alpnName(p string) string {
	if p == "" {
		return "none (no ALPN, or no HTTP/2)"
	}
	return strconv.QuoteToASCII(p)
}

// rejectionWait is how long Probe listens, after a TLS 1.3 handshake in which the server asked
// for a client certificate, for the server's verdict on it.
const rejectionWait = 200 * time.Millisecond

// awaitRejection catches what a TLS 1.3 handshake cannot: the client's handshake ends before
// the server has checked the client's certificate (or its absence), and a rejection arrives as
// an alert on the first read. Silence (a timeout) is success.
func awaitRejection(tc *tls.Conn) error {
	if tc.ConnectionState().Version != tls.VersionTLS13 {
		return nil
	}
	_ = tc.SetReadDeadline(time.Now().Add(rejectionWait))
	var b [1]byte
	_, err := tc.Read(b[:])
	var ne net.Error
	if err == nil || errors.As(err, &ne) && ne.Timeout() {
		return nil
	}
	return err
}

// probeTunnel sends CONNECT and reads the proxy's answer.
func probeTunnel(nc net.Conn, connect []byte) error {
	if _, err := nc.Write(connect); err != nil {
		return err
	}
	var p h1.Parser
	p.Init(h1.DefaultLimits())
	p.Start(true)
	buf := make([]byte, 4096)
	for {
		n, err := nc.Read(buf)
		if n > 0 {
			k, done, perr := p.Feed(buf[:n])
			switch {
			case perr != nil:
				return errors.New("answer to CONNECT: " + perr.Error())
			case !done:
				continue
			case p.Status() < 200 || p.Status() > 299:
				return errors.New(tunnelRefused(p.Status()))
			case k < n:
				return errors.New("unexpected bytes after its answer to CONNECT")
			}
			return nil
		}
		if err != nil {
			return err
		}
	}
}
