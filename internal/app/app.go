// Package app is one volley invocation: it wires the command line, the target, the script, the
// engine and the report together. cmd/volley only hands it argv and the standard streams.
package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"volley/internal/cli"
	"volley/internal/clidoc"
	"volley/internal/engine"
	"volley/internal/h1"
	"volley/internal/netpolicy"
	"volley/internal/report"
	"volley/internal/script"
	"volley/internal/target"
	"volley/internal/testserver"
)

// Version is stamped at release time (-ldflags -X).
var Version = "dev"

// Exit codes (DESIGN decision 10).
const (
	ExitOK      = 0
	ExitUsage   = 1 // invalid invocation, or a script that fails to load
	ExitNoStart = 2 // the run could not start: resolve, connect, descriptors
	// ExitThreshold (3, outputs.go): a --fail-on condition failed.
)

// Main runs volley with args (without argv[0]) and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	cfg, cmd, err := cli.Parse(args)
	if err != nil {
		warn(stderr, err.Error()) // already "volley: …"
		return ExitUsage
	}
	switch cmd {
	case cli.CmdHelp:
		_, _ = io.WriteString(stdout, cli.Usage())
		return ExitOK
	case cli.CmdVersion:
		_, _ = io.WriteString(stdout, versionText(buildInfo()))
		return ExitOK
	case cli.CmdMerge:
		return runMerge(cfg, stdout, stderr)
	case cli.CmdKubeJob:
		return printKubeJob(cfg.Kube, stdout, stderr)
	case cli.CmdCompletion:
		script, err := clidoc.Completion(cfg.Shell)
		if err == nil {
			_, err = io.WriteString(stdout, script)
		}
		if err != nil {
			warn(stderr, "volley: completion: "+err.Error())
			return ExitUsage
		}
		return ExitOK
	case cli.CmdDemo:
		srv, err := testserver.Start(testserver.Options{Addr: "127.0.0.1:0"})
		if err != nil {
			warn(stderr, "volley: starting the built-in target: "+err.Error())
			return ExitNoStart
		}
		defer func() { _ = srv.Close() }() // its listener and connections go; nothing to report
		if cfg.Target, err = target.Parse(srv.URL() + "/"); err != nil {
			warn(stderr, "volley: "+err.Error())
			return ExitNoStart
		}
		_, _ = fmt.Fprintf(textOutput(cfg, stdout, stderr), "volley demo: built-in target at %s (loopback only)\n", srv.URL())
	}
	return run(cfg, stdout, stderr)
}

func run(cfg *cli.Config, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	request, err := buildRequest(cfg)
	if err != nil {
		warn(stderr, "volley: "+err.Error())
		return ExitUsage
	}
	ecfg := engine.Config{
		Connections: cfg.Connections,
		Duration:    cfg.Duration,
		Timeout:     cfg.Timeout,
		Rate:        cfg.Rate,
		Requests:    cfg.Requests,
		HTTP2:       http2Config(cfg),
	}
	takeShare(cfg, &ecfg)
	ecfg.Limits = limits(cfg) // per connection of this process: after its share is known
	// Before anything is printed: a run that cannot open its connections must not start.
	if err := engine.EnsureDescriptors(cfg.Connections, cfg.Threads); err != nil {
		warn(stderr, "volley: "+err.Error())
		return ExitNoStart
	}
	if cfg.Target.Scheme == "https" {
		ecfg.TLS = tlsConfig(cfg)
	}

	outs, err := openOutputs(cfg, stdout)
	if err != nil {
		warn(stderr, "volley: "+err.Error())
		return ExitUsage
	}
	defer outs.close()
	// The text report, and what scripts print, go to stderr when JSON takes stdout.
	text := textOutput(cfg, stdout, stderr)

	// What scripts may reach; the target is resolved through it, once, whoever asks first.
	policy := netpolicy.New(cfg.Target, cfg.AllowNet)
	var sm *script.Main
	if cfg.Script != "" {
		// What scripts print reaches a terminal escaped, newlines and tabs kept.
		scriptOut := &report.SafeWriter{W: text}
		defer scriptOut.Flush() //nolint:errcheck // nothing better to do if stdout is gone
		if sm, err = loadScript(cfg, policy, scriptOut); err != nil {
			warn(stderr, loadError(err))
			return ExitUsage
		}
		defer sm.Close()
	}
	addr, err := pickAddress(ctx, cfg.Target, policy, cfg.Timeout)
	if err != nil {
		warn(stderr, "volley: "+err.Error())
		return ExitNoStart
	}
	if sm != nil {
		if ecfg.Threads, err = scriptThreads(sm, cfg, addr); err != nil {
			warn(stderr, err.Error())
			return ExitUsage
		}
	} else {
		heads := []bool{false}
		for range cfg.Threads {
			ecfg.Threads = append(ecfg.Threads, engine.Thread{Addr: addr, Request: request, Heads: heads})
		}
	}
	if err := checkHTTP2Requests(ecfg.HTTP2, ecfg.Threads); err != nil {
		warn(stderr, err.Error())
		return ExitUsage
	}
	if cfg.HTTP2 {
		if err := probeHTTP2(ctx, cfg, addr, ecfg.TLS); err != nil {
			warn(stderr, "volley: "+err.Error())
			return ExitNoStart
		}
	}

	run := report.Run{URL: cfg.Target.Raw, Threads: cfg.Threads, Connections: cfg.Connections,
		Duration: cfg.Duration, Requests: cfg.Requests, Latency: cfg.Latency, Rate: cfg.Rate, Uncorrected: cfg.Uncorrected,
		Others: otherAddresses(ecfg.Threads, policy), Protocol: protocol(cfg), Streams: cfg.Streams}
	ecfg.StartAt = cfg.StartAt
	if err := checkStartAt(cfg); err != nil {
		warn(stderr, "volley: "+err.Error())
		return ExitNoStart
	}
	// Writes to stdout and stderr (the text report, diagnostics) ignore their errors, as wrk's
	// printf does: a closed pipe on fd 1 or 2 already ends the process with SIGPIPE (Go's
	// default), and any other failure of a terminal or redirect is not the run's fault. The
	// exit code stays the run's verdict; the --json/--html/--hdr-log files are checked
	// (outs.write), since those are what tools read.
	_ = report.WriteBanner(text, run)
	var stopProgress func()
	ecfg.Live, stopProgress = startProgress(cfg, stderr)
	res, err := engine.Run(ctx, ecfg)
	stopProgress()
	if err != nil {
		warn(stderr, "volley: "+err.Error())
		return ExitNoStart
	}
	if res.ScriptErr != nil {
		// A script that fails ends the run with its one line: the run it cut short is no
		// result to report or to write (and is all zeros when it failed at the first request).
		warn(stderr, res.ScriptErr.Error())
		return ExitUsage
	}
	run.Lag = res.Lag
	warnLate(cfg, res.Late, stderr)
	_ = report.WriteText(text, run, res.Result)
	rc := runConfig(cfg)
	rc.Shard, rc.LateStart, rc.Others = shardName(cfg), res.Late, run.Others
	if err := outs.write(rc, res.Result); err != nil {
		warn(stderr, "volley: "+err.Error())
		return ExitUsage
	}
	if sm != nil {
		if err := done(sm, res.Result); err != nil {
			warn(stderr, err.Error())
			return ExitUsage
		}
	}
	if checkThresholds(cfg, res.Result, text) {
		return ExitThreshold
	}
	return ExitOK
}

// memoryBudget bounds what a hostile server can make volley hold over all connections at once:
// partial header sections and, for a script's response(), kept headers and bodies.
const memoryBudget = 1 << 30

func limits(cfg *cli.Config) h1.Limits {
	l := h1.DefaultLimits()
	share := max(memoryBudget/cfg.Connections, 4<<10)
	if cfg.MaxHeaderBytes > 0 {
		l.MaxHeaderBytes = cfg.MaxHeaderBytes
	}
	if l.MaxHeaderBytes == h1.DefaultLimits().MaxHeaderBytes {
		// The default shrinks with very many connections; an explicit flag is obeyed.
		l.MaxHeaderBytes = min(l.MaxHeaderBytes, share)
	}
	if cfg.MaxHeaders > 0 {
		l.MaxHeaders = cfg.MaxHeaders
	}
	l.MaxBodyKeep = min(l.MaxBodyKeep, share)
	return l
}

// buildRequest makes wrk's default request: GET, the URL's path and query, Host, then -H headers.
func buildRequest(cfg *cli.Config) ([]byte, error) {
	headers := make([]h1.Field, 0, len(cfg.Headers)+1)
	host := cfg.Target.HostHeader
	for _, h := range cfg.Headers {
		if strings.EqualFold(h.Name, "Host") {
			host = h.Value
			continue
		}
		headers = append(headers, h1.Field{Name: h.Name, Value: h.Value})
	}
	headers = append([]h1.Field{{Name: "Host", Value: host}}, headers...)
	req, err := h1.AppendRequest(nil, "GET", cfg.Target.RequestURI, headers, nil, false)
	if err == nil && len(req) > cfg.MaxRequestBytes {
		return nil, fmt.Errorf("the request is %d bytes, more than --max-request-bytes allows (%d)", len(req), cfg.MaxRequestBytes)
	}
	return req, err
}

func tlsConfig(cfg *cli.Config) *tls.Config {
	name := cfg.Target.ServerName()
	for _, h := range cfg.Headers {
		if strings.EqualFold(h.Name, "Host") {
			if host, _, err := net.SplitHostPort(h.Value); err == nil {
				name = host
			} else {
				name = h.Value
			}
		}
	}
	return &tls.Config{
		ServerName:         name,
		InsecureSkipVerify: cfg.Insecure, //nolint:gosec // -k/--insecure: the user asked to skip verification
		MinVersion:         tls.VersionTLS12,
		NextProtos:         alpn(cfg),
	}
}

// alpn is what volley offers by ALPN: exactly the protocol it will speak.
func alpn(cfg *cli.Config) []string {
	if cfg.HTTP2 {
		return []string{"h2"}
	}
	return []string{"http/1.1"}
}

// pickAddress resolves the target and, like wrk, uses the first address that accepts a
// connection, so that a wrong port fails at once with a clear message instead of a run of
// connect errors.
func pickAddress(ctx context.Context, t *target.Target, policy *netpolicy.Policy, timeout time.Duration) (netip.AddrPort, error) {
	rctx, cancel := context.WithTimeout(ctx, max(timeout, 5*time.Second))
	defer cancel()
	addrs, err := policy.Target(rctx)
	if err != nil {
		return netip.AddrPort{}, err
	}
	var firstErr error
	for _, a := range addrs {
		d := net.Dialer{Timeout: timeout}
		c, err := d.DialContext(ctx, "tcp", a.String())
		if err == nil {
			c.Close()
			return a, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if firstErr == nil {
		firstErr = errors.New("no addresses")
	}
	return netip.AddrPort{}, fmt.Errorf("unable to connect to %s: %s", report.Escape(net.JoinHostPort(t.Host, fmt.Sprint(t.Port))), dialText(firstErr))
}

func dialText(err error) string {
	var se syscall.Errno
	if errors.As(err, &se) {
		return se.Error()
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timed out"
	}
	return err.Error()
}

// warn prints a diagnostic on one line of stderr. Like every write to the standard streams here
// it ignores the write's error: see run.
func warn(stderr io.Writer, msg string) {
	_, _ = fmt.Fprintln(stderr, oneLine(msg))
}

// oneLine keeps an error on one terminal line, whatever text it carries.
func oneLine(s string) string {
	return report.Escape(strings.ReplaceAll(s, "\n", " "))
}
