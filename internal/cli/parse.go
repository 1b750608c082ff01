package cli

import (
	"errors"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"volley/internal/netpolicy"
	"volley/internal/target"
	"volley/internal/threshold"
)

// Parse reads the command line (without argv[0]). Flags may come before or
// after the URL, as with GNU getopt; "--" ends them. The first positional
// is the URL, the rest are script arguments. "volley demo [flags]" takes
// the same flags and no URL. "volley merge [flags] <file>..." takes the
// output flags (mergeFlags) and result files. -h/--help and -v/--version win
// over any other error. Every error is a *UsageError.
func Parse(args []string) (*Config, Command, error) {
	cmd, defaults := CmdRun, runDefaults
	if len(args) > 0 && args[0] == "completion" {
		return parseCompletion(args[1:])
	}
	if len(args) > 0 && args[0] == "kube-job" {
		if slices.Contains(args[1:], "-h") || slices.Contains(args[1:], "--help") {
			return nil, CmdHelp, nil
		}
		cfg, err := parseKubeJob(args[1:])
		return cfg, CmdKubeJob, err
	}
	if len(args) > 0 && args[0] == "serve" {
		return parseServe(args[1:])
	}
	if len(args) > 0 && args[0] == "demo" {
		cmd, defaults, args = CmdDemo, demoDefaults, args[1:]
	} else if len(args) > 0 && args[0] == "merge" {
		cmd, args = CmdMerge, args[1:]
	}

	// First a lenient pass that only looks for -h and -v, skipping unknown
	// flags, so that "volley --bogus -h" still shows the help.
	var probe rawFlags
	lenient := newFlagSet(&probe, defaults)
	lenient.ParseErrorsAllowlist.UnknownFlagsHandling = pflag.IgnoreUnknownFlag
	_ = lenient.Parse(args) // errors are reported by the strict pass
	if probe.help {
		return nil, CmdHelp, nil
	}
	if probe.version {
		return nil, CmdVersion, nil
	}

	if a, found := findGotestFlag(args); found {
		return nil, cmd, usageErrorf("unknown flag " + quote(a))
	}
	var v rawFlags
	fs := newFlagSet(&v, defaults)
	singleValued(fs)
	if err := fs.Parse(args); err != nil {
		if askedForHelp(err) {
			return nil, CmdHelp, nil
		}
		return nil, cmd, flagError(err)
	}
	cfg, err := v.config(fs)
	if err != nil {
		return nil, cmd, err
	}

	positional := fs.Args()
	switch cmd {
	case CmdDemo:
		if len(positional) > 0 {
			return nil, cmd, usageErrorf("demo takes no URL (it benchmarks its own built-in server), got " + quote(positional[0]))
		}
	case CmdMerge:
		if err := mergeConfig(cfg, fs, positional); err != nil {
			return nil, cmd, err
		}
	default:
		if err := runTargets(cfg, positional); err != nil {
			return nil, cmd, err
		}
	}
	return cfg, cmd, nil
}

// runTargets reads the positionals of a run: the URL and the script's arguments, or without a
// script any number of URLs (none with --targets).
func runTargets(cfg *Config, positional []string) error {
	switch {
	case cfg.Targets != "" && len(positional) > 0:
		return usageErrorf("--targets gives the URLs, and so does " + quote(positional[0]) + "; use one")
	case cfg.Targets != "":
		return nil
	case len(positional) == 0:
		return usageErrorf("missing URL (usage: volley <options> <url>; see volley -h)")
	}
	urls := positional
	if cfg.Script != "" {
		urls, cfg.ScriptArgs = positional[:1], positional[1:]
	} else {
		cfg.ScriptArgs = []string{}
	}
	if len(urls) > MaxURLs {
		return usageErrorf("too many URLs (" + strconv.Itoa(len(urls)) + ", at most " + strconv.Itoa(MaxURLs) + "; a --targets file takes more)")
	}
	for _, raw := range urls {
		t, err := target.Parse(raw)
		if err != nil {
			if cfg.Script == "" && len(urls) > 1 {
				return usageErrorf(err.Error() + " (without a script, every argument is a URL)")
			}
			return usageErrorf(err.Error())
		}
		cfg.URLs = append(cfg.URLs, t)
	}
	cfg.Target = cfg.URLs[0]
	return nil
}

// MaxURLs bounds the URLs on a command line.
const MaxURLs = 1000

// parseCompletion reads "volley completion SHELL".
func parseCompletion(args []string) (*Config, Command, error) {
	if len(args) == 1 && (args[0] == "-h" || args[0] == "--help") {
		return nil, CmdHelp, nil
	}
	if len(args) != 1 || !slices.Contains(Shells, args[0]) {
		return nil, CmdCompletion, usageErrorf("completion needs one shell: " + strings.Join(Shells, ", ") + " (usage: volley completion bash)")
	}
	return &Config{Shell: args[0]}, CmdCompletion, nil
}

// askedForHelp reports whether err is pflag's refusal of -?, which is wrk's (getopt's) other
// spelling of -h.
func askedForHelp(err error) bool {
	var notExist *pflag.NotExistError
	return errors.As(err, &notExist) && notExist.GetSpecifiedShortnames() != "" && notExist.GetSpecifiedName() == "?"
}

// flagError rewrites pflag's errors as one-line, escaped messages.
func flagError(err error) *UsageError {
	var notExist *pflag.NotExistError
	var needsValue *pflag.ValueRequiredError
	var invalid *pflag.InvalidValueError
	var syntax *pflag.InvalidSyntaxError
	switch {
	case errors.As(err, &notExist):
		name := notExist.GetSpecifiedName()
		if notExist.GetSpecifiedShortnames() != "" {
			return usageErrorf("unknown flag " + quote("-"+name))
		}
		if m := longMatches(name); len(m) > 1 {
			return usageErrorf("ambiguous flag " + quote("--"+name) + " (--" + strings.Join(m, " or --") + ")")
		}
		return usageErrorf("unknown flag " + quote("--"+name))
	case errors.As(err, &needsValue):
		return usageErrorf(displayName(needsValue.GetFlag().Name) + " needs a value")
	case errors.As(err, &invalid) && errors.Is(err, errRepeated):
		return usageErrorf(displayName(invalid.GetFlag().Name) + ": " + errRepeated.Error() + " (it takes one value)")
	case errors.As(err, &invalid):
		return usageErrorf("invalid " + displayName(invalid.GetFlag().Name) + " " + quote(invalid.GetValue()) + ": takes no value (or true/false)")
	case errors.As(err, &syntax):
		return usageErrorf("bad flag syntax " + quote(syntax.GetSpecifiedFlag()))
	}
	return usageErrorf(strings.Join(strings.Fields(err.Error()), " "))
}

// config validates every value; the order of checks is the order of the
// usage text, so the first error reported is predictable.
func (v *rawFlags) config(fs *pflag.FlagSet) (*Config, error) {
	cfg := &Config{Latency: v.latency, Insecure: v.insecure}
	var err error
	if cfg.Connections, err = countFlag("connections", v.connections, MinConnections, MaxConnections); err != nil {
		return nil, err
	}
	if cfg.Duration, err = durationFlag("duration", v.duration, MinDuration, MaxDuration, "720h (30 days)"); err != nil {
		return nil, err
	}
	if cfg.Threads, err = countFlag("threads", v.threads, MinThreads, MaxThreads); err != nil {
		return nil, err
	}
	if fs.Changed("script") {
		if v.script == "" || strings.IndexByte(v.script, 0) >= 0 {
			return nil, invalidFlag("script", v.script, "not a file name")
		}
		cfg.Script = v.script
	}
	if len(v.headers) > MaxHeaderArgs {
		return nil, usageErrorf("too many -H/--header flags (" + strconv.Itoa(len(v.headers)) + ", at most " + strconv.Itoa(MaxHeaderArgs) + ")")
	}
	for _, line := range v.headers {
		h, err := parseHeader(line)
		if err != nil {
			return nil, invalidFlag("header", line, err.Error())
		}
		if cfg.Script == "" && strings.EqualFold(h.Name, "Content-Length") {
			// volley frames the body itself, as wrk.format does: the header would be dropped,
			// or claim bytes that are never sent.
			return nil, invalidFlag("header", line, "Content-Length is set by volley from the body (-b/--body, --body-file)")
		}
		cfg.Headers = append(cfg.Headers, h)
	}
	if cfg.Timeout, err = durationFlag("timeout", v.timeout, MinTimeout, MaxTimeout, "1h"); err != nil {
		return nil, err
	}
	if cfg.MaxHeaderBytes, err = boundedFlag("max-header-bytes", v.maxHeaderBytes, parseBytes, MinMaxHeaderBytes, MaxMaxHeaderBytes, "1k (1024)", "16M (16777216)"); err != nil {
		return nil, err
	}
	if cfg.MaxHeaders, err = countFlag("max-headers", v.maxHeaders, MinMaxHeaders, MaxMaxHeaders); err != nil {
		return nil, err
	}
	if cfg.MaxRequestBytes, err = boundedFlag("max-request-bytes", v.maxRequestBytes, parseBytes, MinMaxRequestBytes, MaxMaxRequestBytes, "1k (1024)", "1G (1073741824)"); err != nil {
		return nil, err
	}
	if fs.Changed("rate") {
		r, err := boundedFlag("rate", v.rate, parseCount, MinRate, MaxRate, "1", "1G")
		if err != nil {
			return nil, err
		}
		cfg.Rate = float64(r)
	}
	if v.uLatency {
		if cfg.Rate == 0 {
			return nil, usageErrorf("-U/--u_latency needs -R/--rate: without a schedule every latency is uncorrected")
		}
		cfg.Uncorrected, cfg.Latency = true, true
	}
	if fs.Changed("requests") {
		n, err := parseCount(v.requests)
		if err == nil && (n < MinRequests || n > MaxRequests) || errors.Is(err, errTooLarge) {
			err = errors.New("must be between 1 and 1000G")
		}
		if err != nil {
			return nil, invalidFlag("requests", v.requests, err.Error())
		}
		cfg.Requests = uint64(n) //nolint:gosec // G115: n is in [MinRequests, MaxRequests], checked just above
		if !fs.Changed("duration") {
			cfg.Duration = 0 // -n alone: no deadline; the run ends when the requests are done
		}
	}
	if err := v.grants(cfg); err != nil {
		return nil, err
	}
	wmax, err := boundedFlag("max-write-bytes", v.maxWriteBytes, parseBytes, MinMaxWriteBytes, MaxMaxWriteBytes, "1k", "1024G")
	if err != nil {
		return nil, err
	}
	cfg.MaxWriteBytes = int64(wmax)
	if cfg.ScriptTimeout, err = durationFlag("script-timeout", v.scriptTimeout, MinScriptTimeout, MaxScriptTimeout, "1m"); err != nil {
		return nil, err
	}
	mem, err := boundedFlag("script-memory", v.scriptMemory, parseBytes, MinScriptMemory, MaxScriptMemory, "1M", "64G")
	if err != nil {
		return nil, err
	}
	cfg.ScriptMemory = int64(mem)
	if cfg.Script == "" {
		for _, long := range []string{"allow-read", "allow-net", "allow-write", "allow-env", "max-write-bytes", "script-timeout", "script-memory"} {
			if fs.Changed(long) {
				return nil, usageErrorf(displayName(long) + " applies to a script, and there is none (-s/--script)")
			}
		}
	}
	if err := v.request(cfg, fs); err != nil {
		return nil, err
	}
	if err := v.reach(cfg, fs); err != nil {
		return nil, err
	}
	cfg.HTTP2 = v.http2
	if cfg.Streams, err = countFlag("streams", v.streams, MinStreams, MaxStreams); err != nil {
		return nil, err
	}
	if cfg.Streams > 1 && !cfg.HTTP2 {
		return nil, usageErrorf("--streams applies to HTTP/2 (--http2); HTTP/1.1 has one request at a time per connection")
	}
	if cfg.Connections < cfg.Threads {
		return nil, usageErrorf("connections must be ≥ threads (-c " + strconv.Itoa(cfg.Connections) + ", -t " + strconv.Itoa(cfg.Threads) + ")")
	}
	if err := v.outputs(cfg, fs); err != nil {
		return nil, err
	}
	if err := v.sharding(cfg, fs); err != nil {
		return nil, err
	}
	return cfg, nil
}

// grants validates what scripts are granted: --allow-read and --allow-write paths, and
// --allow-env names (NAME, or PREFIX* for every name that starts with PREFIX).
func (v *rawFlags) grants(cfg *Config) error {
	for _, g := range []struct {
		long string
		vals []string
		to   *[]string
	}{{"allow-read", v.allowRead, &cfg.AllowRead}, {"allow-write", v.allowWrite, &cfg.AllowWrite}, {"allow-env", v.allowEnv, &cfg.AllowEnv}} {
		if len(g.vals) > MaxAllowRead {
			return usageErrorf("too many --" + g.long + " flags (" + strconv.Itoa(len(g.vals)) + ", at most " + strconv.Itoa(MaxAllowRead) + ")")
		}
		for _, p := range g.vals {
			if g.long == "allow-env" {
				if !envPattern(p) {
					return invalidFlag(g.long, p, "not a variable name, or a prefix followed by * (the whole environment cannot be granted)")
				}
			} else if p == "" || strings.IndexByte(p, 0) >= 0 || len(p) > 4096 {
				return invalidFlag(g.long, p, "not a path")
			}
			*g.to = append(*g.to, p)
		}
	}
	if len(v.allowNet) > MaxAllowRead {
		return usageErrorf("too many --allow-net flags (" + strconv.Itoa(len(v.allowNet)) + ", at most " + strconv.Itoa(MaxAllowRead) + ")")
	}
	for _, s := range v.allowNet {
		g, err := netpolicy.ParseGrant(s)
		if err != nil {
			return invalidFlag("allow-net", s, err.Error()+" (want HOST or HOST:PORT)")
		}
		cfg.AllowNet = append(cfg.AllowNet, g)
	}
	return nil
}

// envPattern reports whether p is a variable name, or a non-empty prefix of one followed by *.
func envPattern(p string) bool {
	name := strings.TrimSuffix(p, "*")
	if name == "" || len(name) > 256 {
		return false
	}
	for i, c := range name {
		if c != '_' && (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// outputs validates the output flags: file names, and --fail-on expressions,
// which are parsed now so that a typo fails before the run, not after it.
func (v *rawFlags) outputs(cfg *Config, fs *pflag.FlagSet) error {
	files := []struct {
		long, name string
		to         *string
	}{{"json", v.json, &cfg.JSON}, {"html", v.html, &cfg.HTML}, {"hdr-log", v.hdrLog, &cfg.HDRLog}}
	seen := map[string]string{}
	for _, f := range files {
		if !fs.Changed(f.long) {
			continue
		}
		switch {
		case f.name == "" || strings.IndexByte(f.name, 0) >= 0:
			return invalidFlag(f.long, f.name, "not a file name")
		case f.name == "-" && f.long != "json":
			return invalidFlag(f.long, f.name, "only --json can write to standard output")
		}
		key := filepath.Clean(f.name)
		if other, ok := seen[key]; ok {
			return usageErrorf("--" + other + " and --" + f.long + " both write " + quote(f.name))
		}
		seen[key] = f.long
		*f.to = f.name
	}
	if len(v.failOn) > MaxFailOn {
		return usageErrorf("too many --fail-on flags (" + strconv.Itoa(len(v.failOn)) + ", at most " + strconv.Itoa(MaxFailOn) + ")")
	}
	for _, s := range v.failOn {
		e, err := threshold.Parse(s)
		if err != nil {
			return invalidFlag("fail-on", s, err.Error())
		}
		cfg.FailOn = append(cfg.FailOn, e)
	}
	cfg.Quiet = v.quiet
	return nil
}

// mergeConfig checks "volley merge": only the output flags, and at least
// one result file.
func mergeConfig(cfg *Config, fs *pflag.FlagSet, files []string) error {
	for _, d := range flagDefs {
		if fs.Changed(d.long) && !mergeFlags[d.long] {
			return usageErrorf(displayName(d.long) + " does not apply to merge (it merges finished runs)")
		}
	}
	if len(files) == 0 {
		return usageErrorf("merge needs result files (usage: volley merge [options] <result.json>...; see volley -h)")
	}
	for _, f := range files {
		if f == "" || strings.IndexByte(f, 0) >= 0 {
			return usageErrorf("merge: " + quote(f) + " is not a file name")
		}
	}
	cfg.MergeFiles = files
	return nil
}

func invalidFlag(long, value, reason string) *UsageError {
	return usageErrorf("invalid " + displayName(long) + " " + quote(value) + ": " + reason)
}

func countFlag(long, value string, lo, hi int) (int, error) {
	return boundedFlag(long, value, parseCount, lo, hi, strconv.Itoa(lo), strconv.Itoa(hi))
}

func boundedFlag(long, value string, parse func(string) (int64, error), lo, hi int, loText, hiText string) (int, error) {
	n, err := parse(value)
	if err == nil && (n < int64(lo) || n > int64(hi)) || errors.Is(err, errTooLarge) {
		err = errors.New("must be between " + loText + " and " + hiText)
	}
	if err != nil {
		return 0, invalidFlag(long, value, err.Error())
	}
	return int(n), nil
}

func durationFlag(long, value string, lo, hi time.Duration, hiText string) (time.Duration, error) {
	d, err := parseDuration(value)
	if err == nil && (d < lo || d > hi) || errors.Is(err, errTooLarge) {
		err = errors.New("must be between " + lo.String() + " and " + hiText)
	}
	if err != nil {
		return 0, invalidFlag(long, value, err.Error())
	}
	return d, nil
}
