package script

import (
	"context"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"volley/internal/h1"

	lua "github.com/yuin/gopher-lua"
)

// openWrk creates the wrk table as wrk documents it: scheme, host, port,
// method, path, headers (the -H headers), body, thread, and the functions
// format, lookup and connect.
func (s *state) openWrk(G *lua.LTable) {
	L := s.L
	tg := s.m.opts.Target
	w := L.NewTable()
	w.RawSetString("scheme", lua.LString(orDefault(tg.Scheme, "http")))
	w.RawSetString("host", lua.LString(orDefault(tg.Host, "localhost")))
	if tg.Port != "" {
		w.RawSetString("port", lua.LString(tg.Port))
	}
	w.RawSetString("method", lua.LString("GET"))
	w.RawSetString("path", lua.LString(orDefault(tg.Path, "/")))
	headers := L.NewTable()
	for _, f := range tg.Headers {
		headers.RawSetString(f.Name, lua.LString(f.Value))
	}
	w.RawSetString("headers", headers)
	s.set(w, map[string]lua.LGFunction{
		"format":  s.wrkFormat,
		"lookup":  s.wrkLookup,
		"connect": s.wrkConnect,
	})
	s.addrMeta = lockedMetatable(L)
	s.addrMeta.RawSetString("__tostring", L.NewFunction(addrTostring))
	s.addrMeta.RawSetString("__eq", L.NewFunction(addrEq))
	s.initThreadMeta()
	G.RawSetString("wrk", w)
	s.wrk = w
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// wrkFormat is wrk.format(method, path, headers, body): missing arguments
// come from the wrk table, Host from wrk.headers when headers lack one, and
// Content-Length is the body's length (any given one is dropped), or absent
// without a body. Header names and values must be strings or numbers; the
// result is validated by h1.
func (s *state) wrkFormat(L *lua.LState) int {
	req, err := s.format(L.Get(1), L.Get(2), L.Get(3), L.Get(4))
	if err != nil {
		L.RaiseError("wrk.format: %s", err.Error())
	}
	// req is new and never written again: it can back the string.
	L.Push(lua.LString(unsafe.String(unsafe.SliceData(req), len(req)))) //nolint:gosec // G103: format allocated req for this call only; nothing else holds it
	return 1
}

type formatError string

func (e formatError) Error() string { return string(e) }

// tooLarge refuses a request, or a pipelined batch, of n bytes: "the request is 5.0 MiB, more
// than --max-request-bytes allows (4.0 MiB)".
func tooLarge(what string, n, limit int) error {
	return formatError(what + " " + sizeText(n) + ", more than --max-request-bytes allows (" + sizeText(limit) + ")")
}

func sizeText(n int) string {
	if n < 1<<20 {
		return strconv.Itoa(n) + " bytes"
	}
	return mib(int64(n))
}

// format builds a request; nil or false arguments fall back to the wrk table
// (read raw, as the original table, even if the global wrk was replaced).
func (s *state) format(method, path, headers, body lua.LValue) ([]byte, error) {
	w := s.wrk
	pick := func(v lua.LValue, field string) lua.LValue {
		if lua.LVIsFalse(v) {
			return w.RawGetString(field)
		}
		return v
	}
	m, ok := stringOf(pick(method, "method"))
	if !ok {
		return nil, formatError("method must be a string, got " + typeName(pick(method, "method")))
	}
	p, ok := stringOf(pick(path, "path"))
	if !ok {
		return nil, formatError("path must be a string, got " + typeName(pick(path, "path")))
	}
	var b string
	hasBody := false
	if bv := pick(body, "body"); !lua.LVIsFalse(bv) {
		if b, ok = stringOf(bv); !ok {
			return nil, formatError("body must be a string, got " + typeName(bv))
		}
		hasBody = true
	}
	hv := pick(headers, "headers")
	ht, ok := hv.(*lua.LTable)
	if !ok && hv != lua.LNil {
		return nil, formatError("headers must be a table, got " + typeName(hv))
	}
	fields := s.fields[:0]
	hasHost := false
	if ht != nil {
		var err error
		if fields, hasHost, err = appendFields(fields, ht); err != nil {
			return nil, err
		}
	}
	if !hasHost {
		if wh, ok := w.RawGetString("headers").(*lua.LTable); ok {
			if v, found := headerLookup(wh, "host"); found {
				if hs, ok := stringOf(v); ok {
					fields = append(fields, h1.Field{})
					copy(fields[1:], fields)
					fields[0] = h1.Field{Name: "Host", Value: hs}
				}
			}
		}
	}
	s.fields = fields[:0]
	// AppendRequest only reads the body (copies it into the request).
	bodyBytes := unsafe.Slice(unsafe.StringData(b), len(b)) //nolint:gosec // G103: read only, so the immutable string is safe
	size := len(m) + len(p) + len(b) + 64
	for _, f := range fields {
		size += len(f.Name) + len(f.Value) + 4
	}
	if size > s.m.maxString {
		return nil, formatError("request too large (" + mib(int64(size)) + ")")
	}
	req, err := h1.AppendRequest(make([]byte, 0, size), m, p, fields, bodyBytes, hasBody)
	clear(fields)
	if err == nil && len(req) > s.m.opts.MaxRequestBytes {
		return nil, tooLarge("the request is", len(req), s.m.opts.MaxRequestBytes)
	}
	return req, err
}

// appendFields adds the headers of t in table order (insertion order in
// gopher-lua), reporting whether one of them is Host.
func appendFields(fields []h1.Field, t *lua.LTable) ([]h1.Field, bool, error) {
	hasHost := false
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		name, ok := stringOf(k)
		if !ok {
			return fields, false, formatError("header names must be strings, got " + typeName(k))
		}
		value, ok := stringOf(v)
		if !ok {
			return fields, false, formatError("header " + quoteName(name) + " has a " + typeName(v) + " value; use a string")
		}
		if len(name) == 4 && strings.EqualFold(name, "host") {
			hasHost = true
		}
		fields = append(fields, h1.Field{Name: name, Value: value})
	}
	return fields, hasHost, nil
}

// headerLookup finds a header by name, ignoring case.
func headerLookup(t *lua.LTable, lower string) (lua.LValue, bool) {
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		if name, ok := k.(lua.LString); ok && len(name) == len(lower) && strings.EqualFold(string(name), lower) {
			return v, true
		}
	}
	return lua.LNil, false
}

// netTimeout bounds wrk.lookup and wrk.connect; within a hook the call's
// own time limit is shorter.
func (s *state) netTimeout() time.Duration {
	return min(5*time.Second, time.Duration(s.g.limit.Load()))
}

// wrkLookup is wrk.lookup(host, service): every address of host, with
// service a port number or a name such as "http" (from the services file,
// never DNS). The network policy answers: the target from its one
// resolution, a name granted by --allow-net by resolving it; any other host
// is a Lua error naming the flag, and no query leaves for it.
func (s *state) wrkLookup(L *lua.LState) int {
	host := checkString(L, 1, "lookup")
	service := checkString(L, 2, "lookup")
	ctx, cancel := context.WithTimeout(context.Background(), s.netTimeout())
	defer cancel()
	port, err := net.DefaultResolver.LookupPort(ctx, "tcp", service)
	if err != nil {
		L.RaiseError("wrk.lookup: unknown service %s", quoteName(service))
	}
	addrs, err := s.m.opts.Net.Lookup(ctx, host, uint16(port)) //nolint:gosec // G115: LookupPort fails for ports outside 0 to 65535
	if err != nil {
		L.RaiseError("wrk.lookup: %s", err.Error())
	}
	t := L.CreateTable(len(addrs), 0)
	for i, a := range addrs {
		t.RawSetInt(i+1, s.newAddr(a))
	}
	L.Push(t)
	return 1
}

// checkNet raises a Lua error, as fname, unless the network policy lets a
// script reach a.
func (s *state) checkNet(L *lua.LState, fname string, a netip.AddrPort) {
	ctx, cancel := context.WithTimeout(context.Background(), s.netTimeout())
	defer cancel()
	if err := s.m.opts.Net.Check(ctx, a); err != nil {
		L.RaiseError("%s: %s", fname, err.Error())
	}
}

// wrkConnect is wrk.connect(addr): whether a TCP connection to addr can be
// opened (it is closed at once). Only addresses the network policy allows.
func (s *state) wrkConnect(L *lua.LState) int {
	a := checkAddr(L, 1, "connect")
	s.checkNet(L, "wrk.connect", a)
	c, err := net.DialTimeout("tcp", a.String(), s.netTimeout())
	if err == nil {
		c.Close()
	}
	L.Push(lua.LBool(err == nil))
	return 1
}

func (s *state) newAddr(a netip.AddrPort) *lua.LUserData {
	ud := s.L.NewUserData()
	ud.Value = a
	ud.Metatable = s.addrMeta
	return ud
}

func checkAddr(L *lua.LState, n int, fname string) netip.AddrPort {
	if ud, ok := L.Get(n).(*lua.LUserData); ok {
		if a, ok := ud.Value.(netip.AddrPort); ok {
			return a
		}
	}
	typeError(L, n, fname, "address")
	return netip.AddrPort{}
}

// addrTostring renders "127.0.0.1:8080" or "[::1]:8080".
func addrTostring(L *lua.LState) int {
	L.Push(lua.LString(checkAddr(L, 1, "tostring").String()))
	return 1
}

func addrEq(L *lua.LState) int {
	a, aok := L.Get(1).(*lua.LUserData)
	b, bok := L.Get(2).(*lua.LUserData)
	L.Push(lua.LBool(aok && bok && a.Value == b.Value))
	return 1
}

// hostHeader is wrk's default Host, built as wrk.init builds it from the wrk table as the
// script left it: wrk.host, bracketed if it is an IPv6 address, then ":" and wrk.port unless
// that is nil. Scripts written for a fixed deployment set wrk.host and wrk.port to the name
// the server expects; as in wrk, the connection still goes to the URL's address.
func (s *state) hostHeader() (string, error) {
	host, ok := s.wrk.RawGetString("host").(lua.LString)
	if !ok {
		return "", s.fail(ErrScript, "wrk.host must be a string")
	}
	h := string(host)
	if strings.Contains(h, ":") {
		h = "[" + h + "]"
	}
	switch port := s.wrk.RawGetString("port").(type) {
	case lua.LString, lua.LNumber:
		h += ":" + port.String()
	case *lua.LNilType:
	default:
		return "", s.fail(ErrScript, "wrk.port must be a string or a number")
	}
	return h, nil
}
