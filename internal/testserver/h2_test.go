package testserver

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// h2client speaks HTTP/2 with prior knowledge through net/http: an implementation independent
// of the server's and of volley's.
func h2client() *http.Client {
	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

func TestH2Routes(t *testing.T) {
	s := start(t, Options{})
	c := h2client()
	cases := []struct {
		method, path string
		status       int
		body         string
		length       int
	}{
		{"GET", "/", 200, "hello\n", -1},
		{"HEAD", "/hello", 200, "", -1},
		{"GET", "/bytes/200000", 200, "", 200000}, // beyond the initial windows
		{"GET", "/chunked/5000", 200, "", 5000},
		{"GET", "/status/204", 204, "", 0},
		{"GET", "/status/103", 200, "hello\n", -1},
		{"GET", "/status/503", 503, "503 Service Unavailable\n", -1},
		{"GET", "/delay/20ms", 200, "hello\n", -1},
		{"GET", "/nope", 404, "404 Not Found\n", -1},
		{"POST", "/hello", 200, "hello\n", -1},
	}
	for _, tc := range cases {
		var body io.Reader
		if tc.method == "POST" {
			body = strings.NewReader(strings.Repeat("p", 100000))
		}
		req, _ := http.NewRequest(tc.method, s.URL()+tc.path, body)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.method, tc.path, err)
		}
		b, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil || resp.ProtoMajor != 2 || resp.StatusCode != tc.status {
			t.Fatalf("%s %s: %v %s %d", tc.method, tc.path, err, resp.Proto, resp.StatusCode)
		}
		if tc.length >= 0 && len(b) != tc.length || tc.length < 0 && string(b) != tc.body {
			t.Fatalf("%s %s: body of %d bytes %.20q", tc.method, tc.path, len(b), b)
		}
		if tc.length > 0 && (b[0] != 'a' || b[len(b)-1] != byte('a'+(len(b)-1)%26)) {
			t.Fatalf("%s: not the pattern", tc.path)
		}
	}
	if s.Requests() != uint64(len(cases)) || s.Responses() != uint64(len(cases)) {
		t.Fatalf("counted %d requests, %d responses", s.Requests(), s.Responses())
	}
}

// Concurrent streams on one connection, delayed ones answered out of order.
func TestH2ConcurrentStreams(t *testing.T) {
	s := start(t, Options{})
	c := h2client()
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := range 50 {
		wg.Go(func() {
			path := "/hello"
			if i%2 == 0 {
				path = "/delay/30ms"
			}
			resp, err := c.Get(s.URL() + path)
			if err == nil {
				_, err = io.ReadAll(resp.Body)
				_ = resp.Body.Close()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; s.Responses() < 50 && i < 100; i++ {
		time.Sleep(10 * time.Millisecond) // counted just after the write that the client read
	}
	if s.Connections() > 50 || s.Responses() != 50 {
		t.Fatalf("%d connections, %d responses", s.Connections(), s.Responses())
	}
}

// CloseEvery ends an HTTP/2 connection with GOAWAY: the client carries on over a new one.
func TestH2CloseEveryGoesAway(t *testing.T) {
	s := start(t, Options{CloseEvery: 3})
	c := h2client()
	for range 10 {
		resp, err := c.Get(s.URL() + "/")
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.ReadAll(resp.Body)
		_ = resp.Body.Close()
	}
	if s.Connections() < 4 {
		t.Fatalf("%d connections for 10 requests closing every 3", s.Connections())
	}
}
