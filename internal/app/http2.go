package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"time"

	"volley/internal/cli"
	"volley/internal/engine"
	"volley/internal/h2"
	"volley/internal/report"
)

// http2Config is the engine's HTTP/2 description for --http2, nil without it.
func http2Config(cfg *cli.Config) *engine.HTTP2 {
	if !cfg.HTTP2 {
		return nil
	}
	return &engine.HTTP2{Streams: cfg.Streams, Scheme: cfg.Target.Scheme, Authority: cfg.Target.HostHeader}
}

// protocol names the run's protocol for the reports.
func protocol(cfg *cli.Config) string {
	switch {
	case !cfg.HTTP2:
		return ""
	case cfg.Target.Scheme == "https":
		return "h2"
	}
	return "h2c"
}

// checkHTTP2Requests turns every static request into HTTP/2 once before the run, so that a
// request HTTP/2 cannot carry (a Connection header, pipelined requests) stops the invocation
// with one line instead of failing every request.
func checkHTTP2Requests(h *engine.HTTP2, threads []engine.Thread) error {
	if h == nil {
		return nil
	}
	for _, t := range threads {
		if t.Script != nil && t.Script.HasRequest() {
			continue // checked request by request: a script error then ends the run
		}
		if len(t.Heads) != 1 {
			return errors.New("volley: --http2: the request holds " + strconv.Itoa(len(t.Heads)) +
				" pipelined requests; HTTP/2 sends one request per stream (see --streams)")
		}
		if _, err := h2.Prepare(t.Request, h.Scheme, h.Authority); err != nil {
			return errors.New("volley: --http2: " + err.Error())
		}
	}
	return nil
}

// probeHTTP2 checks, on one connection, that the server agrees to HTTP/2: by ALPN over TLS, or
// by answering the connection preface with SETTINGS for h2c. A server that does not is a run
// that cannot start: volley never falls back to HTTP/1.1 in silence. A TLS handshake that fails
// (a certificate, say) is left to the run, which reports it as for HTTP/1.1.
func probeHTTP2(ctx context.Context, cfg *cli.Config, addr netip.AddrPort, tc *tls.Config) error {
	timeout := max(cfg.Timeout, 2*time.Second)
	d := net.Dialer{Timeout: timeout}
	nc, err := d.DialContext(ctx, "tcp", addr.String())
	if err != nil {
		return fmt.Errorf("--http2: connecting to %s: %s", addr, dialText(err))
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(timeout)) // a fresh socket: cannot fail
	url := report.Escape(cfg.Target.Raw)
	if tc != nil {
		// Offering HTTP/1.1 too lets the server say what it would speak instead of refusing
		// the handshake; the run itself offers h2 alone.
		tc = tc.Clone()
		tc.NextProtos = []string{"h2", "http/1.1"}
		c := tls.Client(nc, tc)
		if err := c.HandshakeContext(ctx); err != nil {
			return nil
		}
		if p := c.ConnectionState().NegotiatedProtocol; p != "h2" {
			return fmt.Errorf("--http2: %s did not agree to HTTP/2: ALPN offered h2, the server chose %s", url, alpnName(p))
		}
		return nil
	}
	hello := h2.AppendFrameHeader([]byte(h2.Preface), 0, h2.FrameSettings, 0, 0)
	if _, err := nc.Write(hello); err != nil {
		return fmt.Errorf("--http2: %s: writing the HTTP/2 preface: %s", url, dialText(err))
	}
	var b [64]byte
	n, err := io.ReadAtLeast(nc, b[:], h2.HeaderLen)
	if n >= h2.HeaderLen {
		if fh := h2.ParseFrameHeader(b[:]); fh.Type == h2.FrameSettings && fh.Flags&h2.FlagAck == 0 && fh.Stream == 0 {
			return nil
		}
		return fmt.Errorf("--http2: %s does not speak HTTP/2 with prior knowledge (h2c): it answered the preface with %s",
			url, strconv.QuoteToASCII(string(b[:n])))
	}
	what := "closed the connection"
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		what = "did not answer in " + timeout.String()
	}
	return fmt.Errorf("--http2: %s does not speak HTTP/2 with prior knowledge (h2c): it %s after the preface", url, what)
}

func alpnName(p string) string {
	if p == "" {
		return "none (the server does not support ALPN or HTTP/2)"
	}
	return strconv.QuoteToASCII(p)
}
