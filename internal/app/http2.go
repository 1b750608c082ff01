package app

import (
	"errors"
	"strconv"

	"volley/internal/cli"
	"volley/internal/engine"
	"volley/internal/h1"
	"volley/internal/h2"
	"volley/internal/wire"
)

// wireProtocol is what the run's connections speak: HTTP/1.1, or HTTP/2 with --http2.
func wireProtocol(cfg *cli.Config, limits h1.Limits) wire.Protocol {
	if !cfg.HTTP2 {
		return h1.Protocol{Limits: limits}
	}
	return h2.Protocol{Streams: cfg.Streams, Limits: limits, Authority: cfg.Target.HostHeader}
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
// with one line instead of failing every request. A script's request() is checked request by
// request: a script error then ends the run.
func checkHTTP2Requests(p wire.Protocol, origins []engine.Origin) error {
	h, ok := p.(h2.Protocol)
	if !ok {
		return nil
	}
	for _, o := range origins {
		for _, p := range o.Payloads {
			if len(p.Heads) != 1 {
				return errors.New("--http2: the request holds " + strconv.Itoa(len(p.Heads)) +
					" pipelined requests; HTTP/2 sends one request per stream (see --streams)")
			}
			if _, err := h2.Prepare(p.Data, "http", h.Authority); err != nil {
				return errors.New("--http2: " + err.Error())
			}
		}
	}
	return nil
}

// alpn is what volley offers by ALPN: exactly the protocol it will speak.
func alpn(cfg *cli.Config) []string {
	if cfg.HTTP2 {
		return []string{"h2"}
	}
	return []string{"http/1.1"}
}
