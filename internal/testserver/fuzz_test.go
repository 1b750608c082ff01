package testserver

import (
	"bytes"
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"
)

// FuzzRequests sends arbitrary bytes, half-closes, and reads until the
// server closes. The server must neither hang nor crash, must answer with
// HTTP/1.1 responses, and must answer every complete request, plus at most
// one malformed one.
func FuzzRequests(f *testing.F) {
	s := start(f, Options{})
	f.Fuzz(func(t *testing.T, in []byte) {
		if bytes.Contains(bytes.ToLower(in), []byte("delay")) {
			t.Skip("delays make iterations slow")
		}
		req0, resp0 := s.Requests(), s.Responses()
		nc, err := net.Dial("tcp", s.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		if err := nc.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
			t.Fatal(err)
		}
		go func() {
			_, _ = nc.Write(in) // fails when the server closes first
			nc.(*net.TCPConn).CloseWrite()
		}()
		out, err := io.ReadAll(nc)
		if errors.Is(err, syscall.ECONNRESET) {
			// The server closed with unread input (after a malformed or
			// closing request): what we received may be cut.
			return
		}
		if err != nil {
			t.Fatalf("reading: %v after %d bytes", err, len(out))
		}
		if len(out) > 0 && !bytes.HasPrefix(out, []byte("HTTP/1.1 ")) {
			t.Fatalf("answer does not start with a status line: %.80q", out)
		}
		req, resp := s.Requests()-req0, s.Responses()-resp0
		if resp != req && resp != req+1 {
			t.Fatalf("%d complete requests got %d responses", req, resp)
		}
	})
}
