package h2

import (
	"encoding/hex"
	"strconv"
	"syscall"
	"testing"
)

// nginxHello is the header block nginx 1.22 (server_tokens off) sends for "hello\n", as
// captured from its socket: every field a literal with incremental indexing, values
// Huffman-coded. nginx sends these same bytes for every response until the date changes.
var nginxHello, _ = hex.DecodeString("887684aa6355e76196df3dbf4a01952f948a08027140bd71a6ee01a53168df5f87497ca58ae819aa5c0136")

// benchResponses is one request and its response (HEADERS with blocks[i], then DATA) per
// iteration on an open connection: what a response costs the frame and header layer.
func benchResponses(b *testing.B, capture bool, blocks [][]byte) {
	c := new(Conn)
	c.Init(Config{Streams: 1, Capture: capture})
	c.Start()
	feed(c, settings(), 99)
	req, err := Prepare([]byte("GET /hello HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"), "http", "")
	if err != nil {
		b.Fatal(err)
	}
	resp := make([]byte, 0, 256)
	i := 0
	b.ReportAllocs()
	before := cpuTime(b)
	for b.Loop() {
		if err := c.Submit(0, &req); err != nil {
			b.Fatal(err)
		}
		c.Written(len(c.Output()))
		resp = AppendFrame(resp[:0], FrameHeaders, FlagEndHeaders, c.lastOpened, blocks[i%len(blocks)])
		resp = AppendFrame(resp, FrameData, FlagEndStream, c.lastOpened, []byte("hello\n"))
		i++
		if n, ev, _, err := c.Feed(resp); err != nil || ev != Response || n != len(resp) || c.Status(0) != 200 {
			b.Fatal(n, ev, err)
		}
	}
	b.ReportMetric(float64(cpuTime(b)-before)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the process's user and system time in nanoseconds: on a machine shared with other
// work, the CPU a benchmark spends says more than the wall-clock ns/op.
func cpuTime(b *testing.B) int64 {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		b.Fatal(err)
	}
	return u.Utime.Nano() + u.Stime.Nano()
}

// BenchmarkResponse: nginx's response, the same block every time (as within one second);
// capture keeps the fields for a script's response(); newDate has every block differ, as if
// the date changed on every response (the worst case: nothing is as before).
func BenchmarkResponse(b *testing.B) {
	dated := make([][]byte, 64)
	for i := range dated {
		dated[i] = block(":status", "200", "server", "nginx", "date", "Thu, 03 Dec 2026 18:50:"+strconv.Itoa(10+i%50)+" GMT",
			"content-type", "text/plain", "content-length", "6")
	}
	b.Run("nginx", func(b *testing.B) { benchResponses(b, false, [][]byte{nginxHello}) })
	b.Run("nginx-capture", func(b *testing.B) { benchResponses(b, true, [][]byte{nginxHello}) })
	b.Run("newDate", func(b *testing.B) { benchResponses(b, false, dated) })
}
