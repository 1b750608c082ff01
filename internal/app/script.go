package app

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"

	"volley/internal/cli"
	"volley/internal/engine"
	"volley/internal/h1"
	"volley/internal/netpolicy"
	"volley/internal/report"
	"volley/internal/script"
	"volley/internal/stats"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Scripts run in wrk's order: the script in the main state, then one state per thread, then
// setup(thread) for each thread in the main state, then init(args) in each thread's state. The
// threads' addresses and static requests come from their states.
// loadScript compiles and runs the script in the main state: before the target is
// resolved, so that a broken script is reported as such, as wrk does.
func loadScript(cfg *cli.Config, policy *netpolicy.Policy, stdout, stderr io.Writer, interrupt <-chan struct{}) (*script.Main, error) {
	t := cfg.Target
	port := ""
	if t.PortGiven {
		port = strconv.Itoa(t.Port)
	}
	headers := make([]h1.Field, len(cfg.Headers))
	for i, h := range cfg.Headers {
		headers[i] = h1.Field{Name: h.Name, Value: h.Value}
	}
	return script.Load(script.Options{
		Path:        cfg.Script,
		Args:        append([]string{t.Raw}, cfg.ScriptArgs...),
		AllowRead:   cfg.AllowRead,
		AllowWrite:  cfg.AllowWrite,
		AllowEnv:    cfg.AllowEnv,
		MaxWrite:    cfg.MaxWriteBytes,
		Target:      script.Target{Scheme: t.Scheme, Host: t.Host, Port: port, Path: t.RequestURI, Headers: headers, URL: t.Raw},
		HookTimeout: cfg.ScriptTimeout,
		MemoryLimit: cfg.ScriptMemory,
		Stdout:      stdout,
		Stderr:      stderr,
		Net:         policy,

		MaxRequestBytes: cfg.MaxRequestBytes,
		Interrupt:       interrupt,
	})
}

// netPolicy is what scripts may reach: what the run dials for the target (cfg.Target, one
// of origins, whose endpoints planOrigins set), and what --allow-net grants. Without a script
// it only resolves the target, once.
func netPolicy(cfg *cli.Config, origins []*origin) *netpolicy.Policy {
	for _, o := range origins {
		if o.url == cfg.Target {
			return netpolicy.Reaching(cfg.Target, netpolicy.Dial{
				Host: o.dialHost, Port: o.dialPort, Proxy: o.absolute || len(o.ep.Connect) > 0, Unix: o.ep.Unix,
			}, cfg.AllowNet)
		}
	}
	return netpolicy.New(cfg.Target, cfg.AllowNet)
}

// loadError is the line for a script that did not load: the script's own failures read
// "script.lua:12: message", as wrk prints them; a script or --allow-read root that cannot be
// read is the invocation's fault, and says so as every other invocation error does.
func loadError(err error) string {
	if se := (*script.Error)(nil); errors.As(err, &se) && se.Kind == script.ErrPermission {
		return "volley: " + se.Msg
	}
	return err.Error()
}

// otherAddresses are the addresses, besides the one volley picked and the target's, that
// threads load, in thread order, with how many threads load each: what a script's thread.addr
// chose, within --allow-net.
func otherAddresses(origins []engine.Origin, picked netip.AddrPort, policy *netpolicy.Policy) []report.OtherAddress {
	var others []report.OtherAddress
	for _, o := range origins {
		if !o.Addr.IsValid() || o.Addr == picked || policy.IsTarget(o.Addr) {
			continue // a socket or a proxy, or the target itself
		}
		addr := o.Addr.String()
		i := slices.IndexFunc(others, func(x report.OtherAddress) bool { return x.Address == addr })
		if i < 0 {
			others = append(others, report.OtherAddress{Address: addr})
			i = len(others) - 1
		}
		others[i].Threads++
	}
	return others
}

// scriptThreads creates the threads' states, calls setup(thread) for each and then init. Each
// thread's connections dial its thread.addr (a script may change it in setup): the target's
// address, the --connect-to address or the proxy, as volley dials it, or one --allow-net
// grants. Through a Unix socket there is no address to change. Its static request, if any, is
// its payload.
func scriptThreads(m *script.Main, cfg *cli.Config, o *origin) ([]engine.Thread, []engine.Origin, error) {
	var err error
	states := make([]*script.Thread, cfg.Threads)
	for i := range states {
		if states[i], err = m.NewThread(i, o.ep.Addr); err != nil {
			return nil, nil, err
		}
	}
	if err := m.Setup(states); err != nil {
		return nil, nil, err
	}
	threads := make([]engine.Thread, cfg.Threads)
	origins := make([]engine.Origin, cfg.Threads)
	for i, st := range states {
		if err := st.Init(); err != nil {
			return nil, nil, err
		}
		origins[i].Endpoint = o.ep
		if o.ep.Unix == "" {
			origins[i].Addr = st.Addr()
		} else if st.Addr() != o.ep.Addr {
			return nil, nil, fmt.Errorf("volley: thread.addr: connections go through the socket %s (--unix-socket), not to an address", report.Escape(o.ep.Unix))
		}
		if !st.HasRequest() {
			req, heads, err := st.StaticRequest()
			if err != nil {
				return nil, nil, err
			}
			origins[i].Payloads = []engine.Payload{{Data: req, Heads: heads}}
		}
		threads[i] = engine.Thread{Script: st, Conns: make([]int, engine.ConnectionsFor(i, cfg.Threads, cfg.Connections))}
		for j := range threads[i].Conns {
			threads[i].Conns[j] = i
		}
	}
	return threads, origins, nil
}

// interrupted reports whether err is a script call stopped by SIGINT: a hook stopped that way
// ends the run as the signal does, with the report, not as the script's failure.
func interrupted(err error) bool {
	var se *script.Error
	return errors.As(err, &se) && se.Kind == script.ErrInterrupted
}

// done calls the script's done(summary, latency, requests).
func done(m *script.Main, res *stats.Result) error {
	if !m.HasDone() {
		return nil
	}
	e := res.Errors
	sum := script.Summary{
		Duration: res.Elapsed, Requests: res.Requests, Bytes: res.Bytes,
		Connect: e.Connect, Read: e.Read, Write: e.Write, Status: e.Status, Timeout: e.Timeout,
	}
	return m.Done(sum, &scriptStats{Histogram: res.Latency}, &scriptStats{Histogram: res.Rate})
}

// scriptStats gives a histogram the shape of wrk's stats objects. Its distinct values are
// listed once, when the script first asks: a done() that walks latency(i) for every i is then
// linear in the values, not quadratic.
type scriptStats struct {
	*stats.Histogram
	bars []hdrhistogram.Bar // the recorded values, ascending, each with its count
	done bool
}

func (s *scriptStats) list() []hdrhistogram.Bar {
	if !s.done {
		for _, bar := range s.HDR().Distribution() {
			if bar.Count > 0 {
				s.bars = append(s.bars, bar)
			}
		}
		s.done = true
	}
	return s.bars
}

// Distinct is #stats: how many distinct values were recorded (HdrHistogram buckets).
func (s *scriptStats) Distinct() int64 { return int64(len(s.list())) }

// ValueAt is stats(i+1): the i-th distinct value, ascending, and how often it was recorded.
func (s *scriptStats) ValueAt(i int64) (value, count int64) {
	if bars := s.list(); i >= 0 && i < int64(len(bars)) {
		return bars[i].From, bars[i].Count
	}
	return 0, 0
}
