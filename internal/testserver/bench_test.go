package testserver

import (
	"io"
	"net"
	"strings"
	"testing"
)

// benchHello measures the server's cost per hello request with depth
// requests per write. allocs/op counts the whole process; the client side
// allocates nothing per request.
func benchHello(b *testing.B, depth int) {
	s := start(b, Options{})
	nc, err := net.Dial("tcp", s.Addr())
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	req := []byte(strings.Repeat("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", depth))
	resp := make([]byte, depth*len(hello[0][connKeep]))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += depth {
		if _, err := nc.Write(req); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(nc, resp); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if string(resp[len(resp)-6:]) != "hello\n" {
		b.Fatalf("unexpected response %q", resp)
	}
}

func BenchmarkHello(b *testing.B)            { benchHello(b, 1) }
func BenchmarkHelloPipelined16(b *testing.B) { benchHello(b, 16) }
