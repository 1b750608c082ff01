// Package app is one volley invocation: it wires the command line, the target, the script, the
// engine and the report together. cmd/volley only hands it argv and the standard streams.
package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"volley/internal/cli"
	"volley/internal/clidoc"
	"volley/internal/engine"
	"volley/internal/h1"
	"volley/internal/report"
	"volley/internal/script"
	"volley/internal/target"
	"volley/internal/testserver"
)

// Version is stamped at release time (-ldflags -X).
var Version = "dev"

// Exit codes (docs/architecture.md, decision 11).
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
	case cli.CmdServe:
		return runServe(cfg.Serve, stdout, stderr)
	case cli.CmdServeHelp:
		_, _ = io.WriteString(stdout, cli.ServeUsage)
		return ExitOK
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
		cfg.URLs = []*target.Target{cfg.Target}
		_, _ = fmt.Fprintf(textOutput(cfg, stdout, stderr), "volley demo: built-in target at %s (loopback only)\n", srv.URL())
	}
	return run(cfg, stdout, stderr)
}

func run(cfg *cli.Config, stdout, stderr io.Writer) int {
	ctx, stop := interruptContext()
	defer stop()

	ecfg := engine.Config{
		Connections: cfg.Connections,
		Duration:    cfg.Duration,
		Timeout:     cfg.Timeout,
		Rate:        cfg.Rate,
		Requests:    cfg.Requests,
	}
	takeShare(cfg, &ecfg)
	ecfg.Limits = limits(cfg) // per connection of this process: after its share is known
	// Before anything is printed: a run that cannot open its connections must not start.
	if err := engine.EnsureDescriptors(cfg.Connections, cfg.Threads); err != nil {
		warn(stderr, "volley: "+err.Error())
		return ExitNoStart
	}
	var origins []*origin
	if cfg.Script == "" {
		ts, err := loadTargets(cfg, stdin)
		if err == nil {
			origins, err = groupOrigins(ts)
		}
		if err != nil {
			warn(stderr, "volley: "+err.Error())
			return ExitUsage
		}
		if cfg.Target == nil { // --targets: the banner and the results name the first
			cfg.Target = ts[0].URL
		}
	} else {
		origins = []*origin{{name: cfg.Target.Raw, url: cfg.Target}}
	}
	ecfg.Protocol = wireProtocol(cfg, ecfg.Limits)

	outs, err := openOutputs(cfg, stdout)
	if err != nil {
		warn(stderr, "volley: "+err.Error())
		return ExitUsage
	}
	defer outs.close()
	// The text report, and what scripts print, go to stderr when JSON takes stdout.
	text := textOutput(cfg, stdout, stderr)

	// Where connections go, before the script loads: its network policy grants what the run
	// dials for the target, which is resolved through the policy, once, whoever asks first.
	if err := planOrigins(cfg, origins, os.Getenv, cfg.Script != ""); err != nil {
		warn(stderr, "volley: "+err.Error())
		return ExitUsage
	}
	policy := netPolicy(cfg, origins)
	var sm *script.Main
	if cfg.Script != "" {
		// What scripts print reaches a terminal escaped, newlines and tabs kept.
		scriptOut := &report.SafeWriter{W: text}
		defer scriptOut.Flush() //nolint:errcheck // nothing better to do if stdout is gone
		if sm, err = loadScript(cfg, policy, scriptOut, stderr, ctx.Done()); err != nil {
			warn(stderr, loadError(err))
			return ExitUsage
		}
		defer sm.Close()
	}
	if sm == nil {
		for _, o := range origins {
			if o.payloads, err = o.build(cfg); err != nil {
				warn(stderr, "volley: "+err.Error())
				return ExitUsage
			}
			// Before the probe: a request HTTP/2 cannot carry is an invocation error.
			if err := checkHTTP2Requests(ecfg.Protocol, []engine.Origin{{Payloads: o.payloads}}); err != nil {
				warn(stderr, "volley: "+err.Error())
				return ExitUsage
			}
		}
	}
	if err := probeOrigins(ctx, cfg, origins, policy); err != nil {
		warn(stderr, "volley: "+err.Error())
		return ExitNoStart
	}
	var others []report.OtherAddress // where a script sent threads besides the target
	if sm != nil {
		if ecfg.Threads, ecfg.Origins, err = scriptThreads(sm, cfg, origins[0]); err != nil {
			warn(stderr, err.Error())
			return ExitUsage
		}
		others = otherAddresses(ecfg.Origins, origins[0].ep.Addr, policy)
	} else if err := staticThreads(cfg, &ecfg, origins); err != nil {
		warn(stderr, "volley: "+err.Error())
		return ExitUsage
	}
	if err := checkHTTP2Requests(ecfg.Protocol, ecfg.Origins); err != nil {
		warn(stderr, "volley: "+err.Error())
		return ExitUsage
	}

	run := report.Run{URL: bannerURL(cfg, origins), Threads: cfg.Threads, Connections: cfg.Connections,
		Duration: cfg.Duration, Requests: cfg.Requests, Latency: cfg.Latency, Rate: cfg.Rate, Uncorrected: cfg.Uncorrected,
		Others: others, Protocol: protocol(cfg), Streams: cfg.Streams}
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
	if res.ScriptErr != nil && !interrupted(res.ScriptErr) {
		// A script that fails ends the run with its one line: the run it cut short is no
		// result to report or to write (and is all zeros when it failed at the first request).
		warn(stderr, res.ScriptErr.Error())
		return ExitUsage
	}
	run.Lag = res.Lag
	warnLate(cfg, res.Late, stderr)
	if res.Connections == 0 && res.Errors.Connect > 0 && ctx.Err() == nil {
		// Nothing was measured: say why instead of an all-zero report.
		reason := topReason(&res.Errors)
		if strings.Contains(reason, "failed to verify certificate") { // crypto/tls's words
			reason += certificateHint
		}
		warn(stderr, "volley: no connection succeeded: "+reason)
		return ExitNoStart
	}
	for i := range res.Origins {
		res.Origins[i].Name = origins[i].name
	}
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

// interruptContext is canceled by the first SIGINT or SIGTERM: the run stops (and so does any
// script call running: the main chunk, setup, init, a hook, done) and the report is still
// written, as wrk does. A second signal ends the process at once with the shell's status for it
// (128+n), whatever is running. Explicitly, rather than by restoring the default disposition:
// a process started in the background by a shell inherits SIGINT ignored, and would then ignore
// the second one.
func interruptContext() (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
			cancel()
		case <-done:
			return
		}
		select {
		case sig := <-sigs:
			n, _ := sig.(syscall.Signal)
			os.Exit(128 + int(n))
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel()
	}
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

// warn prints a diagnostic on one line of stderr. Like every write to the standard streams here
// it ignores the write's error: see run.
func warn(stderr io.Writer, msg string) {
	_, _ = fmt.Fprintln(stderr, oneLine(msg))
}

// oneLine keeps an error on one terminal line, whatever text it carries.
func oneLine(s string) string {
	return report.Escape(strings.ReplaceAll(s, "\n", " "))
}
