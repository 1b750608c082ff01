package cli

import (
	"crypto/tls"
	"strings"

	"github.com/spf13/pflag"

	"volley/internal/h1"
	"volley/internal/target"
)

// requestFlags are the flags that describe the request without a script: a script builds its
// own (wrk.method, wrk.body, request()), so they cannot be combined with one.
var requestFlags = []string{"method", "body", "body-file", "targets"}

// noBodyMethods cannot carry a request body. RFC 9110: a HEAD response has no body to say what
// happened to one (9.3.2), a client must not send content in a TRACE request (9.3.8), and
// CONNECT is refused as a method altogether. GET, DELETE and OPTIONS content has no defined
// meaning but is not forbidden, and some APIs (search engines) use it: allowed, as hey, oha
// and curl do.
var noBodyMethods = []string{"HEAD", "TRACE"}

// request validates the flags of the request without a script.
func (v *rawFlags) request(cfg *Config, fs *pflag.FlagSet) error {
	if cfg.Script != "" {
		for _, long := range requestFlags {
			if fs.Changed(long) {
				return usageErrorf(displayName(long) + " describes the request without a script; the script (-s) builds its own (wrk.method, wrk.body, request())")
			}
		}
	}
	if fs.Changed("method") {
		switch {
		case !h1.ValidToken(v.method):
			return invalidFlag("method", v.method, "not an HTTP method (a token such as GET or POST)")
		case v.method == "CONNECT":
			return invalidFlag("method", v.method, "volley opens tunnels itself (--proxy)")
		}
		cfg.Method = v.method
	}
	switch {
	case fs.Changed("body") && fs.Changed("body-file"):
		return usageErrorf("-b/--body and --body-file both give the body; use one")
	case fs.Changed("body"):
		cfg.Body, cfg.HasBody = v.body, true
	case fs.Changed("body-file"):
		if v.bodyFile == "" || strings.IndexByte(v.bodyFile, 0) >= 0 {
			return invalidFlag("body-file", v.bodyFile, "not a file name")
		}
		cfg.BodyFile, cfg.HasBody = v.bodyFile, true
	}
	for _, m := range noBodyMethods {
		if cfg.HasBody && cfg.Method == m {
			return usageErrorf("-m/--method " + m + " cannot carry a body (-b/--body, --body-file)")
		}
	}
	if fs.Changed("targets") {
		if v.targets == "" || strings.IndexByte(v.targets, 0) >= 0 {
			return invalidFlag("targets", v.targets, "not a file name (- for standard input)")
		}
		for _, long := range []string{"method", "body", "body-file"} {
			if fs.Changed(long) {
				return usageErrorf(displayName(long) + " and --targets: the targets file gives each request's method and body")
			}
		}
		cfg.Targets = v.targets
	}
	return nil
}

// reach validates the flags that say how to reach the servers.
func (v *rawFlags) reach(cfg *Config, fs *pflag.FlagSet) error {
	r := &cfg.Reach
	if fs.Changed("unix-socket") {
		if v.unixSocket == "" || strings.IndexByte(v.unixSocket, 0) >= 0 || len(v.unixSocket) > 107 {
			return invalidFlag("unix-socket", v.unixSocket, "not a socket path (at most 107 bytes)")
		}
		for _, long := range []string{"connect-to", "proxy"} {
			if fs.Changed(long) {
				return usageErrorf("--unix-socket and " + displayName(long) + ": every connection goes to the socket")
			}
		}
		r.UnixSocket = v.unixSocket
	}
	if len(v.connectTo) > MaxConnectTo {
		return usageErrorf("too many --connect-to flags")
	}
	for _, s := range v.connectTo {
		c, err := target.ParseConnectTo(s)
		if err != nil {
			return invalidFlag("connect-to", s, err.Error())
		}
		r.ConnectTo = append(r.ConnectTo, c)
	}
	files := []struct {
		long, value string
		to          *string
	}{{"cacert", v.cacert, &r.CACert}, {"cert", v.cert, &r.Cert}, {"key", v.key, &r.Key}}
	for _, f := range files {
		if !fs.Changed(f.long) {
			continue
		}
		if f.value == "" || strings.IndexByte(f.value, 0) >= 0 {
			return invalidFlag(f.long, f.value, "not a file name")
		}
		*f.to = f.value
	}
	if (r.Cert == "") != (r.Key == "") {
		return usageErrorf("--cert and --key go together: the client certificate and its private key")
	}
	if r.CACert != "" && cfg.Insecure {
		return usageErrorf("--cacert and -k/--insecure: -k skips the verification that --cacert configures")
	}
	switch {
	case !fs.Changed("tls-min"):
	case v.tlsMin == "1.2":
		r.TLSMin = tls.VersionTLS12
	case v.tlsMin == "1.3":
		r.TLSMin = tls.VersionTLS13
	default:
		return invalidFlag("tls-min", v.tlsMin, "must be 1.2 or 1.3")
	}
	r.NoResumption = v.noResumption
	if fs.Changed("proxy") {
		p, err := target.ParseProxy(v.proxy)
		if err != nil {
			return invalidFlag("proxy", target.RedactUserinfo(v.proxy), err.Error())
		}
		r.Proxy = p
	}
	return nil
}

// MaxConnectTo bounds --connect-to rules.
const MaxConnectTo = 100
