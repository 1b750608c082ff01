package cli

import (
	"net"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
)

// Serve is "volley serve": the built-in target on its own.
type Serve struct {
	Addr     string // host:port to listen on; the host may be any address, loopback by default
	TLS      bool   // HTTPS with a certificate from a CA made at start (TLSDir)
	MTLS     bool   // and ask for a client certificate from that CA
	TLSDir   string // where the CA and certificates go; "" for a new temporary directory
	Unix     string // listen on this Unix socket instead of Addr
	Loopback bool   // Addr's host is a loopback address or localhost
}

// DefaultServeAddr is where volley serve listens unless told otherwise: this machine only.
const DefaultServeAddr = "127.0.0.1:8080"

// ServeUsage is "volley serve -h": the flags and the routes.
const ServeUsage = `Usage: volley serve [--addr HOST:PORT | --unix-socket PATH] [--tls [--mtls] [--tls-dir DIR]]
  The built-in target on its own, to try scripts, targets files and
  --fail-on thresholds against. It runs until SIGINT or SIGTERM, and
  speaks HTTP/1.1 and HTTP/2 on the same port (h2c with prior knowledge,
  h2 through ALPN with --tls: volley --http2).
  Options:
        --addr        <A>  Listen on A (127.0.0.1:8080); a host that is
                           not loopback (0.0.0.0, a LAN address) exposes
                           it to other machines
        --unix-socket <P>  Listen on the Unix socket P instead
        --tls              HTTPS, with a CA made at start: trust its
                           ca.pem (--cacert) or use -k
        --mtls             Also require a client certificate from that
                           CA (client.pem, client.key: --cert, --key)
        --tls-dir     <D>  Write ca.pem, server.pem/.key, client.pem/.key
                           in D (default: a new temporary directory)
  Routes (any method; HEAD gets the headers only):
    /, /hello        "hello\n"
    /bytes/N         N bytes (0 to 64 MiB)
    /chunked/N       the same bytes, chunked
    /delay/DUR       "hello\n" after DUR (Go duration, up to 1m)
    /status/NNN      status NNN (100-599)
    /close           "hello\n", then the connection closes
    /echo            the method, a newline and the request body (up to 64 KiB)
    ?delay=DUR       delays any route
    anything else    404
`

// parseServe reads volley serve's flags.
func parseServe(args []string) (*Config, Command, error) {
	s := &Serve{}
	var help bool
	fs := pflag.NewFlagSet("volley serve", pflag.ContinueOnError)
	fs.Usage = func() {}
	fs.SetOutput(discard{})
	fs.StringVar(&s.Addr, "addr", DefaultServeAddr, "")
	fs.BoolVar(&s.TLS, "tls", false, "")
	fs.BoolVar(&s.MTLS, "mtls", false, "")
	fs.StringVar(&s.TLSDir, "tls-dir", "", "")
	fs.StringVar(&s.Unix, "unix-socket", "", "")
	fs.BoolVarP(&help, "help", "h", false, "")
	if err := fs.Parse(args); err != nil {
		if help {
			return nil, CmdServeHelp, nil
		}
		return nil, CmdServe, usageErrorf("serve: " + strings.Join(strings.Fields(err.Error()), " "))
	}
	if help {
		return nil, CmdServeHelp, nil
	}
	if fs.NArg() > 0 {
		return nil, CmdServe, usageErrorf("serve takes no arguments, got " + quote(fs.Arg(0)))
	}
	host, port, err := net.SplitHostPort(s.Addr)
	if err != nil || strings.IndexByte(s.Addr, 0) >= 0 {
		return nil, CmdServe, invalidFlag("addr", s.Addr, "not HOST:PORT")
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return nil, CmdServe, invalidFlag("addr", s.Addr, "the port must be a number from 0 (any free port) to 65535")
	}
	ip := net.ParseIP(host)
	s.Loopback = host == "localhost" || ip != nil && ip.IsLoopback()
	if fs.Changed("unix-socket") {
		if fs.Changed("addr") {
			return nil, CmdServe, usageErrorf("serve: --addr and --unix-socket: listen on one")
		}
		if s.Unix == "" || strings.IndexByte(s.Unix, 0) >= 0 || len(s.Unix) > 107 {
			return nil, CmdServe, invalidFlag("unix-socket", s.Unix, "not a socket path (at most 107 bytes)")
		}
		s.Loopback = true
	}
	if (s.MTLS || fs.Changed("tls-dir")) && !s.TLS {
		return nil, CmdServe, usageErrorf("serve: --mtls and --tls-dir go with --tls")
	}
	if fs.Changed("tls-dir") && (s.TLSDir == "" || strings.IndexByte(s.TLSDir, 0) >= 0) {
		return nil, CmdServe, invalidFlag("tls-dir", s.TLSDir, "not a directory name")
	}
	return &Config{Serve: s}, CmdServe, nil
}
