package cli

import (
	"errors"
	"strings"

	"github.com/spf13/pflag"
)

// flagDef is one flag. The table drives the flag set, GNU-style long-name
// abbreviation and the "-test." guard, so they cannot disagree.
type flagDef struct {
	short    byte   // 0: long form only
	long     string //
	argument bool   // takes a value
}

var flagDefs = []flagDef{
	{'c', "connections", true},
	{'d', "duration", true},
	{'t', "threads", true},
	{'s', "script", true},
	{'H', "header", true},
	{'L', "latency", false},
	{'T', "timeout", true},
	{'v', "version", false},
	{'h', "help", false},
	{'k', "insecure", false},
	{0, "max-header-bytes", true},
	{0, "max-headers", true},
	{'R', "rate", true},
	{'U', "u_latency", false},
	{'n', "requests", true},
	{0, "allow-read", true},
	{0, "script-timeout", true},
	{0, "script-memory", true},
	{0, "allow-write", true},
	{0, "allow-env", true},
	{0, "max-write-bytes", true},
	{0, "json", true},
	{0, "html", true},
	{0, "hdr-log", true},
	{0, "fail-on", true},
	{0, "quiet", false},
	{0, "shard", true},
	{0, "shards", true},
	{0, "start-at", true},
	{0, "allow-net", true},
	{0, "max-request-bytes", true},
	{'m', "method", true},
	{'b', "body", true},
	{0, "body-file", true},
	{0, "targets", true},
	{0, "unix-socket", true},
	{0, "connect-to", true},
	{0, "cacert", true},
	{0, "cert", true},
	{0, "key", true},
	{0, "tls-min", true},
	{0, "no-session-resumption", false},
	{0, "proxy", true},
	{0, "http2", false},
	{0, "streams", true},
}

// mergeFlags are the flags that apply to "volley merge"; the others are
// about running a load and are rejected there.
var mergeFlags = map[string]bool{"latency": true, "json": true, "html": true, "hdr-log": true, "fail-on": true, "quiet": true, "help": true, "version": true}

// displayName is how messages name a flag: "-c/--connections" or "--max-headers".
func displayName(long string) string {
	for _, d := range flagDefs {
		if d.long == long && d.short != 0 {
			return "-" + string(d.short) + "/--" + long
		}
	}
	return "--" + long
}

// rawFlags holds flag values as typed; they are validated after parsing so
// that every error names its flag in our words, and -h/-v win over them.
type rawFlags struct {
	connections, duration, threads, script, timeout string
	maxHeaderBytes, maxHeaders                      string
	rate, requests, scriptTimeout, scriptMemory     string
	json, html, hdrLog                              string
	shard, shards, startAt                          string
	maxRequestBytes                                 string
	headers, allowRead, allowNet, failOn            []string
	allowWrite, allowEnv                            []string
	maxWriteBytes                                   string
	latency, insecure, version, help, uLatency      bool
	quiet                                           bool

	// The request without a script, and how to reach the server (request.go).
	method, body, bodyFile, targets       string
	unixSocket, cacert, cert, key, tlsMin string
	proxy                                 string
	connectTo                             []string
	noResumption                          bool

	http2   bool   // --http2
	streams string // --streams
}

// defaults for a run and for "volley demo".
var (
	runDefaults  = rawFlags{connections: "10", duration: "10s", threads: "2", timeout: "2s", maxHeaderBytes: "64k", maxHeaders: "256", scriptTimeout: "100ms", scriptMemory: "256M", maxRequestBytes: "4M", maxWriteBytes: "1G"}
	demoDefaults = rawFlags{connections: "50", duration: "3s", threads: "2", timeout: "2s", maxHeaderBytes: "64k", maxHeaders: "256", scriptTimeout: "100ms", scriptMemory: "256M", maxRequestBytes: "4M", maxWriteBytes: "1G"}
)

func newFlagSet(v *rawFlags, defaults rawFlags) *pflag.FlagSet {
	fs := pflag.NewFlagSet("volley", pflag.ContinueOnError)
	fs.Usage = func() {}
	fs.SetOutput(discard{})
	fs.SortFlags = false
	fs.SetNormalizeFunc(expandLongName)
	fs.StringVarP(&v.connections, "connections", "c", defaults.connections, "")
	fs.StringVarP(&v.duration, "duration", "d", defaults.duration, "")
	fs.StringVarP(&v.threads, "threads", "t", defaults.threads, "")
	fs.StringVarP(&v.script, "script", "s", "", "")
	// StringArray, not StringSlice: a header value may contain commas.
	fs.StringArrayVarP(&v.headers, "header", "H", nil, "")
	fs.BoolVarP(&v.latency, "latency", "L", false, "")
	fs.StringVarP(&v.timeout, "timeout", "T", defaults.timeout, "")
	fs.BoolVarP(&v.version, "version", "v", false, "")
	fs.BoolVarP(&v.help, "help", "h", false, "")
	fs.BoolVarP(&v.insecure, "insecure", "k", false, "")
	fs.StringVar(&v.maxHeaderBytes, "max-header-bytes", defaults.maxHeaderBytes, "")
	fs.StringVar(&v.maxHeaders, "max-headers", defaults.maxHeaders, "")
	fs.StringVarP(&v.rate, "rate", "R", "", "")
	fs.BoolVarP(&v.uLatency, "u_latency", "U", false, "")
	fs.StringVarP(&v.requests, "requests", "n", "", "")
	fs.StringArrayVar(&v.allowRead, "allow-read", nil, "")
	fs.StringVar(&v.scriptTimeout, "script-timeout", defaults.scriptTimeout, "")
	fs.StringVar(&v.scriptMemory, "script-memory", defaults.scriptMemory, "")
	fs.StringArrayVar(&v.allowWrite, "allow-write", nil, "")
	fs.StringArrayVar(&v.allowEnv, "allow-env", nil, "")
	fs.StringVar(&v.maxWriteBytes, "max-write-bytes", defaults.maxWriteBytes, "")
	fs.StringVar(&v.shard, "shard", "", "")
	fs.StringVar(&v.shards, "shards", "", "")
	fs.StringVar(&v.startAt, "start-at", "", "")
	fs.StringVar(&v.json, "json", "", "")
	fs.StringVar(&v.html, "html", "", "")
	fs.StringVar(&v.hdrLog, "hdr-log", "", "")
	fs.StringArrayVar(&v.failOn, "fail-on", nil, "")
	fs.BoolVar(&v.quiet, "quiet", false, "")
	fs.StringArrayVar(&v.allowNet, "allow-net", nil, "")
	fs.StringVar(&v.maxRequestBytes, "max-request-bytes", defaults.maxRequestBytes, "")
	fs.StringVarP(&v.method, "method", "m", "", "")
	fs.StringVarP(&v.body, "body", "b", "", "")
	fs.StringVar(&v.bodyFile, "body-file", "", "")
	fs.StringVar(&v.targets, "targets", "", "")
	fs.StringVar(&v.unixSocket, "unix-socket", "", "")
	fs.StringArrayVar(&v.connectTo, "connect-to", nil, "")
	fs.StringVar(&v.cacert, "cacert", "", "")
	fs.StringVar(&v.cert, "cert", "", "")
	fs.StringVar(&v.key, "key", "", "")
	fs.StringVar(&v.tlsMin, "tls-min", "", "")
	fs.BoolVar(&v.noResumption, "no-session-resumption", false, "")
	fs.StringVar(&v.proxy, "proxy", "", "")
	fs.BoolVar(&v.http2, "http2", false, "")
	fs.StringVar(&v.streams, "streams", "1", "")
	return fs
}

// singleValued makes every flag of fs that takes one value refuse a second one: with
// "--json a.json --json b.json" one of the two would be ignored in silence. Switches may repeat
// (-L -L says the same twice), and so may the flags that collect values (-H, --fail-on, ...).
func singleValued(fs *pflag.FlagSet) {
	fs.VisitAll(func(f *pflag.Flag) {
		if defByLong(f.Name).argument && !strings.HasSuffix(f.Value.Type(), "Array") {
			f.Value = &once{Value: f.Value}
		}
	})
}

// errRepeated is once's refusal, told apart in flagError.
var errRepeated = errors.New("given more than once")

// once is a flag value that may be set once.
type once struct {
	pflag.Value
	set bool
}

func (o *once) Set(v string) error {
	if o.set {
		return errRepeated
	}
	o.set = true
	return o.Value.Set(v)
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// expandLongName gives long options getopt_long's abbreviations: an exact
// name, or a prefix of exactly one name ("--conn", "--lat").
func expandLongName(_ *pflag.FlagSet, name string) pflag.NormalizedName {
	if m := longMatches(name); len(m) == 1 {
		return pflag.NormalizedName(m[0])
	}
	return pflag.NormalizedName(name)
}

// wrkFlags is how many rows of flagDefs are wrk's own flags.
const wrkFlags = 9

// longMatches returns the exact long name, or every name that name abbreviates. An
// abbreviation of exactly one of wrk's flags keeps wrk's meaning ("--conn" is --connections,
// not --connect-to), so that volley's flags never break a wrk command line.
func longMatches(name string) []string {
	var m []string
	wrk := 0
	for i, d := range flagDefs {
		if d.long == name {
			return []string{name}
		}
		if name != "" && strings.HasPrefix(d.long, name) {
			m = append(m, d.long)
			if i < wrkFlags {
				wrk++
			}
		}
	}
	if wrk == 1 {
		return m[:1] // wrk's rows come first
	}
	return m
}

// findGotestFlag returns the first argument that pflag would skip in
// silence: it ignores shorthand groups starting with "test." (go test's
// flags). A user's "-test.x" must be an unknown flag, not vanish.
func findGotestFlag(args []string) (string, bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return "", false
		}
		if len(a) < 2 || a[0] != '-' {
			continue
		}
		if a[1] == '-' {
			name, _, hasValue := strings.Cut(a[2:], "=")
			if m := longMatches(name); len(m) == 1 && !hasValue && defByLong(m[0]).argument {
				i++ // the next argument is this flag's value
			}
			continue
		}
		// A group of shorthands: switches, then perhaps one flag that takes
		// the rest of the group, or the next argument, as its value.
		for j := 1; j < len(a); j++ {
			if strings.HasPrefix(a[j:], "test.") {
				return a, true
			}
			d, ok := defByShort(a[j])
			if !ok {
				break // pflag reports it
			}
			if d.argument {
				if j == len(a)-1 {
					i++
				}
				break
			}
		}
	}
	return "", false
}

func defByLong(long string) flagDef {
	for _, d := range flagDefs {
		if d.long == long {
			return d
		}
	}
	return flagDef{}
}

func defByShort(c byte) (flagDef, bool) {
	for _, d := range flagDefs {
		if d.short == c && c != 0 {
			return d, true
		}
	}
	return flagDef{}, false
}
