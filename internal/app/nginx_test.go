package app

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startNginxWith runs nginx in the foreground with one worker, its pid, logs and temporary
// files under dir, serving http (the http-block directives: server blocks, and what they need,
// such as a log_format), through wrap when given ("ip", "netns", "exec", NS). It waits until
// each address in wait accepts a connection ("unix:PATH" for a socket), and stops nginx when the
// test ends. http is used as it is (it is no format string), and when nginx does not come up
// the failure shows what it said: its error log and its standard error, where a configuration
// error goes.
func startNginxWith(t *testing.T, dir, http string, wrap []string, wait ...string) {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		t.Skip("nginx not installed (apt-get install -y nginx-light); .ci/run installs it")
	}
	logs := filepath.Join(dir, "logs")
	for _, d := range []string{logs, filepath.Join(dir, "tmp")} {
		if err := os.MkdirAll(d, 0o750); err != nil {
			t.Fatal(err)
		}
	}
	conf := strings.ReplaceAll(`worker_processes 1;
pid DIR/nginx.pid;
error_log DIR/logs/error.log warn;
daemon off;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path DIR/tmp/body; proxy_temp_path DIR/tmp/proxy;
  fastcgi_temp_path DIR/tmp/fcgi; uwsgi_temp_path DIR/tmp/uwsgi; scgi_temp_path DIR/tmp/scgi;
`, "DIR", dir) + http + "}\n"
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	stderr, err := os.Create(filepath.Join(logs, "stderr.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = stderr.Close() }() // nginx has its own copy
	args := append(slices.Clone(wrap), bin, "-p", dir, "-c", path)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// SIGTERM, not SIGKILL: nginx's master then stops its worker, which would otherwise live on.
	// Errors are ignored: nginx may already have exited, and its exit status is not under test.
	t.Cleanup(func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() })
	for _, addr := range wait {
		network := "tcp"
		if a, ok := strings.CutPrefix(addr, "unix:"); ok {
			network, addr = "unix", a
		}
		for i := 0; ; i++ {
			c, err := net.Dial(network, addr)
			if err == nil {
				c.Close()
				break
			}
			if i == 50 {
				errorLog, _ := os.ReadFile(filepath.Join(logs, "error.log")) // what there is
				said, _ := os.ReadFile(filepath.Join(logs, "stderr.log"))    // likewise
				t.Fatalf("nginx did not start on %s: %v\n%s%s", addr, err, errorLog, said)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// runNginx runs nginx with one server: its listen directives, any other server directives,
// "hello\n" at /hello and 404 elsewhere; it waits until port accepts connections.
func runNginx(t *testing.T, listen, directives string, port int) {
	t.Helper()
	startNginxWith(t, t.TempDir(), "  server {\n    "+listen+"\n    "+directives+`
    location = /hello { default_type text/plain; return 200 "hello\n"; }
    location / { default_type text/plain; return 404 "no\n"; }
  }
`, nil, "127.0.0.1:"+itoa(port))
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// nginx on a Unix socket, and with client certificates verified against a CA made here.
func TestNginxUnixSocketAndClientCertificates(t *testing.T) {
	dir := t.TempDir()
	p := newPKI(t)
	port := freePort(t)
	sock := filepath.Join(dir, "nginx.sock")
	startNginxWith(t, dir, `  server {
    listen unix:`+sock+`;
    location = /hello { default_type text/plain; return 200 "hello $host\n"; }
    location / { return 404; }
  }
  server {
    listen 127.0.0.1:`+itoa(port)+` ssl;
    ssl_certificate `+p.Server+`; ssl_certificate_key `+p.ServerKey+`;
    ssl_client_certificate `+p.CA+`; ssl_verify_client on;
    location = /hello { default_type text/plain; return 200 "hello $ssl_client_s_dn\n"; }
  }
`, nil, "unix:"+sock, "127.0.0.1:"+itoa(port))

	code, out, errs := runApp("-t1", "-c2", "-d300ms", "--unix-socket", sock, "--fail-on", "non2xx==0", "http://api.test/hello")
	if code != 0 || strings.Contains(out, "Socket errors") {
		t.Fatalf("unix socket: exit %d\n%s%s", code, out, errs)
	}
	url := "https://localhost:" + itoa(port) + "/hello"
	code, out, errs = runApp("-t1", "-c2", "-d300ms", "--cacert", p.CA, "--cert", p.Client, "--key", p.ClientKey, "--fail-on", "non2xx==0", url)
	if code != 0 || strings.Contains(out, "Socket errors") {
		t.Fatalf("client certificate: exit %d\n%s%s", code, out, errs)
	}
	// nginx answers a missing client certificate with 400, after the handshake: the run
	// starts and every response is an error status, which --fail-on catches.
	code, out, errs = runApp("-t1", "-c2", "-d300ms", "--cacert", p.CA, "--fail-on", "non2xx==0", url)
	if code != ExitThreshold || !strings.Contains(out, "Non-2xx or 3xx responses") {
		t.Fatalf("no client certificate: exit %d\n%s%s", code, out, errs)
	}
}
