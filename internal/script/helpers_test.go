package script

import (
	"bytes"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"volley/internal/h1"
	"volley/internal/netpolicy"
	"volley/internal/target"
)

var testAddr = netip.MustParseAddrPort("127.0.0.1:8080")

var testTarget = Target{Scheme: "http", Host: "127.0.0.1", Port: "8080", Path: "/", URL: "http://127.0.0.1:8080/"}

// policyFor grants the target url, and what grants grant as --allow-net would.
func policyFor(t testing.TB, url string, grants ...string) *netpolicy.Policy {
	t.Helper()
	tg, err := target.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	var gs []netpolicy.Grant
	for _, s := range grants {
		g, err := netpolicy.ParseGrant(s)
		if err != nil {
			t.Fatal(err)
		}
		gs = append(gs, g)
	}
	return netpolicy.New(tg, gs)
}

// load loads src as test.lua with a buffer for stdout.
func load(t testing.TB, src string, mod ...func(*Options)) (*Main, *bytes.Buffer, error) {
	t.Helper()
	var out bytes.Buffer
	o := Options{Path: "test.lua", Source: []byte(src), Target: testTarget, Stdout: &out,
		Args: []string{testTarget.URL}, Net: policyFor(t, testTarget.URL)}
	for _, f := range mod {
		f(&o)
	}
	m, err := Load(o)
	if m != nil {
		t.Cleanup(m.Close)
	}
	return m, &out, err
}

func mustLoad(t testing.TB, src string, mod ...func(*Options)) (*Main, *bytes.Buffer) {
	t.Helper()
	m, out, err := load(t, src, mod...)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return m, out
}

// thread creates, sets up and initialises one thread.
func thread(t testing.TB, m *Main) *Thread {
	t.Helper()
	th, err := m.NewThread(0, netip.MustParseAddrPort("127.0.0.1:8080"))
	if err != nil {
		t.Fatalf("NewThread: %v", err)
	}
	if err := m.Setup([]*Thread{th}); err != nil {
		t.Fatalf("Setup: %v", err)
	}
	if err := th.Init(); err != nil {
		t.Fatalf("Init: %v", err)
	}
	return th
}

// eval runs src in a fresh main state and returns what it printed.
func eval(t testing.TB, src string) string {
	t.Helper()
	_, out := mustLoad(t, src)
	return out.String()
}

// wantError checks that err is a script Error of kind with a message that
// contains want and is one printable line.
func wantError(t testing.TB, err error, kind ErrorKind, want string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *script.Error containing %q", err, err, want)
	}
	if e.Kind != kind {
		t.Errorf("kind = %d, want %d (%s)", e.Kind, kind, e.Msg)
	}
	if !strings.Contains(e.Msg, want) {
		t.Errorf("message %q does not contain %q", e.Msg, want)
	}
	if !strings.HasPrefix(e.Msg, "test.lua:") {
		t.Errorf("message %q does not start with the script name", e.Msg)
	}
	if len(e.Msg) > maxMessage+10 || strings.ContainsAny(e.Msg, "\n\r\x1b\x00") || strings.Contains(e.Msg, "goroutine") {
		t.Errorf("message is not one bounded printable line: %q", e.Msg)
	}
}

func headers(kv ...string) []h1.Field {
	var f []h1.Field
	for i := 0; i+1 < len(kv); i += 2 {
		f = append(f, h1.Field{Name: kv[i], Value: kv[i+1]})
	}
	return f
}
