package app

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"volley/internal/cli"
	"volley/internal/report"
	"volley/internal/testserver"
)

// runServe is "volley serve": the built-in target until SIGINT or SIGTERM. Its address is
// loopback unless --addr says otherwise: a user may want to reach it from another machine,
// and is told that it can be.
func runServe(s *cli.Serve, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := testserver.Options{Addr: s.Addr, AnyAddress: true, Unix: s.Unix}
	var files *testserver.TLSFiles
	if s.TLS {
		dir := s.TLSDir
		var err error
		if dir == "" {
			if dir, err = os.MkdirTemp("", "volley-serve-"); err == nil {
				defer os.RemoveAll(dir) //nolint:errcheck // a temporary directory: nothing to do if it stays
			}
		} else {
			err = os.MkdirAll(dir, 0o700)
		}
		if err == nil {
			host, _, _ := net.SplitHostPort(s.Addr) // cli checked it
			files, err = testserver.NewTLSFiles(dir, host)
		}
		if err != nil {
			warn(stderr, "volley serve: making the TLS certificates: "+err.Error())
			return ExitNoStart
		}
		auth := tls.NoClientCert
		if s.MTLS {
			auth = tls.RequireAndVerifyClientCert
		}
		opts.TLS = files.Config(auth)
	}
	srv, err := testserver.Start(opts)
	if err != nil {
		warn(stderr, "volley serve: "+err.Error())
		return ExitNoStart
	}
	defer func() { _ = srv.Close() }() // its listener and connections go; nothing to report
	_, _ = fmt.Fprintf(stdout, "volley serve: listening on %s (SIGINT or SIGTERM stops it; volley serve -h lists the routes)\n", srv.URL())
	if !s.Loopback {
		_, _ = fmt.Fprintf(stdout, "volley serve: %s is not a loopback address: other machines can reach this server\n", report.Escape(s.Addr))
	}
	if files != nil {
		dir := report.Escape(filepath.Dir(files.CA))
		_, _ = fmt.Fprintf(stdout, "volley serve: TLS files in %s: ca.pem (--cacert), client.pem and client.key (--cert, --key)\n", dir)
	}
	<-ctx.Done()
	return ExitOK
}
