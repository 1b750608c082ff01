package app

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"

	"volley/internal/testserver"
)

func TestHeadRequestsDoNotHang(t *testing.T) {
	srv := startTarget(t)
	s := writeScript(t, `wrk.method = "HEAD"`)
	code, out, errs := runApp("-t1", "-c2", "-d300ms", "-s", s, srv.URL()+"/bytes/1000")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	assertReport(t, out)
	if strings.Contains(out, "errors") || strings.HasPrefix(out, "  0 requests") {
		t.Fatalf("HEAD must complete without a body:\n%s", out)
	}
}

func TestIPv6Loopback(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skip("no IPv6 loopback here")
	}
	ln.Close()
	srv, err := testserver.Start(testserver.Options{Addr: "[::1]:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer closeTarget(t, srv)
	code, out, errs := runApp("-t1", "-c2", "-d200ms", "http://"+srv.Addr()+"/")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	assertReport(t, out)
	if srv.Requests() == 0 {
		t.Fatal("no requests reached [::1]")
	}
}

func TestHTTPSVerifiesUnlessInsecure(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "hello\n") // a failed write shows as the client's error
	}))
	srv.EnableHTTP2 = false
	srv.StartTLS()
	defer srv.Close()

	// A run that can open no connection does not start: exit 2, one line saying why and how
	// to proceed, no all-zero report.
	code, out, errs := runApp("-t1", "-c2", "-d300ms", srv.URL+"/")
	if code != 2 || out != "" || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "certificate signed by unknown authority") ||
		!strings.Contains(errs, "-k/--insecure") || !strings.Contains(errs, "--cacert") {
		t.Fatalf("a self-signed certificate must fail verification, with the reason shown: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = runApp("-k", "-t1", "-c2", "-d1s", srv.URL+"/")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if strings.Contains(out, "  0 requests in") || strings.Contains(out, "Socket errors") {
		t.Fatalf("-k skips verification:\n%s", out)
	}
}

func TestNoBodyStatuses(t *testing.T) {
	for _, status := range []string{"204", "304"} {
		srv := startTarget(t)
		code, out, errs := runApp("-t1", "-c2", "-d200ms", srv.URL()+"/status/"+status)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		if strings.Contains(out, "errors") || strings.Contains(out, "  0 requests") {
			t.Fatalf("status %s:\n%s", status, out)
		}
	}
}

// With a descriptor limit too low for the connections (and no room to raise it), the run
// refuses to start and says what to do, instead of running with connections that never open.
func TestDescriptorLimitRefusesToStart(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	bin := buildBinary(t)
	srv := startTarget(t)
	out, err := exec.Command("/bin/sh", "-c", "ulimit -n 100 && exec \"$0\" -t1 -c500 -d1s \"$1\"", bin, srv.URL()+"/").CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != ExitNoStart {
		t.Fatalf("want exit 2, got %v:\n%s", err, out)
	}
	if !strings.Contains(string(out), "500 connections need about") || !strings.Contains(string(out), "ulimit -n") || strings.Count(string(out), "\n") != 1 {
		t.Fatalf("want one line saying how many descriptors and how to raise the limit:\n%s", out)
	}
}
