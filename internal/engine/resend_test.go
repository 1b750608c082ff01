package engine

import (
	"bufio"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// A server that closes after the first response of each pipelined batch, without saying so
// (no Connection: close): the requests behind it are sent again, in order, on a new
// connection, and none is an error or lost, so -n counts exactly.
func TestPipelinedRestResentAfterClose(t *testing.T) {
	var mu sync.Mutex
	var paths []string
	addr := rawServer(t, func(c net.Conn, r *bufio.Reader) {
		line, err := r.ReadString('\n')
		if err != nil || !readRequest(r) {
			return
		}
		mu.Lock()
		paths = append(paths, strings.Fields(line)[1])
		mu.Unlock()
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
	})
	batch := append(append(request(t, "GET", "/1"), request(t, "GET", "/2")...), request(t, "GET", "/3")...)
	cfg := config(t, addr, 1, 1, 5*time.Second, batch)
	cfg.Threads[0].Heads = []bool{false, false, false}
	cfg.Requests = 30
	res := runFor(t, cfg)
	if e := res.Errors; e.Connect+e.Read+e.Write+e.Timeout != 0 || res.Requests != 30 {
		t.Fatalf("%d requests, errors %+v %v; want 30 and none (server: %v)", res.Requests, e, e.Reasons, paths)
	}
	mu.Lock()
	defer mu.Unlock()
	if got := strings.Join(paths, ""); got != strings.Repeat("/1/2/3", 10) {
		t.Errorf("the server answered %s", got)
	}
}
