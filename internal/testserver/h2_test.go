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
	// A response is counted just after the write that the client read.
	eventually(t, "every response counted", func() bool { return s.Responses() == uint64(len(cases)) })
	if s.Requests() != uint64(len(cases)) {
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

// Over HTTP/2 as over HTTP/1.1: Freeze holds every response, a later Freeze replaces it
// (Freeze(0) releases at once), a held stream holds up no other once released, and arrivals
// and the delays produced are recorded per request.
func TestH2FreezeArrivalsAndDelays(t *testing.T) {
	s := start(t, Options{RecordArrivals: true})
	c := h2client()
	get := func(path string) error {
		resp, err := c.Get(s.URL() + path)
		if err != nil {
			return err
		}
		_, err = io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		return err
	}
	if err := get("/"); err != nil {
		t.Fatal(err)
	}
	s.Freeze(300 * time.Millisecond)
	t0 := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 { // concurrent streams on the one connection
		wg.Go(func() { errs <- get("/") })
	}
	eventually(t, "the requests to be counted", func() bool { return s.Requests() == 5 })
	time.Sleep(100 * time.Millisecond)
	if s.Responses() != 1 {
		t.Fatalf("%d responses went out during the freeze", s.Responses()-1)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if el := time.Since(t0); el < 300*time.Millisecond {
		t.Fatalf("frozen responses came after %v, want at least 300ms", el)
	}
	if sum := s.DelaySummary(); sum.Count != 4 || sum.Min < 150*time.Millisecond {
		t.Fatalf("the freeze was measured as %+v", sum)
	}
	if a := s.Arrivals(); len(a) != 5 || a[1] < a[0] || a[4]-a[1] > 250*time.Millisecond {
		t.Fatalf("arrivals %v", a)
	}
	if err := get("/delay/50ms"); err != nil {
		t.Fatal(err)
	}
	if sum := s.DelaySummary(); sum.Count != 5 || sum.Max < 50*time.Millisecond {
		t.Fatalf("a delayed response was measured as %+v", sum)
	}

	s.Freeze(time.Minute)
	done := make(chan error, 1)
	go func() { done <- get("/") }()
	eventually(t, "the request", func() bool { return s.Requests() == 7 })
	t0 = time.Now()
	s.Freeze(0)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if el := time.Since(t0); el > time.Second {
		t.Fatalf("Freeze(0) released the response after %v", el)
	}
}
