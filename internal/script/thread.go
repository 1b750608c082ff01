package script

import (
	"math"
	"net/netip"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"volley/internal/h1"

	lua "github.com/yuin/gopher-lua"
)

// Thread is one thread's Lua state: init(), delay(), request() and
// response() run here, on the thread's goroutine. A Thread's methods must not
// be called concurrently with each other, nor with the Main's Setup or Done.
type Thread struct {
	m       *Main
	s       *state
	index   int
	addr    netip.AddrPort
	stopped atomic.Bool
	inited  bool
	pinned  bool  // Pin was called
	tid     int32 // the OS thread Pin was called on

	mainUD *lua.LUserData // this thread as the main state sees it
	ownUD  *lua.LUserData // wrk.thread

	reqFn, respFn, delayFn *lua.LFunction

	static      []byte
	staticHeads []bool
	staticErr   error

	last        lua.LString // the last string request() returned, kept alive
	lastPayload []byte
	lastHeads   []bool
	scratch     []bool

	// The Lua strings made for the last response's header values and body: a server sends
	// mostly the same ones each time, and an equal string is the same immutable Lua value.
	respValues []luaString // by field index
	respBody   luaString
}

type luaString struct {
	s string
	v lua.LValue
}

// of returns s as a Lua value, reusing the last one when s is unchanged.
func (b *luaString) of(s string) lua.LValue {
	if b.v == nil || b.s != s {
		b.s, b.v = s, lua.LString(s)
	}
	return b.v
}

// ofBytes is of for bytes: an unchanged body costs no allocation.
func (b *luaString) ofBytes(p []byte) lua.LValue {
	if b.v == nil || b.s != string(p) {
		b.s = string(p)
		b.v = lua.LString(b.s)
	}
	return b.v
}

// NewThread creates thread i's state, connecting to addr unless setup()
// changes it, and runs the script in it. wrk.thread is this thread.
func (m *Main) NewThread(i int, addr netip.AddrPort) (*Thread, error) {
	m.mu.Lock()
	closed := m.closed
	m.mu.Unlock()
	if closed {
		return nil, newError(ErrScript, m.name+": the script was closed")
	}
	t := &Thread{m: m, index: i, addr: addr}
	s, err := m.newState(t)
	if err != nil {
		return nil, err
	}
	t.s = s
	s.wrk.RawSetString("thread", t.userdata(s))
	if err := s.run(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.threads = append(m.threads, t)
	m.mu.Unlock()
	return t, nil
}

// Pin says that the calling goroutine, locked to its OS thread
// (runtime.LockOSThread), makes all of the thread's later request(),
// response() and delay() calls, as the engine's event loops do. Their CPU
// time is then read from that thread's clock with no system call on the hot
// path; unpinned, each call locks its goroutine and identifies its thread
// itself (system calls that cost about as much as a small hook).
func (t *Thread) Pin() {
	t.tid, t.pinned = currentThread(), true
}

// Addr is the address the thread connects to, as setup() left it.
func (t *Thread) Addr() netip.AddrPort { return t.addr }

// Stopped reports whether the script called thread:stop().
func (t *Thread) Stopped() bool { return t.stopped.Load() }

// HasRequest, HasResponse and HasDelay report, after Init, whether the script
// defines these hooks. Without request() the engine sends StaticRequest.
func (t *Thread) HasRequest() bool  { return t.reqFn != nil }
func (t *Thread) HasResponse() bool { return t.respFn != nil }
func (t *Thread) HasDelay() bool    { return t.delayFn != nil }

// Init runs wrk's thread initialisation: a Host header unless the script set
// one, init(args), then the static request built from the wrk table (which
// wrk.request() returns), and the lookup of the hooks.
func (t *Thread) Init() error {
	s, L := t.s, t.s.L
	defer s.flush()
	headers, ok := s.wrk.RawGetString("headers").(*lua.LTable)
	if !ok {
		return s.fail(ErrScript, "wrk.headers must be a table")
	}
	if _, found := headerLookup(headers, "host"); !found {
		host, err := s.hostHeader()
		if err != nil {
			return err
		}
		headers.RawSetString("Host", lua.LString(host))
	}
	if fn := s.global("init"); fn != nil {
		args := L.CreateTable(len(t.m.opts.Args), 1)
		for i, a := range t.m.opts.Args {
			args.RawSetInt(i, lua.LString(a)) // args[0] is the URL, as in wrk
		}
		L.Push(fn)
		L.Push(args)
		if err := s.pcall("init()", setupBudget, 1, 0); err != nil {
			return err
		}
	}
	t.buildStatic()
	t.reqFn, t.respFn, t.delayFn = s.global("request"), s.global("response"), s.global("delay")
	t.inited = true
	return s.measure()
}

// buildStatic formats the request from the wrk table once, as wrk.init does,
// and makes wrk.request() return it.
func (t *Thread) buildStatic() {
	s := t.s
	req, err := s.format(lua.LNil, lua.LNil, lua.LNil, lua.LNil)
	if err == nil {
		t.staticHeads, err = h1.ScanRequests(req, nil)
	}
	if err != nil {
		t.staticErr = s.fail(ErrRequest, "the request built from the wrk table is invalid: "+err.Error())
	}
	t.static = req
	str := lua.LString(req)
	s.wrk.RawSetString("request", s.L.NewFunction(func(L *lua.LState) int {
		if t.staticErr != nil {
			L.RaiseError("%s", strings.TrimPrefix(t.staticErr.Error(), s.m.name+": "))
		}
		L.Push(str)
		return 1
	}))
}

// StaticRequest is the request built once by Init from wrk.method, wrk.path,
// wrk.headers and wrk.body, with one HEAD flag per request in it. Both are
// read-only and stay valid.
func (t *Thread) StaticRequest() ([]byte, []bool, error) {
	if !t.inited {
		return nil, nil, t.s.fail(ErrScript, "the thread was not initialised (Init)")
	}
	if t.staticErr != nil {
		return nil, nil, t.staticErr
	}
	return t.static, t.staticHeads, nil
}

// Request calls request(). The payload holds one or more whole requests,
// validated by h1.ScanRequests, and heads says for each whether it is a HEAD
// request. Both are read-only and stay valid for as long as they are held;
// when request() returns the same string again they are returned again
// without validation or copying.
func (t *Thread) Request() ([]byte, []bool, error) {
	if t.reqFn == nil {
		return t.StaticRequest()
	}
	s, L := t.s, t.s.L
	L.Push(t.reqFn)
	if err := s.pcall("request()", t.m.opts.HookTimeout, 0, 1); err != nil {
		return nil, nil, err
	}
	s.flushLines()
	v := L.Get(-1)
	L.Pop(1)
	str, ok := v.(lua.LString)
	if !ok {
		return nil, nil, s.fail(ErrScript, "request() must return a string, got "+typeName(v))
	}
	//nolint:gosec // G103: compares the addresses only, never dereferenced
	if len(str) == len(t.last) && len(str) > 0 && unsafe.StringData(string(str)) == unsafe.StringData(string(t.last)) {
		return t.lastPayload, t.lastHeads, nil
	}
	if limit := t.m.opts.MaxRequestBytes; len(str) > limit {
		return nil, nil, s.fail(ErrRequest, tooLarge("request() returned", len(str), limit).Error())
	}
	// Zero copy: ScanRequests and the engine only read payload (write(2) or
	// TLS encryption copy it), and t.last keeps the Lua string alive.
	payload := unsafe.Slice(unsafe.StringData(string(str)), len(str)) //nolint:gosec // G103: the bytes are never written, see above
	heads, err := h1.ScanRequests(payload, t.scratch[:0])
	t.scratch = heads[:0]
	if err != nil {
		return nil, nil, s.fail(ErrRequest, "request() returned an invalid request: "+err.Error())
	}
	t.last, t.lastPayload, t.lastHeads = str, payload, stableHeads(heads)
	return t.lastPayload, t.lastHeads, nil
}

// allFalse backs the heads of payloads without HEAD requests, the common
// case, so that they need no allocation. Nobody writes to it.
var allFalse [64]bool

func stableHeads(h []bool) []bool {
	if len(h) <= len(allFalse) && !slices.Contains(h, true) {
		return allFalse[:len(h):len(h)]
	}
	return slices.Clone(h)
}

// boxed holds the Lua values of small integers, so that passing a status
// code to response() does not allocate.
var boxed = func() (b [1000]lua.LValue) {
	for i := range b {
		b[i] = lua.LNumber(i)
	}
	return b
}()

func number(n int) lua.LValue {
	if n >= 0 && n < len(boxed) {
		return boxed[n]
	}
	return lua.LNumber(n)
}

// Response calls response(status, headers, body). Header names keep their
// case; of repeated headers the last one wins, as in wrk.
func (t *Thread) Response(status int, headers []h1.Field, body []byte) error {
	if t.respFn == nil {
		return nil
	}
	s, L := t.s, t.s.L
	L.Push(t.respFn)
	L.Push(number(status))
	tbl := L.CreateTable(0, len(headers))
	if len(t.respValues) < len(headers) {
		t.respValues = append(t.respValues, make([]luaString, len(headers)-len(t.respValues))...)
	}
	for i, f := range headers {
		tbl.RawSetString(f.Name, t.respValues[i].of(f.Value))
	}
	L.Push(tbl)
	L.Push(t.respBody.ofBytes(body))
	if err := s.pcall("response()", t.m.opts.HookTimeout, 3, 0); err != nil {
		return err
	}
	s.flushLines()
	return nil
}

// maxDelay bounds what delay() may ask for.
const maxDelay = 24 * time.Hour

// Delay calls delay(), which returns milliseconds to wait before the next
// request; negative and NaN are 0, and more than a day is a day.
func (t *Thread) Delay() (time.Duration, error) {
	if t.delayFn == nil {
		return 0, nil
	}
	s, L := t.s, t.s.L
	L.Push(t.delayFn)
	if err := s.pcall("delay()", t.m.opts.HookTimeout, 0, 1); err != nil {
		return 0, err
	}
	s.flushLines()
	v := L.Get(-1)
	L.Pop(1)
	var ms float64
	switch v := v.(type) {
	case lua.LNumber:
		ms = float64(v)
	case lua.LString:
		f, ok := parseNumber(string(v))
		if !ok {
			return 0, s.fail(ErrScript, "delay() must return a number of milliseconds, got "+quoteName(string(v)))
		}
		ms = f
	default:
		return 0, s.fail(ErrScript, "delay() must return a number of milliseconds, got "+typeName(v))
	}
	switch {
	case math.IsNaN(ms) || ms <= 0:
		return 0, nil
	case ms >= float64(maxDelay/time.Millisecond):
		return maxDelay, nil
	}
	return time.Duration(ms * float64(time.Millisecond)), nil
}
