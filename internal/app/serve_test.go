package app

import (
	"bufio"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startServe runs "volley serve" (the binary) with args, on a free loopback port, and returns
// its address and the process; the test ends it.
func startServe(t *testing.T, args ...string) (string, *exec.Cmd, *bufio.Reader) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(buildBinary(t), append([]string{"serve", "--addr", addr}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }) // after a passing test it has exited
	r := bufio.NewReader(out)
	if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "volley serve: listening on ") {
		t.Fatalf("serve said %q, %v", line, err)
	}
	return addr, cmd, r
}

// stopServe sends sig and expects a clean exit soon.
func stopServe(t *testing.T, cmd *exec.Cmd, sig syscall.Signal) {
	t.Helper()
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve after %v: %v", sig, err)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("serve did not stop on %v", sig)
	}
}

func TestServe(t *testing.T) {
	addr, cmd, _ := startServe(t)
	code, out, errs := runApp("-t1", "-c2", "-d200ms", "-m", "POST", "-b", `{"a":1}`, "--fail-on", "non2xx==0", "http://"+addr+"/echo")
	if code != 0 || !strings.Contains(out, "PASS non2xx==0") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	stopServe(t, cmd, syscall.SIGTERM)
}

func TestServeMutualTLS(t *testing.T) {
	dir := t.TempDir()
	addr, cmd, r := startServe(t, "--tls", "--mtls", "--tls-dir", dir)
	if line, _ := r.ReadString('\n'); !strings.Contains(line, "TLS files in "+dir) {
		t.Fatalf("serve said %q", line)
	}
	f := func(name string) string { return filepath.Join(dir, name) }
	for _, proto := range [][]string{nil, {"--http2"}} { // HTTP/2 through ALPN too
		args := append([]string{"-t1", "-c2", "-d200ms", "--cacert", f("ca.pem"), "--cert", f("client.pem"), "--key", f("client.key")}, proto...)
		code, out, errs := runApp(append(args, "https://"+addr+"/hello")...)
		if code != 0 || strings.Contains(out, "Socket errors") || strings.Contains(out, "  0 requests") {
			t.Fatalf("%q: exit %d\n%s%s", proto, code, out, errs)
		}
	}
	code, _, errs := runApp("-t1", "-c1", "-d200ms", "--cacert", f("ca.pem"), "https://"+addr+"/hello")
	if code != 2 || !strings.Contains(errs, "certificate required") {
		t.Fatalf("without a client certificate: exit %d: %s", code, errs)
	}
	stopServe(t, cmd, syscall.SIGINT)
}

func TestServeFlags(t *testing.T) {
	for _, tt := range []struct{ args, want string }{
		{"serve --addr nope", `volley: invalid --addr "nope": not HOST:PORT`},
		{"serve --mtls", "volley: serve: --mtls and --tls-dir go with --tls"},
		{"serve http://x/", `volley: serve takes no arguments, got "http://x/"`},
		{"serve --bogus", "volley: serve: unknown flag: --bogus"},
		{"serve --addr 127.0.0.1:1 --unix-socket /tmp/x", "volley: serve: --addr and --unix-socket: listen on one"},
	} {
		code, _, errs := runApp(strings.Fields(tt.args)...)
		if code != 1 || strings.TrimSpace(errs) != tt.want {
			t.Errorf("%s: exit %d, %q; want %q", tt.args, code, errs, tt.want)
		}
	}
	if code, out, _ := runApp("serve", "-h"); code != 0 || !strings.Contains(out, "/echo ") || !strings.Contains(out, "--addr") {
		t.Errorf("serve -h: exit %d\n%s", code, out)
	}
}

func TestServeUnixSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "serve.sock")
	cmd := exec.Command(buildBinary(t), "serve", "--unix-socket", sock)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "volley serve: listening on unix:"+sock+" (SIGINT or SIGTERM stops it; volley serve -h lists the routes)\n" {
		t.Fatalf("serve said %q, %v", line, err)
	}
	code, out2, errs := runApp("-t1", "-c2", "-d200ms", "--unix-socket", sock, "--fail-on", "non2xx==0", "http://localhost/hello")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out2, errs)
	}
	stopServe(t, cmd, syscall.SIGTERM)
}
