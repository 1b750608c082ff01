package app

import (
	"errors"
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
)

// Scripts run in wrk's order: the script in the main state, then one state per thread, then
// setup(thread) for each thread in the main state, then init(args) in each thread's state. The
// threads' addresses and static requests come from their states.
// loadScript compiles and runs the script in the main state: before the target is
// resolved, so that a broken script is reported as such, as wrk does.
func loadScript(cfg *cli.Config, policy *netpolicy.Policy, stdout io.Writer) (*script.Main, error) {
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
		Target:      script.Target{Scheme: t.Scheme, Host: t.Host, Port: port, Path: t.RequestURI, Headers: headers, URL: t.Raw},
		HookTimeout: cfg.ScriptTimeout,
		MemoryLimit: cfg.ScriptMemory,
		Stdout:      stdout,
		Net:         policy,

		MaxRequestBytes: cfg.MaxRequestBytes,
	})
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

// otherAddresses are the addresses besides the target's that threads load, in thread order,
// with how many threads load each: what a script's thread.addr chose, within --allow-net.
func otherAddresses(threads []engine.Thread, policy *netpolicy.Policy) []report.OtherAddress {
	var others []report.OtherAddress
	for _, th := range threads {
		if policy.IsTarget(th.Addr) {
			continue
		}
		addr := th.Addr.String()
		i := slices.IndexFunc(others, func(o report.OtherAddress) bool { return o.Address == addr })
		if i < 0 {
			others = append(others, report.OtherAddress{Address: addr})
			i = len(others) - 1
		}
		others[i].Threads++
	}
	return others
}

// scriptThreads creates the threads' states, calls setup(thread) for each and then init.
func scriptThreads(m *script.Main, cfg *cli.Config, addr netip.AddrPort) ([]engine.Thread, error) {
	var err error
	states := make([]*script.Thread, cfg.Threads)
	for i := range states {
		if states[i], err = m.NewThread(i, addr); err != nil {
			return nil, err
		}
	}
	if err := m.Setup(states); err != nil {
		return nil, err
	}
	threads := make([]engine.Thread, cfg.Threads)
	for i, st := range states {
		if err := st.Init(); err != nil {
			return nil, err
		}
		threads[i] = engine.Thread{Addr: st.Addr(), Script: st}
		if !st.HasRequest() {
			if threads[i].Request, threads[i].Heads, err = st.StaticRequest(); err != nil {
				return nil, err
			}
		}
	}
	return threads, nil
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
	return m.Done(sum, scriptStats{res.Latency}, scriptStats{res.Rate})
}

// scriptStats gives a histogram the shape of wrk's stats objects.
type scriptStats struct{ *stats.Histogram }

// Distinct is #stats: how many distinct values were recorded (HdrHistogram buckets).
func (s scriptStats) Distinct() int64 {
	var n int64
	for _, bar := range s.HDR().Distribution() {
		if bar.Count > 0 {
			n++
		}
	}
	return n
}

// ValueAt is stats(i+1): the i-th distinct value, ascending, and how often it was recorded.
func (s scriptStats) ValueAt(i int64) (value, count int64) {
	for _, bar := range s.HDR().Distribution() {
		if bar.Count == 0 {
			continue
		}
		if i == 0 {
			return bar.From, bar.Count
		}
		i--
	}
	return 0, 0
}
