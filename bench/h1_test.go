package bench

import (
	"strings"
	"testing"

	"volley/internal/h1"
)

// nginxHello is what nginx 1.18 sends for a 13-byte /hello with keep-alive.
const nginxHello = "HTTP/1.1 200 OK\r\n" +
	"Server: nginx/1.18.0\r\n" +
	"Date: Wed, 27 Nov 2024 10:18:00 GMT\r\n" +
	"Content-Type: text/plain\r\n" +
	"Content-Length: 13\r\n" +
	"Connection: keep-alive\r\n" +
	"\r\n" +
	"Hello, world!"

func benchParse(b *testing.B, resp string) {
	buf := []byte(resp)
	var p h1.Parser
	p.Init(h1.DefaultLimits())
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		p.Start(false)
		n, done, err := p.Feed(buf)
		if err != nil || !done || n != len(buf) {
			b.Fatalf("Feed = %d, %v, %v", n, done, err)
		}
	}
}

func BenchmarkParseHello(b *testing.B) { benchParse(b, nginxHello) }

func BenchmarkParse1k(b *testing.B) {
	benchParse(b, "HTTP/1.1 200 OK\r\n"+
		"Server: nginx/1.18.0\r\n"+
		"Date: Wed, 27 Nov 2024 10:18:00 GMT\r\n"+
		"Content-Type: application/octet-stream\r\n"+
		"Content-Length: 1024\r\n"+
		"Last-Modified: Tue, 26 Nov 2024 09:00:00 GMT\r\n"+
		"Connection: keep-alive\r\n"+
		"ETag: \"6745a8f0-400\"\r\n"+
		"Accept-Ranges: bytes\r\n"+
		"\r\n"+strings.Repeat("x", 1024))
}

func BenchmarkParseChunked(b *testing.B) {
	chunk := strings.Repeat("y", 256)
	benchParse(b, "HTTP/1.1 200 OK\r\n"+
		"Server: nginx/1.18.0\r\n"+
		"Date: Wed, 27 Nov 2024 10:18:00 GMT\r\n"+
		"Content-Type: application/json\r\n"+
		"Transfer-Encoding: chunked\r\n"+
		"Connection: keep-alive\r\n"+
		"\r\n"+
		"100\r\n"+chunk+"\r\n"+
		"100;ext=1\r\n"+chunk+"\r\n"+
		"d\r\nHello, world!\r\n"+
		"0\r\n\r\n")
}

func BenchmarkAppendRequest(b *testing.B) {
	headers := []h1.Field{
		{Name: "Host", Value: "127.0.0.1:8080"},
		{Name: "User-Agent", Value: "volley"},
		{Name: "Accept", Value: "*/*"},
	}
	body := []byte(`{"id":42}`)
	var dst []byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		dst, err = h1.AppendRequest(dst[:0], "POST", "/api/items?page=2", headers, body, true)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(dst)))
}

func BenchmarkScanRequests(b *testing.B) {
	one := "GET /index.html HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: volley\r\nAccept: */*\r\n\r\n" +
		"POST /api/items HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n{\"id\":42}"
	payload := []byte(one)
	heads := make([]bool, 0, 8)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		heads, err = h1.ScanRequests(payload, heads[:0])
		if err != nil || len(heads) != 2 {
			b.Fatal(heads, err)
		}
	}
}
