package app

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A TLS server that closes every connection after one response: every request needs a new
// connection and handshake (resumed from the session cache); none of that is an error.
func TestTLSReconnectHeavy(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		_, _ = io.WriteString(w, "hello\n")
	}))
	srv.EnableHTTP2 = false
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshakes cut short by the run's end
	srv.StartTLS()
	defer srv.Close()
	code, out, errs := runApp("-k", "-t2", "-c8", "-d1s", srv.URL+"/")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if strings.Contains(out, "Socket errors") || strings.Contains(out, "  0 requests") {
		t.Fatalf("%s", out)
	}
}
