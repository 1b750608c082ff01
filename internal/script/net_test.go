package script

import (
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// listener accepts connections on addr and counts them.
func listener(t *testing.T, addr string) (netip.AddrPort, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	t.Cleanup(func() { _ = ln.Close() }) // the test is over; a failed close changes nothing
	var n atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			_ = c.Close() // only the connection counts
		}
	}()
	return netip.MustParseAddrPort(ln.Addr().String()), &n
}

// The network capability, per function: what the target and --allow-net grant works, anything
// else is a Lua error that names the flag, and the address that was refused sees no connection.
func TestNetworkCapability(t *testing.T) {
	tgt, _ := listener(t, "127.0.0.1:0")
	other, otherConns := listener(t, "127.0.0.2:0")
	url := "http://" + tgt.String() + "/"
	op := other.Port()
	sub := func(s string) string {
		return strings.NewReplacer("OTHERPORT", strconv.Itoa(int(op)), "OTHER", other.String(), "TARGET", tgt.String()).Replace(s)
	}
	cases := []struct {
		name   string
		grants []string
		setup  string // the body of setup(thread)
		want   string // the error, "" for none
		addr   string // the thread's address after setup, when no error
		conns  int64  // connections the other listener accepts
	}{
		{name: "lookup the target by name", setup: `thread.addr = wrk.lookup(wrk.host, wrk.port)[1]`, addr: "TARGET"},
		{name: "connect to the target", setup: `assert(wrk.connect(wrk.lookup(wrk.host, wrk.port)[1]))`, addr: "TARGET"},
		{name: "lookup another host", setup: `wrk.lookup("127.0.0.2", "OTHERPORT")`,
			want: `wrk.lookup: "127.0.0.2" is not the target (TARGET); grant it with --allow-net 127.0.0.2`},
		{name: "lookup another host, granted", grants: []string{"127.0.0.2"}, setup: `thread.addr = wrk.lookup("127.0.0.2", "OTHERPORT")[1]`, addr: "OTHER"},
		{name: "lookup a name", setup: `wrk.lookup("leak.example", "80")`,
			want: `wrk.lookup: "leak.example" is not the target (TARGET); grant it with --allow-net leak.example`},
		{name: "connect to another host", grants: []string{"127.0.0.2:1"}, setup: `wrk.connect(wrk.lookup("127.0.0.2", "OTHERPORT")[1])`,
			want: `wrk.connect: OTHER is not the target (TARGET); grant it with --allow-net OTHER`},
		{name: "connect to another host, granted", grants: []string{"OTHER"}, setup: `assert(wrk.connect(wrk.lookup("127.0.0.2", "OTHERPORT")[1]))`, addr: "TARGET", conns: 1},
		{name: "thread.addr to another host", grants: []string{"127.0.0.2:1"}, setup: `thread.addr = wrk.lookup("127.0.0.2", "OTHERPORT")[1]`,
			want: `thread.addr: OTHER is not the target (TARGET); grant it with --allow-net OTHER`},
		{name: "thread.addr to another port of the target", setup: `thread.addr = wrk.lookup(wrk.host, "11211")[1]`,
			want: `thread.addr: 127.0.0.1:11211 is not the target (TARGET); grant it with --allow-net 127.0.0.1:11211`},
		{name: "port scan", setup: `for p = 1, 65535 do wrk.connect(wrk.lookup(wrk.host, tostring(p))[1]) end`,
			want: `wrk.connect: 127.0.0.1:1 is not the target`},
		{name: "port scan of a granted host", grants: []string{"127.0.0.2:1"}, setup: `for p = 1, 65535 do wrk.connect(wrk.lookup("127.0.0.2", tostring(p))[1]) end`,
			want: `wrk.connect: 127.0.0.2:2 is not the target`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := otherConns.Load()
			var grants []string
			for _, g := range c.grants {
				grants = append(grants, sub(g))
			}
			m, _, err := load(t, sub(`function setup(thread) `+c.setup+` end`), func(o *Options) {
				o.Target = Target{Scheme: "http", Host: "127.0.0.1", Port: strconv.Itoa(int(tgt.Port())), Path: "/", URL: url}
				o.Net = policyFor(t, url, grants...)
			})
			if err != nil {
				t.Fatal(err)
			}
			th, err := m.NewThread(0, tgt)
			if err != nil {
				t.Fatal(err)
			}
			err = m.Setup([]*Thread{th})
			switch {
			case c.want != "":
				wantError(t, err, ErrScript, sub(c.want))
			case err != nil:
				t.Fatal(err)
			case th.Addr().String() != sub(c.addr):
				t.Errorf("thread.addr = %v, want %s", th.Addr(), sub(c.addr))
			}
			// The accept loop counts a moment after the connect returns.
			deadline := time.Now().Add(time.Second)
			if c.conns == 0 {
				deadline = time.Now().Add(50 * time.Millisecond)
			}
			for otherConns.Load()-before < c.conns && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			if c.conns == 0 {
				time.Sleep(time.Until(deadline))
			}
			if got := otherConns.Load() - before; got != c.conns {
				t.Errorf("the other address accepted %d connections, want %d", got, c.conns)
			}
		})
	}
}

// --max-request-bytes bounds what a script can hand the engine, however it builds it.
func TestMaxRequestBytes(t *testing.T) {
	cases := []struct {
		name, src string
		kind      ErrorKind
		want      string
	}{
		{"request() batch", `local one = wrk.format() request = function() return one:rep(100) end`, ErrRequest,
			"request() returned 2600 bytes, more than --max-request-bytes allows (1024 bytes)"},
		{"wrk.format body", `request = function() return wrk.format("POST", "/", nil, ("x"):rep(2000)) end`, ErrScript,
			"test.lua:1: wrk.format: the request is 2071 bytes, more than --max-request-bytes allows (1024 bytes)"},
		{"wrk table body", `wrk.body = ("x"):rep(2000)`, ErrRequest,
			"the request built from the wrk table is invalid: the request is 2070 bytes, more than --max-request-bytes allows (1024 bytes)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, _ := mustLoad(t, c.src, func(o *Options) { o.MaxRequestBytes = 1024 })
			th := thread(t, m)
			_, _, err := th.Request()
			wantError(t, err, c.kind, c.want)
		})
	}
	// At the limit is allowed.
	m, _ := mustLoad(t, `local one = wrk.format() request = function() return one:rep(37) end`, func(o *Options) { o.MaxRequestBytes = 37 * 26 })
	if _, _, err := thread(t, m).Request(); err != nil {
		t.Errorf("a batch of exactly the limit: %v", err)
	}
}
