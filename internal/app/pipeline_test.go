package app

import (
	"path/filepath"
	"strings"
	"testing"
)

// nginx closes a connection after keepalive_requests responses, with Connection: close on the
// last: the requests pipelined behind it are sent again on a new connection (RFC 9112 §9.3.2),
// as wrk's report shows no error there either, and -n still counts exactly.
func TestPipelineResentAfterConnectionClose(t *testing.T) {
	if testing.Short() {
		t.Skip("runs nginx")
	}
	base := startNginxKeepalive(t, 10) // 10 = 3×3 + 1: every connection closes inside a batch of 3
	script := filepath.Join("..", "..", "examples", "pipeline.lua")
	code, out, errs := runApp("-t1", "-c4", "-d1s", "--script-timeout", "2s", "-s", script, base+"/hello")
	if code != 0 || strings.Contains(out, "Socket errors") || strings.Contains(out, "Error reasons") || !strings.Contains(out, " requests in ") {
		t.Errorf("exit %d, stderr %q:\n%s", code, errs, out)
	}
	code, out, errs = runApp("-t2", "-c4", "-n", "3000", "--script-timeout", "2s", "-s", script, base+"/hello")
	if code != 0 || !strings.Contains(out, "\n  3000 requests in ") || strings.Contains(out, "Socket errors") {
		t.Errorf("-n 3000: exit %d, stderr %q:\n%s", code, errs, out)
	}
}
