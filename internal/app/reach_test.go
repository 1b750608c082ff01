package app

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"volley/internal/testserver"
)

// newPKI makes a CA for one test, with a server certificate (for 127.0.0.1, localhost and
// backend.test) and a client certificate.
func newPKI(t *testing.T) *testserver.TLSFiles {
	t.Helper()
	p, err := testserver.NewTLSFiles(t.TempDir(), "backend.test")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// tlsServer serves "hello" over TLS with the test CA's certificate; clientAuth asks for a
// client certificate signed by it.
func tlsServer(t *testing.T, p *testserver.TLSFiles, clientAuth tls.ClientAuthType) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "hello\n")
	}))
	srv.TLS = p.Config(clientAuth)
	srv.EnableHTTP2 = false
	srv.Config.ErrorLog = quietLog()
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func TestTLSTrustAndClientCertificates(t *testing.T) {
	p := newPKI(t)
	srv := tlsServer(t, p, tls.RequireAndVerifyClientCert)
	run := func(args ...string) (int, string, string) {
		return runApp(append(append([]string{"-t1", "-c2", "-d200ms"}, args...), srv.URL+"/")...)
	}
	code, out, errs := run("--cacert", p.CA, "--cert", p.Client, "--key", p.ClientKey)
	if code != 0 || strings.Contains(out, "Socket errors") {
		t.Fatalf("mTLS: exit %d\n%s%s", code, out, errs)
	}
	assertReport(t, out)
	// Without the client certificate the server refuses: clear, exit 2, before the run.
	code, out, errs = run("--cacert", p.CA)
	if code != 2 || out != "" || !strings.Contains(errs, "certificate required") || !strings.Contains(errs, "--cert FILE --key FILE") {
		t.Fatalf("no client certificate: exit %d\n%s%s", code, out, errs)
	}
	// Without --cacert the server's certificate does not verify.
	code, _, errs = run("--cert", p.Client, "--key", p.ClientKey)
	if code != 2 || !strings.Contains(errs, "unknown authority") || !strings.Contains(errs, "--cacert") {
		t.Fatalf("no CA: exit %d: %s", code, errs)
	}
	code, _, errs = run("--cacert", p.CA, "--cert", p.Client, "--key", p.CA)
	if code != 1 || !strings.Contains(errs, "volley: --cert "+p.Client+" --key "+p.CA+": ") {
		t.Fatalf("a certificate as the key: exit %d: %s", code, errs)
	}
}

// --no-session-resumption and -H "Connection: close": every request opens a connection and
// makes a full handshake, and the report counts them.
func TestConnectionSetupIsCounted(t *testing.T) {
	p := newPKI(t)
	srv := tlsServer(t, p, tls.NoClientCert)
	for _, resume := range []bool{true, false} {
		args := []string{"-t1", "-c2", "-d300ms", "--cacert", p.CA, "-H", "Connection: close", "--json", "-"}
		if !resume {
			args = append(args, "--no-session-resumption")
		}
		code, out, errs := runApp(append(args, srv.URL+"/")...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		var doc struct {
			Requests    uint64
			Connections struct {
				Opened        uint64
				TLSHandshakes uint64 `json:"tls_handshakes"`
				TLSResumed    uint64 `json:"tls_resumed"`
			}
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		c := doc.Connections
		if doc.Requests < 10 || c.Opened < doc.Requests || c.Opened > doc.Requests+2 || c.TLSHandshakes != c.Opened ||
			(resume && c.TLSResumed < c.Opened/2) || (!resume && c.TLSResumed != 0) {
			t.Fatalf("resume %v: requests %d, connections %+v", resume, doc.Requests, c)
		}
		if !strings.Contains(errs, "  Connections: ") || !strings.Contains(errs, " TLS handshakes (") {
			t.Fatalf("report:\n%s", errs)
		}
	}
}

func TestUnixSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "s.sock")
	rec := startRecorder(t, "unix", sock)
	code, out, errs := runApp("-t1", "-c2", "-d200ms", "--unix-socket", sock, "http://api.test/v1?x")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	assertReport(t, out)
	reqs := rec.requests()
	if len(reqs) < 10 || reqs[0] != "GET /v1?x HTTP/1.1\r\nHost: api.test\r\n\r\n" {
		t.Fatalf("%d requests, first %q", len(reqs), reqs)
	}
	code, _, errs = runApp("-t1", "-c1", "-d200ms", "--unix-socket", sock+".none", "http://api.test/")
	if code != 2 || !strings.Contains(errs, "volley: unable to connect to api.test:80 through the socket "+sock+".none (--unix-socket): ") {
		t.Fatalf("exit %d: %s", code, errs)
	}
}

func TestConnectTo(t *testing.T) {
	rec := startRecorder(t, "tcp", "127.0.0.1:0")
	port := rec.ln.Addr().(*net.TCPAddr).Port
	code, out, errs := runApp("-t1", "-c1", "-d200ms", "--connect-to", "backend.test:80:127.0.0.1:"+itoa(port), "http://backend.test/x")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	assertReport(t, out)
	if reqs := rec.requests(); len(reqs) == 0 || reqs[0] != "GET /x HTTP/1.1\r\nHost: backend.test\r\n\r\n" {
		t.Fatalf("requests %q", reqs)
	}
	// TLS: the name is the URL's, the address --connect-to's.
	p := newPKI(t)
	srv := tlsServer(t, p, tls.NoClientCert)
	addr := srv.Listener.Addr().(*net.TCPAddr)
	code, out, errs = runApp("-t1", "-c1", "-d200ms", "--cacert", p.CA, "--connect-to", "backend.test::127.0.0.1:"+itoa(addr.Port), "https://backend.test/")
	if code != 0 || strings.Contains(out, "Socket errors") {
		t.Fatalf("exit %d: %s%s", code, out, errs)
	}
}

// proxy is a small HTTP proxy: CONNECT opens a tunnel (with Proxy-Authorization checked when
// auth is set), and requests in absolute form are answered by the proxy itself and recorded.
type proxy struct {
	ln       net.Listener
	auth     string
	mu       sync.Mutex
	connects []string
	absolute []string
}

func startProxy(t *testing.T, auth string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, auth: auth}
	serveConns(t, ln, p.serve)
	return p
}

func (p *proxy) serve(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		head, err := readHead(br)
		if err != nil {
			return
		}
		line, _, _ := strings.Cut(head, "\r\n")
		p.mu.Lock()
		if strings.HasPrefix(line, "CONNECT ") {
			p.connects = append(p.connects, head)
		} else {
			p.absolute = append(p.absolute, head)
		}
		p.mu.Unlock()
		if !strings.HasPrefix(line, "CONNECT ") {
			if _, err := io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"); err != nil {
				return
			}
			continue
		}
		if p.auth != "" && !strings.Contains(head, "\r\nProxy-Authorization: "+p.auth+"\r\n") {
			_, _ = io.WriteString(c, "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
			return
		}
		up, err := net.Dial("tcp", strings.Fields(line)[1])
		if err != nil {
			_, _ = io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
			return
		}
		defer up.Close()
		if _, err := io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
			return
		}
		go func() {
			_, _ = io.Copy(up, br)
			_ = up.Close() // the client is gone: so is the tunnel
		}()
		_, _ = io.Copy(c, up)
		return
	}
}

func readHead(br *bufio.Reader) (string, error) {
	var head strings.Builder
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return "", err
		}
		head.WriteString(line)
		if line == "\r\n" {
			return head.String(), nil
		}
	}
}

func TestProxy(t *testing.T) {
	p := newPKI(t)
	srv := tlsServer(t, p, tls.NoClientCert)
	px := startProxy(t, "Basic dTpwdw==") // u:pw
	proxyURL := "http://u:pw@" + px.ln.Addr().String()
	code, out, errs := runApp("-t1", "-c2", "-d200ms", "--cacert", p.CA, "--proxy", proxyURL, srv.URL+"/")
	if code != 0 || strings.Contains(out, "Socket errors") {
		t.Fatalf("https through the proxy: exit %d\n%s%s", code, out, errs)
	}
	host := strings.TrimPrefix(srv.URL, "https://")
	px.mu.Lock()
	if len(px.connects) < 2 || px.connects[0] != "CONNECT "+host+" HTTP/1.1\r\nHost: "+host+"\r\nProxy-Authorization: Basic dTpwdw==\r\n\r\n" {
		t.Errorf("CONNECTs %q", px.connects)
	}
	px.mu.Unlock()

	// http through the proxy: requests in absolute form, with the credentials.
	code, _, errs = runApp("-t1", "-c1", "-d100ms", "--proxy", proxyURL, "http://origin.test:8080/a?b")
	if code != 0 {
		t.Fatalf("http through the proxy: exit %d: %s", code, errs)
	}
	px.mu.Lock()
	if len(px.absolute) == 0 || px.absolute[0] != "GET http://origin.test:8080/a?b HTTP/1.1\r\nHost: origin.test:8080\r\nProxy-Authorization: Basic dTpwdw==\r\n\r\n" {
		t.Errorf("absolute-form requests %q", px.absolute)
	}
	px.mu.Unlock()

	// Wrong credentials: the proxy's 407 is clear, and the run does not start.
	code, out, errs = runApp("-t1", "-c1", "-d100ms", "--cacert", p.CA, "--proxy", "http://u:bad@"+px.ln.Addr().String(), srv.URL+"/")
	if code != 2 || out != "" || !strings.Contains(errs, "proxy: CONNECT refused with status 407 (proxy authentication required") ||
		strings.Contains(errs, "bad") {
		t.Fatalf("407: exit %d: %s", code, errs)
	}
	// The environment, as Go programs read it: HTTPS_PROXY for https, but never for loopback.
	t.Setenv("HTTPS_PROXY", "http://127.0.0.1:1")
	code, _, errs = runApp("-t1", "-c1", "-d100ms", "--cacert", p.CA, srv.URL+"/")
	if code != 0 {
		t.Fatalf("HTTPS_PROXY applied to a loopback URL: exit %d: %s", code, errs)
	}
	// (--connect-to keeps the name from reaching a resolver.)
	noDNS := []string{"-t1", "-c1", "-d100ms", "--cacert", p.CA, "--connect-to", "backend.test:443:127.0.0.1:1", "https://backend.test/"}
	code, _, errs = runApp(noDNS...)
	if code != 2 || !strings.Contains(errs, "through the proxy http://127.0.0.1:1 (HTTPS_PROXY): connection refused") {
		t.Fatalf("HTTPS_PROXY: exit %d: %s", code, errs)
	}
	t.Setenv("NO_PROXY", ".test")
	code, _, errs = runApp(noDNS...)
	if code != 2 || strings.Contains(errs, "proxy") || !strings.Contains(errs, "connection refused") {
		t.Fatalf("NO_PROXY: exit %d: %s", code, errs)
	}
}

// tinyproxy, Debian's small HTTP proxy, as a real CONNECT proxy.
func TestTinyproxy(t *testing.T) {
	bin, err := exec.LookPath("tinyproxy")
	if err != nil {
		t.Skip("tinyproxy not installed (apt-get install -y tinyproxy)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir := t.TempDir()
	conf := filepath.Join(dir, "tinyproxy.conf")
	body := "Port " + itoa(port) + "\nListen 127.0.0.1\nTimeout 60\nMaxClients 100\nAllow 127.0.0.1\nPidFile \"" + dir + "/pid\"\nLogFile \"" + dir + "/log\"\n"
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-d", "-c", conf)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	waitListening(t, "127.0.0.1:"+itoa(port))

	p := newPKI(t)
	srv := tlsServer(t, p, tls.NoClientCert)
	code, out, errs := runApp("-t1", "-c2", "-d300ms", "--cacert", p.CA, "--proxy", "127.0.0.1:"+itoa(port), srv.URL+"/")
	if code != 0 || strings.Contains(out, "Socket errors") {
		t.Fatalf("https through tinyproxy: exit %d\n%s%s", code, out, errs)
	}
	target := startTarget(t)
	code, out, errs = runApp("-t1", "-c2", "-d300ms", "--proxy", "http://127.0.0.1:"+itoa(port), "http://"+target.Addr()+"/hello")
	if code != 0 || strings.Contains(out, "Socket errors") || target.Requests() == 0 {
		t.Fatalf("http through tinyproxy: exit %d, %d requests\n%s%s", code, target.Requests(), out, errs)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// quietLog drops a test server's log: handshakes cut short by a run's end are expected.
func quietLog() *log.Logger { return log.New(io.Discard, "", 0) }

func waitListening(t *testing.T, addr string) {
	t.Helper()
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return
		}
		if i == 50 {
			t.Fatalf("nothing listens on %s: %v", addr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
