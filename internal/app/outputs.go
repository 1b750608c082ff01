package app

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"volley/internal/cli"
	"volley/internal/engine"
	"volley/internal/report"
	"volley/internal/stats"
	"volley/internal/threshold"
)

// ExitThreshold is the exit code of a run that finished but failed a --fail-on
// expression (docs/architecture.md, decision 11).
const ExitThreshold = 3

// textOutput is where the text report goes (banner, report, --fail-on
// lines): stdout, unless --json - takes stdout for the JSON.
func textOutput(cfg *cli.Config, stdout, stderr io.Writer) io.Writer {
	if cfg.JSON == "-" {
		return stderr
	}
	return stdout
}

// startProgress shows the live progress line on stderr while the engine
// runs, when stderr is a terminal and --quiet is not given. Put live into
// engine.Config.Live (it is nil when there is no progress line: the engine
// then counts nothing extra), and call stop once engine.Run returns, before
// anything else is printed: it erases the line.
func startProgress(cfg *cli.Config, stderr io.Writer) (live *engine.Live, stop func()) {
	if cfg.Quiet || !report.IsTerminal(stderr) {
		return nil, func() {}
	}
	live = new(engine.Live)
	// With -n alone the duration is 0: the run has no known end to count down to.
	p := report.StartProgress(stderr, cfg.Duration, func() (uint64, uint64) { return live.Requests.Load(), live.Errors.Load() })
	return live, p.Stop
}

// outputs are the files that --json, --html and --hdr-log name. They are
// opened before the run, so that an unwritable path fails at once rather
// than after a long run, and written after it.
type outputs struct {
	cfg     *cli.Config
	stdout  io.Writer
	files   map[string]*os.File // by flag: "json", "html", "hdr-log"
	created map[string]bool     // files that did not exist before
	written bool
}

// openOutputs opens (or creates) the output files without changing them
// yet. On an error, the files it created are removed.
func openOutputs(cfg *cli.Config, stdout io.Writer) (*outputs, error) {
	o := &outputs{cfg: cfg, stdout: stdout, files: map[string]*os.File{}, created: map[string]bool{}}
	for _, out := range []struct{ flag, name string }{{"json", cfg.JSON}, {"html", cfg.HTML}, {"hdr-log", cfg.HDRLog}} {
		if out.name == "" || out.name == "-" {
			continue
		}
		_, statErr := os.Stat(out.name)
		// Results are meant to be shared: 0644, less what the umask takes.
		f, err := os.OpenFile(out.name, os.O_WRONLY|os.O_CREATE, 0o644) //nolint:gosec // see above
		if err != nil {
			o.close()
			return nil, fmt.Errorf("--%s %s: %s", out.flag, report.Escape(out.name), pathErrText(err))
		}
		o.files[out.flag] = f
		o.created[out.flag] = errors.Is(statErr, fs.ErrNotExist)
	}
	return o, nil
}

// write renders the result into each output and closes the files. The
// JSON of --json - goes to stdout.
func (o *outputs) write(cfg report.RunConfig, res *stats.Result) error {
	doc := &report.Document{Version: Version, Config: cfg, Result: res}
	o.written = true
	defer o.close()
	if o.cfg.JSON == "-" {
		if err := report.WriteJSON(o.stdout, doc); err != nil {
			return fmt.Errorf("--json: %w", err)
		}
	}
	writers := []struct {
		flag  string
		write func(io.Writer) error
	}{
		{"json", func(w io.Writer) error { return report.WriteJSON(w, doc) }},
		{"html", func(w io.Writer) error { return report.WriteHTML(w, doc) }},
		{"hdr-log", func(w io.Writer) error { return report.WriteHDRLog(w, res, Version) }},
	}
	for _, wr := range writers {
		f := o.files[wr.flag]
		if f == nil {
			continue
		}
		err := truncate(f)
		if err == nil {
			err = wr.write(f)
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		delete(o.files, wr.flag)
		if err != nil {
			return fmt.Errorf("--%s %s: %s", wr.flag, report.Escape(f.Name()), pathErrText(err))
		}
	}
	return nil
}

// truncate empties a regular file before it is written; a device or a pipe
// (--json /dev/stderr) is written as it is.
func truncate(f *os.File) error {
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return err
	}
	return f.Truncate(0)
}

// close closes the files still open. If the run did not happen, the files
// created for it are removed and those that existed are left as they were.
// It may be called again.
func (o *outputs) close() {
	for flag, f := range o.files {
		_ = f.Close() // nothing was written, or write already reported the error
		if !o.written && o.created[flag] {
			_ = os.Remove(f.Name()) // best effort: an empty file is all that could remain
		}
		delete(o.files, flag)
	}
}

func pathErrText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error() // the path is already in the message
	}
	return err.Error()
}

// runConfig is what the JSON and HTML outputs record about a run.
func runConfig(cfg *cli.Config) report.RunConfig {
	rc := report.RunConfig{
		Threads: cfg.Threads, Connections: cfg.Connections, Duration: cfg.Duration, Requests: cfg.Requests, Timeout: cfg.Timeout,
		Rate: cfg.Rate, Script: cfg.Script, HeaderNames: []string{}, Runs: 1,
		Protocol: "http/1.1", Streams: 1,
	}
	if cfg.HTTP2 {
		rc.Protocol, rc.Streams = protocol(cfg), cfg.Streams
	}
	if cfg.Target != nil {
		rc.URL = cfg.Target.Raw
	}
	for _, h := range cfg.Headers {
		rc.HeaderNames = append(rc.HeaderNames, h.Name)
	}
	return rc
}

// checkThresholds evaluates the --fail-on expressions against the result,
// writing one line for each ("PASS p99<50ms (p99 = 12.3ms)"); failed is true
// when any does not hold, and the run should exit with ExitThreshold.
func checkThresholds(cfg *cli.Config, res *stats.Result, w io.Writer) (failed bool) {
	outcomes, failed := threshold.EvalAll(cfg.FailOn, res)
	var b strings.Builder
	for _, o := range outcomes {
		b.WriteString(report.Verdict(o) + "\n")
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return true // a verdict nobody can read is not a pass
	}
	return failed
}

// runMerge is "volley merge": the results in cfg.MergeFiles as one run, in
// the text report (stdout, or stderr with --json -) and the outputs asked
// for, then the --fail-on verdicts.
func runMerge(cfg *cli.Config, stdout, stderr io.Writer) int {
	fail := func(msg string) int {
		_, _ = fmt.Fprintln(stderr, oneLine(msg)) // nowhere left to report a failure to
		return ExitUsage
	}
	doc, err := report.MergeFiles(cfg.MergeFiles)
	if err != nil {
		return fail("volley: merge: " + err.Error())
	}
	if missing := report.MissingShards(doc); len(missing) > 0 {
		_, _ = fmt.Fprintln(stderr, oneLine("volley: merge: warning: shards "+strings.Join(missing, ", ")+" are missing: this is part of the test, not all of it"))
	}
	out, err := openOutputs(cfg, stdout)
	if err != nil {
		return fail("volley: " + err.Error())
	}
	defer out.close()
	text := textOutput(cfg, stdout, stderr)
	run := doc.Run(cfg.Latency)
	if err := report.WriteBanner(text, run); err != nil {
		return fail("volley: writing the report: " + err.Error())
	}
	if err := report.WriteText(text, run, doc.Result); err != nil {
		return fail("volley: writing the report: " + err.Error())
	}
	if err := out.write(doc.Config, doc.Result); err != nil {
		return fail("volley: " + err.Error())
	}
	if checkThresholds(cfg, doc.Result, text) {
		return ExitThreshold
	}
	return ExitOK
}
