package app

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startNginxWith runs nginx with the given server blocks (the directory is %[1]s in them) and
// waits until each address in wait accepts a connection ("unix:" paths too).
func startNginxWith(t *testing.T, dir, servers string, wait ...string) {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		t.Skip("nginx not installed (apt-get install -y nginx-light); .ci/run installs it")
	}
	for _, d := range []string{"logs", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o750); err != nil {
			t.Fatal(err)
		}
	}
	conf := fmt.Sprintf(`worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/logs/error.log warn;
daemon off;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path %[1]s/tmp/body; proxy_temp_path %[1]s/tmp/proxy;
  fastcgi_temp_path %[1]s/tmp/fcgi; uwsgi_temp_path %[1]s/tmp/uwsgi; scgi_temp_path %[1]s/tmp/scgi;
`, dir) + fmt.Sprintf(servers, dir) + "}\n"
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir, "-c", path)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
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
				log, _ := os.ReadFile(filepath.Join(dir, "logs", "error.log"))
				t.Fatalf("nginx did not start on %s: %v\n%s", addr, err, log)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
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
    listen unix:%[1]s/nginx.sock;
    location = /hello { default_type text/plain; return 200 "hello $host\n"; }
    location / { return 404; }
  }
  server {
    listen 127.0.0.1:`+itoa(port)+` ssl;
    ssl_certificate `+p.Server+`; ssl_certificate_key `+p.ServerKey+`;
    ssl_client_certificate `+p.CA+`; ssl_verify_client on;
    location = /hello { default_type text/plain; return 200 "hello $ssl_client_s_dn\n"; }
  }
`, "unix:"+sock, "127.0.0.1:"+itoa(port))

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
