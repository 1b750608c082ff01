// Package cli turns volley's command line, which is wrk's plus a few fixes
// and additions, into a validated, immutable Config.
package cli

import (
	"time"

	"volley/internal/netpolicy"

	"volley/internal/target"
	"volley/internal/threshold"
)

// Command is what the invocation asks for.
type Command int

const (
	CmdRun        Command = iota // benchmark Config.Target
	CmdHelp                      // print Usage() and exit 0
	CmdVersion                   // print the version and exit 0
	CmdDemo                      // start the built-in target and benchmark it; Config.Target is nil
	CmdMerge                     // merge the JSON results Config.MergeFiles into one report; Config.Target is nil
	CmdKubeJob                   // print the Kubernetes Job for Config.Kube
	CmdCompletion                // print the completion script for the shell Config.Shell
	CmdServe                     // run the built-in target alone (Config.Serve)
	CmdServeHelp                 // print ServeUsage and exit 0
)

// Config is a validated run. Nothing in it needs checking again.
type Config struct {
	Target               *target.Target // nil for CmdDemo: the caller starts the built-in target
	Threads, Connections int
	Duration, Timeout    time.Duration // Duration 0: -n without -d, no deadline
	Headers              []Header      // in order given; a "Host" header replaces the default (the engine does that)
	Latency              bool
	Script               string   // path of the Lua script, "" for none
	ScriptArgs           []string // positionals after the URL; init(args) gets the URL as args[0], then these
	Insecure             bool
	MaxHeaderBytes       int // response header block limit
	MaxHeaders           int // response header count limit
	MaxRequestBytes      int // largest payload (one or more pipelined requests) volley sends

	Rate        float64 // -R: requests/s over all connections; 0 = as fast as each connection can
	Uncorrected bool    // -U: also print the uncorrected latency distribution (rate mode)
	Requests    uint64  // -n: stop after exactly this many requests; 0 = no limit

	AllowRead     []string          // --allow-read: roots under which scripts may read files
	ScriptTimeout time.Duration     // --script-timeout: CPU time per request/response/delay hook call
	ScriptMemory  int64             // --script-memory: bytes for all of a script's state
	AllowNet      []netpolicy.Grant // --allow-net: hosts and addresses scripts may reach besides the target
	AllowWrite    []string          // --allow-write: directories under which scripts may create and write files
	AllowEnv      []string          // --allow-env: environment variables scripts may read, NAME or PREFIX*
	MaxWriteBytes int64             // --max-write-bytes: bytes a script's file writes may add in a run

	// Outputs besides the text report, written after the run.
	JSON       string           // --json: the JSON result's file, "-" for stdout (the text report then goes to stderr)
	HTML       string           // --html: the HTML report's file
	HDRLog     string           // --hdr-log: the HdrHistogram interval log's file
	FailOn     []threshold.Expr // --fail-on, in order given: exit 3 unless all hold
	Quiet      bool             // --quiet: no live progress line
	MergeFiles []string         // CmdMerge: the JSON results to merge, in order given

	// A shard of a distributed run (--shard I/N, or --shards N with the index from
	// JOB_COMPLETION_INDEX): this process runs share ShardIndex of ShardCount; 0 = not sharded.
	ShardIndex, ShardCount int
	StartAt                time.Time // --start-at: wall-clock start; zero = at once

	Kube  *KubeJob // CmdKubeJob
	Serve *Serve   // CmdServe

	Shell string // CmdCompletion: one of Shells

	Request
	Reach

	HTTP2   bool // --http2: h2 over TLS (ALPN) for https, h2c with prior knowledge for http
	Streams int  // --streams: concurrent streams per HTTP/2 connection (1 without --http2)
}

// Request is the request without a script (request.go): from -m/-b/--body-file and -H, or from
// a --targets file; several URLs without a script are several targets.
type Request struct {
	Method   string           // -m: "" means GET
	Body     string           // -b
	HasBody  bool             // -b or --body-file: the request has a body, framed with Content-Length
	BodyFile string           // --body-file: read (size-capped) when the run starts
	Targets  string           // --targets: a file in vegeta's http format, "-" for stdin
	URLs     []*target.Target // every URL given; Target is the first (nil with --targets alone)
}

// Reach is how connections reach the servers (request.go).
type Reach struct {
	UnixSocket   string             // --unix-socket: every connection goes to this socket
	ConnectTo    []target.ConnectTo // --connect-to rules, first match wins
	CACert       string             // --cacert: trust the CAs in this PEM file (instead of the system's)
	Cert, Key    string             // --cert, --key: the client certificate and its key
	TLSMin       uint16             // --tls-min: tls.VersionTLS12 or tls.VersionTLS13
	NoResumption bool               // --no-session-resumption: every handshake a full one
	Proxy        *target.Proxy      // --proxy; nil: HTTPS_PROXY/HTTP_PROXY/NO_PROXY apply
}

// Bounds on the flags.
const (
	MinThreads, MaxThreads                 = 1, 1024
	MinConnections, MaxConnections         = 1, 1_000_000
	MinDuration, MaxDuration               = time.Millisecond, 30 * 24 * time.Hour
	MinTimeout, MaxTimeout                 = time.Millisecond, time.Hour
	MinMaxHeaderBytes, MaxMaxHeaderBytes   = 1 << 10, 16 << 20
	MinMaxHeaders, MaxMaxHeaders           = 1, 65536
	MinRate, MaxRate                       = 1, 1_000_000_000
	MinRequests, MaxRequests               = 1, 1_000_000_000_000
	MinScriptTimeout, MaxScriptTimeout     = time.Millisecond, time.Minute
	MinScriptMemory, MaxScriptMemory       = 1 << 20, 64 << 30
	MaxAllowRead                           = 100 // --allow-read, --allow-net, --allow-write and --allow-env flags, each
	MinMaxRequestBytes, MaxMaxRequestBytes = 1 << 10, 1 << 30
	DefaultMaxRequestBytes                 = 4 << 20
	MinMaxWriteBytes, MaxMaxWriteBytes     = 1 << 10, 1 << 40
	MaxFailOn                              = 100 // --fail-on flags
	MinStreams, MaxStreams                 = 1, 1000
)

// UsageError is an invalid invocation: print Error() (one line, already
// prefixed with "volley: ") and exit with ExitCode().
type UsageError struct{ msg string }

func (e *UsageError) Error() string { return "volley: " + e.msg }

// ExitCode is 1, as for every invalid invocation.
func (e *UsageError) ExitCode() int { return 1 }

func usageErrorf(msg string) *UsageError { return &UsageError{msg: msg} }
