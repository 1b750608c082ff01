package app

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"volley/internal/cli"
	"volley/internal/engine"
	"volley/internal/h1"
	"volley/internal/report"
	"volley/internal/stats"
	"volley/internal/target"
	"volley/internal/targets"
)

// A run without a script sends requests from flags (-m, -b, --body-file, -H, one or more URLs)
// or from a targets file; either way they become the same list of targets, grouped by origin.
// Each origin gets its endpoint (how connections reach it) and its payloads, built by
// h1.AppendRequest: the one validation of every request volley sends.

// origin is one server (scheme, host, port) and the targets that name it.
type origin struct {
	name    string         // "scheme://host:port", in reports
	url     *target.Target // the first target naming it
	targets []targets.Target
	ep      engine.Endpoint
	// absolute: requests go to an HTTP proxy in absolute form, with proxyAuth if any.
	absolute  bool
	proxyAuth string
	via       string // how it is reached, for messages: "" or " through the proxy …"
	dialHost  string // what connections dial: the origin, a --connect-to address or a proxy
	dialPort  int
	payloads  []engine.Payload // without a script: its targets as requests
}

// maxOrigins bounds the servers of one run: each costs a histogram per thread.
const maxOrigins = 100

// loadTargets returns the run's targets: from --targets, or from the URLs and request flags.
func loadTargets(cfg *cli.Config, stdin io.Reader) ([]targets.Target, error) {
	if cfg.Targets != "" {
		return readTargetsFile(cfg.Targets, stdin)
	}
	method := cfg.Method
	if method == "" {
		method = "GET"
	}
	body := []byte(cfg.Body)
	if cfg.BodyFile != "" {
		b, err := readBodyFile(cfg.BodyFile)
		if err != nil {
			return nil, err
		}
		body = b
	}
	ts := make([]targets.Target, len(cfg.URLs))
	for i, u := range cfg.URLs {
		ts[i] = targets.Target{Method: method, URL: u, Body: body, HasBody: cfg.HasBody}
	}
	return ts, nil
}

// readBodyFile reads --body-file once, whole and bounded: every request sends it from memory.
// The user named the file, so unlike a targets file's @body it may be anywhere.
func readBodyFile(path string) ([]byte, error) {
	return readFlagFile("--body-file", path, targets.MaxBodyBytes)
}

// readFlagFile reads a file a flag names, whole and at most limit bytes, whatever it is (a
// pipe from <(…), or /dev/zero by mistake); its error names the flag.
func readFlagFile(flag, path string, limit int64) ([]byte, error) {
	f, err := os.Open(path) //nolint:gosec // G304: the user named this file
	if err == nil {
		defer func() { _ = f.Close() }() // read only: nothing to lose
		var b []byte
		if b, err = targets.ReadLimited(f, limit); err == nil {
			return b, nil
		}
	}
	return nil, fmt.Errorf("%s %s: %s", flag, report.Escape(path), pathErrText(err))
}

// readTargetsFile reads --targets: a file, whose @body files are read under its directory, or
// standard input, whose @body files are read under the working directory.
func readTargetsFile(name string, stdin io.Reader) ([]targets.Target, error) {
	r, dir := stdin, "."
	if name != "-" {
		f, err := os.Open(name) //nolint:gosec // G304: the user named this file (--targets)
		if err != nil {
			return nil, fmt.Errorf("--targets %s: %s", report.Escape(name), pathErrText(err))
		}
		defer func() { _ = f.Close() }() // read only: nothing to lose
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return nil, fmt.Errorf("--targets %s: is a directory", report.Escape(name))
		}
		r, dir = f, filepath.Dir(name)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("--targets %s: %s", report.Escape(name), pathErrText(err))
	}
	defer func() { _ = root.Close() }() // read only: nothing to lose
	return targets.Read(r, name, root)
}

// groupOrigins groups targets by origin, in the order origins first appear.
func groupOrigins(ts []targets.Target) ([]*origin, error) {
	var out []*origin
	byName := map[string]*origin{}
	for _, t := range ts {
		name := t.URL.Scheme + "://" + target.HostPort(strings.ToLower(t.URL.Host), t.URL.Port)
		o := byName[name]
		if o == nil {
			if len(out) == maxOrigins {
				return nil, fmt.Errorf("more than %d servers (scheme, host and port) in one run", maxOrigins)
			}
			o = &origin{name: name, url: t.URL}
			byName[name] = o
			out = append(out, o)
		}
		o.targets = append(o.targets, t)
	}
	return out, nil
}

// build makes the origin's requests: the URL's path (absolute form through an HTTP
// proxy), Host (the URL's, or -H Host, or the target's own), -H headers, the target's headers,
// Content-Length when there is a body.
func (o *origin) build(cfg *cli.Config) ([]engine.Payload, error) {
	out := make([]engine.Payload, 0, len(o.targets))
	for _, t := range o.targets {
		host := t.URL.HostHeader
		headers := []h1.Field{{Name: "Host"}}
		if o.proxyAuth != "" {
			headers = append(headers, h1.Field{Name: "Proxy-Authorization", Value: o.proxyAuth})
		}
		for _, h := range cfg.Headers {
			if strings.EqualFold(h.Name, "Host") {
				host = h.Value
				continue
			}
			headers = append(headers, h1.Field{Name: h.Name, Value: h.Value})
		}
		for _, h := range t.Headers {
			if strings.EqualFold(h.Name, "Host") {
				host = h.Value
				continue
			}
			headers = append(headers, h)
		}
		headers[0].Value = host
		path := t.URL.RequestURI
		if o.absolute {
			path = t.URL.Scheme + "://" + t.URL.HostHeader + t.URL.RequestURI
		}
		// A method that defines a meaning for content says it has none with Content-Length: 0
		// (RFC 9110 8.6): servers may refuse a POST without it (411).
		hasBody := t.HasBody || t.Method == "POST" || t.Method == "PUT" || t.Method == "PATCH"
		data, err := h1.AppendRequest(nil, t.Method, path, headers, t.Body, hasBody)
		if err == nil && len(data) > cfg.MaxRequestBytes {
			err = fmt.Errorf("it is %d bytes, more than --max-request-bytes allows (%d)", len(data), cfg.MaxRequestBytes)
		}
		if err != nil {
			where := t.URL.Raw
			if cfg.Targets != "" {
				where = fmt.Sprintf("%s:%d", cfg.Targets, t.Line)
			}
			return nil, fmt.Errorf("request for %s: %w", report.Escape(where), err)
		}
		out = append(out, engine.Payload{Data: data, Heads: []bool{t.Method == "HEAD"}, Close: asksClose(headers)})
	}
	return out, nil
}

// asksClose reports whether the headers hold the "close" connection option.
func asksClose(headers []h1.Field) bool {
	for _, h := range headers {
		if strings.EqualFold(h.Name, "Connection") {
			for opt := range strings.SplitSeq(h.Value, ",") {
				if strings.EqualFold(strings.TrimSpace(opt), "close") {
					return true
				}
			}
		}
	}
	return false
}

// spreadConnections gives each origin connections in proportion to its targets, at least one
// each, and interleaves them so that every thread gets a fair mix; it returns each
// connection's origin in the run's order.
func spreadConnections(origins []*origin, connections int) ([]int, error) {
	if connections < len(origins) {
		return nil, fmt.Errorf("-c/--connections %d is fewer than the %d servers; each needs a connection", connections, len(origins))
	}
	total := 0
	for _, o := range origins {
		total += len(o.targets)
	}
	// One each, then the rest in proportion, remainders to the largest fractions.
	share := make([]int, len(origins))
	rest := connections - len(origins)
	given := 0
	for i, o := range origins {
		share[i] = 1 + rest*len(o.targets)/total
		given += share[i]
	}
	byFraction := make([]int, len(origins))
	for i := range byFraction {
		byFraction[i] = i
	}
	slices.SortStableFunc(byFraction, func(a, b int) int {
		return rest*len(origins[b].targets)%total - rest*len(origins[a].targets)%total
	})
	for _, i := range byFraction[:connections-given] {
		share[i]++
	}
	// Smooth weighted round robin: at each step, the origin furthest behind its share.
	order := make([]int, connections)
	credit := make([]int, len(origins))
	for g := range order {
		best := 0
		for i := range origins {
			credit[i] += share[i]
			if credit[i] > credit[best] {
				best = i
			}
		}
		credit[best] -= connections
		order[g] = best
	}
	return order, nil
}

// stdin is where --targets - reads; tests replace it.
var stdin io.Reader = os.Stdin

// staticThreads gives the engine the origins, their payloads and each thread's connections.
func staticThreads(cfg *cli.Config, ecfg *engine.Config, origins []*origin) error {
	order, err := spreadConnections(origins, cfg.Connections)
	if err != nil {
		return err
	}
	for _, o := range origins {
		ecfg.Origins = append(ecfg.Origins, engine.Origin{Endpoint: o.ep, Payloads: o.payloads})
	}
	ecfg.PerOrigin = len(origins) > 1
	first := 0
	for i := range cfg.Threads {
		n := engine.ConnectionsFor(i, cfg.Threads, cfg.Connections)
		ecfg.Threads = append(ecfg.Threads, engine.Thread{Conns: order[first : first+n]})
		first += n
	}
	return nil
}

// bannerURL is what "Running 10s test @ …" names: the URL, as wrk; with several targets the
// first and how many more.
func bannerURL(cfg *cli.Config, origins []*origin) string {
	n := 0
	for _, o := range origins {
		n += len(o.targets)
	}
	if n <= 1 {
		return cfg.Target.Raw
	}
	return fmt.Sprintf("%s and %d more", cfg.Target.Raw, n-1)
}

// topReason is the most frequent error reason, for a run that measured nothing.
func topReason(e *stats.Errors) string {
	best, n := "", uint64(0)
	for r, k := range e.Reasons {
		if k > n || k == n && r < best {
			best, n = r, k
		}
	}
	if best == "" {
		return "no reason recorded"
	}
	return best
}
