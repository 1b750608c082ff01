package app

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/net/http2/hpack"

	"volley/internal/h2"
	"volley/internal/testserver"
)

func TestHTTP2AgainstBuiltInTarget(t *testing.T) {
	srv := startTarget(t)
	code, out, errs := runApp("--http2", "--streams", "8", "-t2", "-c4", "-d500ms", "--latency", srv.URL()+"/")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "  2 threads and 4 connections × 8 streams (h2c)\n") {
		t.Fatalf("banner:\n%s", out)
	}
	n := requestsIn(t, out)
	if n < 100 || strings.Contains(out, "errors") || strings.Contains(out, "Non-2xx") {
		t.Fatalf("%d requests:\n%s", n, out)
	}
	if srv.Requests() < n {
		t.Fatalf("the target saw %d requests, volley counted %d", srv.Requests(), n)
	}
}

// requestsIn reads "N requests in" from a report.
func requestsIn(t *testing.T, out string) uint64 {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 2 && f[1] == "requests" && f[2] == "in" {
			n, err := strconv.ParseUint(f[0], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no request count in:\n%s", out)
	return 0
}

// -n counts requests, not connections or streams: exactly N reach the server and are counted.
func TestHTTP2RequestsExact(t *testing.T) {
	srv := startTarget(t)
	code, out, errs := runApp("--http2", "--streams", "10", "-t2", "-c3", "-n", "1001", "--json", "-", srv.URL()+"/")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		Config struct {
			Protocol string `json:"protocol"`
			Streams  int    `json:"streams"`
		} `json:"config"`
		Requests uint64 `json:"requests"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Requests != 1001 || srv.Requests() != 1001 || doc.Config.Protocol != "h2c" || doc.Config.Streams != 10 {
		t.Fatalf("%+v; the target saw %d", doc, srv.Requests())
	}
}

// In rate mode every stream slot has its place in the schedule: the rate holds with many
// streams on few connections.
func TestHTTP2Rate(t *testing.T) {
	srv := startTarget(t)
	code, out, errs := runApp("--http2", "--streams", "5", "-t1", "-c2", "-d1s", "-R", "1000", srv.URL()+"/")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if n := requestsIn(t, out); n < 900 || n > 1010 {
		t.Fatalf("%d requests at 1000/s for 1s:\n%s", n, out)
	}
}

// A server that ends its connections with GOAWAY now and then: requests it did not take are
// sent again on a new connection, and nothing counts as an error.
func TestHTTP2GoAwayIsNotAnError(t *testing.T) {
	srv, err := testserver.Start(testserver.Options{CloseEvery: 7})
	if err != nil {
		t.Fatal(err)
	}
	defer closeTarget(t, srv)
	code, out, errs := runApp("--http2", "--streams", "4", "-t1", "-c2", "-d500ms", srv.URL()+"/")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if strings.Contains(out, "errors") || requestsIn(t, out) < 50 || srv.Connections() < 5 {
		t.Fatalf("%d connections:\n%s", srv.Connections(), out)
	}
}

// Scripts run unchanged: request() gives HTTP/1.1 text, response() gets lower-case names.
func TestHTTP2Scripts(t *testing.T) {
	srv := startTarget(t)
	s := writeScript(t, `
request = function() return wrk.format("POST", "/bytes/3", {["X-Test"] = "1"}, "body") end
local seen = false
response = function(status, headers, body)
  if not seen then seen = true print(status, headers["content-type"], headers["Content-Type"], body) end
end`)
	code, out, errs := runApp("--http2", "--streams", "2", "-t1", "-c1", "-d200ms", "-s", s, srv.URL()+"/")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "200\tapplication/octet-stream\tnil\tabc\n") {
		t.Fatalf("%s", out)
	}
	// A request HTTP/2 cannot carry is refused once, clearly.
	s = writeScript(t, `wrk.headers["Connection"] = "close"`)
	if code, _, errs := runApp("--http2", "-t1", "-c1", "-d200ms", "-s", s, srv.URL()+"/"); code != ExitUsage ||
		!strings.Contains(errs, `--http2: header "Connection" is connection-specific`) {
		t.Fatalf("exit %d: %s", code, errs)
	}
	s = writeScript(t, `request = function() return wrk.format() .. wrk.format() end`)
	if code, _, errs := runApp("--http2", "-t1", "-c1", "-d200ms", "-s", s, srv.URL()+"/"); code != ExitUsage ||
		!strings.Contains(errs, "2 pipelined requests") {
		t.Fatalf("exit %d: %s", code, errs)
	}
}

// Over TLS, h2 is negotiated by ALPN; a server that does not choose it stops the run.
func TestHTTP2OverTLS(t *testing.T) {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Proto+"\n") //nolint:gosec // G705: a test server's plain-text answer
	})
	h2srv := httptest.NewUnstartedServer(handler)
	h2srv.EnableHTTP2 = true
	h2srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	h2srv.StartTLS()
	defer h2srv.Close()
	code, out, errs := runApp("--http2", "--streams", "4", "-k", "-t1", "-c2", "-d300ms", h2srv.URL+"/")
	if code != 0 || !strings.Contains(out, "× 4 streams (h2)") || strings.Contains(out, "errors") || requestsIn(t, out) == 0 {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	// Certificates are verified as for HTTP/1.1: the run does not start, and says why.
	code, out, errs = runApp("--http2", "-t1", "-c2", "-d300ms", h2srv.URL+"/")
	if code != ExitNoStart || !strings.Contains(errs, "certificate") {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}

	h1srv := httptest.NewUnstartedServer(handler)
	h1srv.EnableHTTP2 = false
	h1srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	h1srv.StartTLS()
	defer h1srv.Close()
	code, out, errs = runApp("--http2", "-k", "-t1", "-c2", "-d300ms", h1srv.URL+"/")
	if code != ExitNoStart || out != "" || !strings.Contains(errs, `does not speak HTTP/2: ALPN offered h2, the server chose "http/1.1"`) {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
}

// h2c needs a server that speaks HTTP/2 with prior knowledge: one that answers the preface
// with HTTP/1.1, or garbage, or nothing, stops the run before it starts.
func TestHTTP2PriorKnowledgeRefused(t *testing.T) {
	cases := []struct {
		name, reply, want string
	}{
		{"http/1.1", "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", `answered the preface with "HTTP/1.1 400 Bad Request`},
		{"garbage", "\x1b[2J\x1b]0;owned\x07 garbage!", `answered the preface with "\x1b[2J`},
		{"closes", "", "closed the connection after the preface"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			url := hostileServer(t, func(c net.Conn) { _, _ = io.WriteString(c, tc.reply) })
			code, out, errs := runApp("--http2", "-t1", "-c1", "-d300ms", url)
			if code != ExitNoStart || out != "" || !strings.Contains(errs, tc.want) || strings.ContainsAny(errs, "\x1b\x07") {
				t.Fatalf("exit %d: %q %q", code, out, errs)
			}
		})
	}
}

// h2Server serves raw HTTP/2 connections: it reads the preface, sends SETTINGS, answers the
// client's SETTINGS and PINGs as a server would, passes the identifiers of the streams the
// client opens to serve, and lets serve write whatever it likes.
func h2Server(t *testing.T, settings []byte, serve func(c net.Conn, streams <-chan uint32, write func([]byte) error)) string {
	t.Helper()
	return rawListener(t, h2Handler(settings, serve))
}

// h2Handler is h2Server's connection handler.
func h2Handler(settings []byte, serve func(c net.Conn, streams <-chan uint32, write func([]byte) error)) func(net.Conn) {
	return func(c net.Conn) {
		var wmu sync.Mutex
		write := func(b []byte) error {
			wmu.Lock()
			defer wmu.Unlock()
			_, err := c.Write(b)
			return err
		}
		preface := make([]byte, len(h2.Preface))
		if _, err := io.ReadFull(c, preface); err != nil || write(h2.AppendFrame(nil, h2.FrameSettings, 0, 0, settings)) != nil {
			return
		}
		streams := make(chan uint32, 4096)
		var reader sync.WaitGroup
		reader.Go(func() {
			defer close(streams)
			buf := make([]byte, 1<<14)
			for {
				fh, p, err := h2.ReadFrame(c, buf)
				if err != nil {
					return
				}
				switch {
				case fh.Type == h2.FrameHeaders:
					select {
					case streams <- fh.Stream:
					default:
					}
				case fh.Type == h2.FrameSettings && fh.Flags&h2.FlagAck == 0:
					_ = write(h2.AppendFrame(nil, h2.FrameSettings, h2.FlagAck, 0, nil))
				case fh.Type == h2.FramePing && fh.Flags&h2.FlagAck == 0:
					_ = write(h2.AppendFrame(nil, h2.FramePing, h2.FlagAck, 0, p))
				}
			}
		})
		serve(c, streams, write)
		_ = c.Close() // ends the reader
		reader.Wait()
	}
}

func hpackBlock(kv ...string) []byte {
	var b bytes.Buffer
	e := hpack.NewEncoder(&b)
	for i := 0; i+1 < len(kv); i += 2 {
		_ = e.WriteField(hpack.HeaderField{Name: kv[i], Value: kv[i+1]})
	}
	return b.Bytes()
}

// each answers every stream the client opens with frames(id), until the connection fails.
func each(frames func(id uint32) []byte) func(net.Conn, <-chan uint32, func([]byte) error) {
	return func(_ net.Conn, streams <-chan uint32, write func([]byte) error) {
		for id := range streams {
			if write(frames(id)) != nil {
				return
			}
		}
	}
}

// repeat writes first(id) for the first stream, then more forever.
func repeat(first func(id uint32) []byte, more []byte) func(net.Conn, <-chan uint32, func([]byte) error) {
	return func(_ net.Conn, streams <-chan uint32, write func([]byte) error) {
		id, ok := <-streams
		if !ok || write(first(id)) != nil {
			return
		}
		for write(more) == nil {
		}
	}
}

func headers(id uint32, flags uint8, kv ...string) []byte {
	return h2.AppendFrame(nil, h2.FrameHeaders, flags|h2.FlagEndHeaders, id, hpackBlock(kv...))
}

// Every hostile HTTP/2 behaviour, through the whole program: the run ends on time, exits 0
// with the trouble counted under a named reason, counts no failed stream as a request, keeps
// its memory bounded, and nothing the server sent reaches the terminal unescaped.
func TestHostileHTTP2Servers(t *testing.T) {
	none := func(uint32) []byte { return nil }
	bomb := func(id uint32) []byte {
		b := hpackBlock(":status", "200", "x-big", strings.Repeat("b", 4000))
		for range 1000 {
			b = append(b, 0x80|62) // the big entry again, and again
		}
		return h2.AppendFrame(nil, h2.FrameHeaders, h2.FlagEndHeaders|h2.FlagEndStream, id, b)
	}
	ok := func(id uint32) []byte { return headers(id, h2.FlagEndStream, ":status", "200") }
	echo := []string{"-s", writeScript(t, `response = function(status, headers, body) print(headers["x-evil"]) end`)}
	cases := []struct {
		name     string
		serve    func(net.Conn, <-chan uint32, func([]byte) error)
		want     string
		requests bool // some responses are valid and counted
		args     []string
	}{
		{"hpack bomb", each(bomb), "invalid indexed representation", false, nil}, // volley allows no dynamic table
		{"endless continuation", repeat(func(id uint32) []byte {
			return h2.AppendFrame(nil, h2.FrameHeaders, 0, id, hpackBlock(":status", "200"))
		},
			h2.AppendFrame(nil, h2.FrameContinuation, 0, 1, hpackBlock("x-a", "aaaaaaaa"))), "response header", false, nil},
		{"empty continuation", repeat(func(id uint32) []byte {
			return h2.AppendFrame(nil, h2.FrameHeaders, 0, id, hpackBlock(":status", "200"))
		},
			h2.AppendFrame(nil, h2.FrameContinuation, 0, 1, nil)), "flood of frames that carry nothing", false, nil},
		{"settings flood", repeat(none, h2.AppendFrame(nil, h2.FrameSettings, 0, 0, nil)), "PING or SETTINGS flood", false, nil},
		{"ping flood", repeat(none, h2.AppendFrame(nil, h2.FramePing, 0, 0, make([]byte, 8))), "PING or SETTINGS flood", false, nil},
		{"empty data flood", repeat(func(id uint32) []byte { return headers(id, 0, ":status", "200") },
			h2.AppendFrame(nil, h2.FrameData, 0, 1, nil)), "flood of frames that carry nothing", false, nil},
		{"endless data", repeat(func(id uint32) []byte { return headers(id, 0, ":status", "200") },
			h2.AppendFrame(nil, h2.FrameData, 0, 1, make([]byte, 16384))), "timeout", false, nil},
		{"window overflow", each(func(uint32) []byte {
			return h2.AppendWindowUpdate(h2.AppendWindowUpdate(nil, 0, 1<<31-1), 0, 1<<31-1)
		}), "WINDOW_UPDATE overflows the connection's window", false, nil},
		{"frame too large", each(func(id uint32) []byte { return h2.AppendFrameHeader(nil, 1<<20, h2.FrameData, 0, id) }),
			"over SETTINGS_MAX_FRAME_SIZE", false, nil},
		{"push", each(func(id uint32) []byte {
			return h2.AppendFrame(nil, h2.FramePushPromise, h2.FlagEndHeaders, id, append([]byte{0, 0, 0, 2}, hpackBlock(":method", "GET")...))
		}), "PUSH_PROMISE although volley disabled push", false, nil},
		{"mass reset", each(func(id uint32) []byte { return h2.AppendRSTStream(nil, id, h2.CodeRefusedStream) }),
			"streams reset en masse", false, nil},
		{"headers on a closed stream", each(func(id uint32) []byte { return append(ok(id), ok(id)...) }),
			"HEADERS frame on closed stream", true, nil},
		{"duplicate status", each(func(id uint32) []byte { return headers(id, h2.FlagEndStream, ":status", "200", ":status", "204") }),
			"duplicate :status", false, nil},
		{"invalid status", each(func(id uint32) []byte { return headers(id, h2.FlagEndStream, ":status", "\x1b[2J") }),
			`invalid :status "\x1b[2J"`, false, nil},
		{"slowloris", func(_ net.Conn, streams <-chan uint32, write func([]byte) error) {
			id := <-streams
			if write(headers(id, 0, ":status", "200")) != nil {
				return
			}
			for write(h2.AppendFrame(nil, h2.FrameData, 0, id, []byte("x"))) == nil {
				time.Sleep(20 * time.Millisecond)
			}
		}, "timeout", false, nil},
		{"never answers", each(none), "timeout", false, nil},
		{"goaway at once", each(func(uint32) []byte { return h2.AppendGoAway(nil, 0, h2.CodeNo) }),
			"the server closed the connection without answering any request", false, nil},
		{"escapes in a header", each(func(id uint32) []byte {
			return headers(id, h2.FlagEndStream, ":status", "200", "x-evil", "\x1b]0;owned\x07\x1b[2J\x9b")
		}), `\x1b]0;owned`, true, echo},
	}
	reference := hostileH2Reference(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkHostileH2(t, h2Server(t, nil, tc.serve), reference, tc.want, tc.requests, tc.args...)
		})
	}
}

// hostileH2Args are the runs against hostile HTTP/2 servers: 4 connections × 4 streams, 500 ms.
var hostileH2Args = []string{"--http2", "--streams", "4", "-t2", "-c4", "-d500ms", "--timeout", "300ms"}

// hostileH2Reference times the run of hostileH2Args (and args) against a well-behaved server,
// on this machine now.
func hostileH2Reference(t *testing.T, args ...string) time.Duration {
	t.Helper()
	target := startTarget(t)
	begin := time.Now()
	if code, _, errs := runApp(append(append(slices.Clone(hostileH2Args), args...), target.URL()+"/")...); code != 0 {
		t.Fatalf("reference run: exit %d: %s", code, errs)
	}
	return time.Since(begin)
}

// checkHostileH2 runs hostileH2Args (and args) against the hostile server at url: the run
// must end on time, exit 0 with the trouble counted under a reason containing want (or as
// timeouts, for want "timeout"), count requests only if requests says some responses were
// valid, keep its heap bounded, and write no raw control character.
func checkHostileH2(t *testing.T, url string, reference time.Duration, want string, requests bool, args ...string) {
	t.Helper()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	begin := time.Now()
	all := append(append(append(slices.Clone(hostileH2Args), "--json", "-"), args...), url)
	code, out, errs := runApp(all...)
	took := time.Since(begin)
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// At most the end-of-run grace (--timeout) longer than the reference, with slack.
	if took > reference+300*time.Millisecond+time.Second {
		t.Errorf("a 500ms run took %v (against a well-behaved server: %v)", took, reference)
	}
	if after.HeapSys > before.HeapSys+64<<20 {
		t.Errorf("the heap grew by %d MiB", (after.HeapSys-before.HeapSys)>>20)
	}
	var doc struct {
		Requests uint64
		Errors   struct {
			Reasons map[string]uint64
			Timeout uint64
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if (doc.Requests > 0) != requests {
		t.Errorf("%d requests counted", doc.Requests)
	}
	found := want == "timeout" && doc.Errors.Timeout > 0
	for r := range doc.Errors.Reasons {
		found = found || strings.Contains(r, want)
	}
	if !found && !strings.Contains(errs, want) {
		t.Errorf("no error reason with %q: %v\n%s", want, doc.Errors.Reasons, errs)
	}
	if i := strings.IndexFunc(errs, func(r rune) bool {
		return r < ' ' && r != '\n' && r != '\t' || r == 0x7f || r >= 0x80 && r < 0xa0 || r == utf8.RuneError
	}); i >= 0 {
		t.Fatalf("raw control character %q in the output at %d:\n%q", errs[i], i, errs)
	}
}

// startNginxH2 runs nginx with HTTP/2 with prior knowledge on one port and HTTP/2 over TLS (a
// throw-away self-signed certificate) on another.
func startNginxH2(t *testing.T) (h2c, h2tls string) {
	t.Helper()
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	for f, b := range map[string]*pem.Block{certFile: {Type: "CERTIFICATE", Bytes: der}, keyFile: {Type: "EC PRIVATE KEY", Bytes: kder}} {
		if err := os.WriteFile(f, pem.EncodeToMemory(b), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	plain, secure := freePort(t), freePort(t)
	runNginx(t, fmt.Sprintf("listen 127.0.0.1:%d http2; listen 127.0.0.1:%d ssl http2;", plain, secure),
		fmt.Sprintf("ssl_certificate %s; ssl_certificate_key %s; keepalive_requests 100000000;", certFile, keyFile), secure)
	return fmt.Sprintf("http://127.0.0.1:%d", plain), fmt.Sprintf("https://127.0.0.1:%d", secure)
}

// Against nginx: h2c with prior knowledge and h2 over TLS, several streams, a 404 among them.
func TestHTTP2AgainstNginx(t *testing.T) {
	if testing.Short() {
		t.Skip("runs nginx")
	}
	h2c, h2tls := startNginxH2(t)
	for _, url := range []string{h2c, h2tls} {
		code, out, errs := runApp("--http2", "--streams", "10", "-k", "-t2", "-c4", "-d500ms", url+"/hello")
		if code != 0 || requestsIn(t, out) < 100 || strings.Contains(out, "errors") || strings.Contains(out, "Non-2xx") {
			t.Fatalf("%s: exit %d: %s%s", url, code, out, errs)
		}
		code, out, errs = runApp("--http2", "-k", "-t1", "-c1", "-n", "50", url+"/missing")
		if code != 0 || !strings.Contains(out, "Non-2xx or 3xx responses: 50") {
			t.Fatalf("%s: exit %d: %s%s", url, code, out, errs)
		}
	}
}

// Streams are concurrent, each with its own timeout: with 4 streams on one connection, four
// slow requests are answered in the time of one, and a stream that times out is reset while the
// connection and its other streams carry on.
func TestHTTP2StreamsAreConcurrentAndTimedAlone(t *testing.T) {
	srv := startTarget(t)
	code, out, errs := runApp("--http2", "--streams", "4", "-t1", "-c1", "-d1s", srv.URL()+"/delay/100ms")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if n := requestsIn(t, out); n < 20 || n > 44 { // one stream would manage 10
		t.Fatalf("%d requests of 100 ms in 1 s on 4 streams:\n%s", n, out)
	}
	s := writeScript(t, `local i = 0
request = function() i = i + 1 if i % 2 == 0 then return wrk.format(nil, "/delay/600ms") end return wrk.format(nil, "/") end`)
	before := srv.Connections()
	code, out, errs = runApp("--http2", "--streams", "4", "-t1", "-c1", "-d1500ms", "--timeout", "200ms", "--json", "-", "-s", s, srv.URL()+"/")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		Requests uint64
		Errors   struct{ Timeout, Connect, Read uint64 }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	// Two connections: the probe's and the run's one. The answers to streams reset long ago
	// arrive during the run, and are no error.
	if conns := srv.Connections() - before; doc.Errors.Timeout < 8 || doc.Requests < 8 || doc.Errors.Connect+doc.Errors.Read != 0 || conns != 2 {
		t.Fatalf("%+v over %d connections", doc, conns)
	}
}

// The server's SETTINGS_MAX_CONCURRENT_STREAMS caps --streams.
func TestHTTP2ServerCapsStreams(t *testing.T) {
	var mu sync.Mutex
	open, most := 0, 0
	url := h2Server(t, h2.AppendSetting(nil, h2.SettingMaxConcurrentStreams, 2), func(_ net.Conn, streams <-chan uint32, write func([]byte) error) {
		for id := range streams {
			mu.Lock()
			open++
			most = max(most, open)
			mu.Unlock()
			go func() {
				time.Sleep(20 * time.Millisecond)
				mu.Lock()
				open--
				mu.Unlock()
				_ = write(headers(id, h2.FlagEndStream, ":status", "200"))
			}()
		}
	})
	code, out, errs := runApp("--http2", "--streams", "8", "-t1", "-c1", "-d500ms", url)
	if code != 0 || requestsIn(t, out) < 10 {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	mu.Lock()
	defer mu.Unlock()
	if most != 2 {
		t.Fatalf("%d streams open at once; the server allowed 2", most)
	}
}

// A request body larger than the server's windows waits for its WINDOW_UPDATEs; HEAD gets no
// body although content-length says 6.
func TestHTTP2BodiesAndHead(t *testing.T) {
	srv := startTarget(t)
	for _, src := range []string{`wrk.method = "POST" wrk.body = string.rep("b", 200000)`, `wrk.method = "HEAD"`} {
		code, out, errs := runApp("--http2", "--streams", "3", "-t1", "-c2", "-d300ms", "-s", writeScript(t, src), srv.URL()+"/")
		if code != 0 || requestsIn(t, out) < 3 || strings.Contains(out, "errors") {
			t.Fatalf("%s: exit %d: %s%s", src, code, out, errs)
		}
	}
}

// HTTP/2's request path allocates nothing per response: against nginx, whose every response
// field is a literal the HPACK decoder must turn into a string (three a response: server, date,
// content-type), only a block unlike the connection's last one is decoded — once a second, when
// the date changes.
func TestHTTP2AllocationsPerResponse(t *testing.T) {
	if testing.Short() {
		t.Skip("runs nginx")
	}
	h2c, _ := startNginxH2(t)
	// A run's allocations less those of a run of 100 requests, which has the same setup
	// (connections, histograms, buffers, report), per response more.
	run := func(limit string) (mallocs, n uint64) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		code, out, errs := runApp("--http2", "--streams", "10", "-t1", "-c10", limit, h2c+"/hello")
		runtime.ReadMemStats(&after)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		return after.Mallocs - before.Mallocs, requestsIn(t, out)
	}
	setup, n0 := run("-n100")
	total, n := run("-d1s")
	if n < n0+2000 {
		t.Skipf("only %d responses: too few to tell setup from per-request allocation", n)
	}
	if per := (float64(total) - float64(setup)) / float64(n-n0); per > 0.1 {
		t.Fatalf("%.2f heap allocations per response (%d responses; %d allocations, %d for 100 requests)", per, n, total, setup)
	}
}

// The built-in target speaks HTTP/2 over its TLS too, chosen by ALPN.
func TestHTTP2BuiltInTargetOverTLS(t *testing.T) {
	p := newPKI(t)
	srv, err := testserver.Start(testserver.Options{TLS: p.Config(tls.NoClientCert)})
	if err != nil {
		t.Fatal(err)
	}
	defer closeTarget(t, srv)
	code, out, errs := runApp("--http2", "--streams", "4", "--cacert", p.CA, "-t1", "-c2", "-d300ms", srv.URL()+"/")
	if code != 0 || !strings.Contains(out, "× 4 streams (h2)") || strings.Contains(out, "errors") || requestsIn(t, out) < 10 {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
	// And HTTP/1.1 as before.
	code, out, errs = runApp("--cacert", p.CA, "-t1", "-c2", "-d300ms", srv.URL()+"/")
	if code != 0 || strings.Contains(out, "errors") || requestsIn(t, out) < 10 {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
}
