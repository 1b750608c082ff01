package app

import (
	"encoding/binary"
	"encoding/json"
	"io"
	"net"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"volley/internal/h2"
)

// More hostile HTTP/2 servers through the whole program, as TestHostileHTTP2Servers: the
// remaining behaviours of the hostile list that a server can reach.
func TestHostileHTTP2ServersMore(t *testing.T) {
	// Huffman coding makes 7000 'a's 4375 bytes: ten such fields are a 44 KB block, in
	// HEADERS and CONTINUATION frames, that decodes to a 70 KB list.
	var kv []string
	for i := range 10 {
		kv = append(kv, "x-"+string(rune('a'+i)), strings.Repeat("a", 7000))
	}
	longList := func(id uint32) []byte {
		b := hpackBlock(append([]string{":status", "200"}, kv...)...)
		var out []byte
		for first := true; len(b) > 0; first = false {
			chunk := b[:min(len(b), 1<<14)]
			b = b[len(chunk):]
			t, flags := h2.FrameContinuation, uint8(0)
			if first {
				t = h2.FrameHeaders
			}
			if len(b) == 0 {
				flags = h2.FlagEndHeaders
			}
			out = h2.AppendFrame(out, t, flags, id, chunk)
		}
		return out
	}
	// The first connection (the check before the run) is a proper HTTP/2 server; every
	// later one answers the preface as an HTTP/1.1 server would.
	var conns atomic.Int32
	good := h2Handler(nil, each(func(id uint32) []byte { return headers(id, h2.FlagEndStream, ":status", "200") }))
	turncoat := func(c net.Conn) {
		if conns.Add(1) == 1 {
			good(c)
			return
		}
		_, _ = io.WriteString(c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
	}
	// A server that opens every window wide for the requests' bodies, then never reads
	// again, and sends PINGs to answer. volley queues a bounded part of the bodies (3 MB
	// each on 4 streams here) ahead of the socket — the heap check below holds it to that —
	// and the streams time out.
	deaf := func(c net.Conn) {
		if _, err := io.ReadFull(c, make([]byte, len(h2.Preface))); err != nil {
			return
		}
		open := h2.AppendFrame(nil, h2.FrameSettings, 0, 0, h2.AppendSetting(nil, h2.SettingInitialWindowSize, 1<<31-1))
		open = h2.AppendWindowUpdate(open, 0, 1<<31-1-65535)
		ping := h2.AppendFrame(nil, h2.FramePing, 0, 0, make([]byte, 8))
		if _, err := c.Write(open); err != nil {
			return
		}
		for {
			time.Sleep(time.Millisecond)
			if _, err := c.Write(ping); err != nil {
				return
			}
		}
	}
	post := writeScript(t, `wrk.method = "POST"; wrk.body = string.rep("x", 3000000)`)
	cases := []struct {
		name     string
		url      func(t *testing.T) string
		want     string
		requests bool
		args     []string
	}{
		{"header list over --max-header-bytes", served(each(longList)), "decoded response header list over 65536 bytes", false, nil},
		{"stream window overflow", served(each(func(id uint32) []byte { return h2.AppendWindowUpdate(nil, id, 1<<31-1) })),
			"WINDOW_UPDATE overflows a stream's window", false, nil},
		{"window update of 0", served(each(func(uint32) []byte { return h2.AppendWindowUpdate(nil, 0, 0) })),
			"WINDOW_UPDATE with an increment of 0", false, nil},
		{"no status", served(each(func(id uint32) []byte { return headers(id, h2.FlagEndStream, "x-a", "b") })),
			"malformed response: no :status", false, nil},
		{"data before headers", served(each(func(id uint32) []byte { return h2.AppendFrame(nil, h2.FrameData, h2.FlagEndStream, id, []byte("x")) })),
			"DATA frame before the response's HEADERS", false, nil},
		{"headers on a stream never opened", served(each(func(id uint32) []byte { return headers(id+200, h2.FlagEndStream, ":status", "200") })),
			"which volley never opened", false, nil},
		{"body shorter than content-length", served(each(func(id uint32) []byte {
			return h2.AppendFrame(headers(id, 0, ":status", "200", "content-length", "10"), h2.FrameData, h2.FlagEndStream, id, []byte("x"))
		})), "1 body bytes, content-length said 10", false, nil},
		{"PRIORITY flood", served(repeat(func(uint32) []byte { return nil }, h2.AppendFrame(nil, h2.FramePriority, 0, 1, make([]byte, 5)))),
			"flood of frames that carry nothing", false, nil},
		{"unknown frame type flood", served(repeat(func(uint32) []byte { return nil }, h2.AppendFrame(nil, 0xfa, 0, 0, nil))),
			"flood of frames that carry nothing", false, nil},
		{"WINDOW_UPDATE flood with nothing to send", served(repeat(func(uint32) []byte { return nil }, h2.AppendWindowUpdate(nil, 0, 1))),
			"flood of frames that carry nothing", false, nil},
		{"upper-case header name", served(each(func(id uint32) []byte { return headers(id, h2.FlagEndStream, ":status", "200", "X-A", "b") })),
			`upper-case header name "X-A"`, false, nil},
		{"connection-specific header", served(each(func(id uint32) []byte {
			return headers(id, h2.FlagEndStream, ":status", "200", "transfer-encoding", "chunked")
		})), `connection-specific header "transfer-encoding"`, false, nil},
		{"status 101", served(each(func(id uint32) []byte { return headers(id, h2.FlagEndStream, ":status", "101") })),
			"status 101 in HTTP/2", false, nil},
		{"interim response ends the stream", served(each(func(id uint32) []byte { return headers(id, h2.FlagEndStream, ":status", "103") })),
			"interim 103 ends the stream", false, nil},
		{"HTTP/1.1 answers the preface during the run", func(t *testing.T) string { return rawListener(t, turncoat) },
			`did not answer the connection preface with SETTINGS but with "HTTP/1.1 `, false, nil},
		{"a server that does not read", func(t *testing.T) string { return rawListener(t, deaf) },
			"timeout", false, []string{"-s", post}},
	}
	reference := hostileH2Reference(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			conns.Store(0)
			ref := reference
			if tc.args != nil { // a script's requests: the reference runs it too
				ref = hostileH2Reference(t, tc.args...)
			}
			checkHostileH2(t, tc.url(t), ref, tc.want, tc.requests, tc.args...)
		})
	}
}

// served is h2Server with serve as a test case's server.
func served(serve func(net.Conn, <-chan uint32, func([]byte) error)) func(t *testing.T) string {
	return func(t *testing.T) string { return h2Server(t, nil, serve) }
}

// More DATA on a stream than the 16 MiB window volley announced, sent without waiting for
// WINDOW_UPDATE: volley gives the window back as it reads (it keeps no more of a body than a
// script may see), so such a server never gets ahead of it — the response is counted, no
// flow-control error, and the body passes through in bounded memory. (DATA beyond a window
// volley gave is a FLOW_CONTROL_ERROR, which internal/h2's tests check: volley's own
// bookkeeping keeps it out of reach of a whole run.)
func TestHTTP2MoreDataThanTheWindow(t *testing.T) {
	const body = 17 << 20
	var updates atomic.Int64 // the stream window volley gave back, as the server saw it
	big := func(c net.Conn, streams <-chan uint32, write func([]byte) error) {
		first := true
		for id := range streams {
			if !first {
				if write(headers(id, h2.FlagEndStream, ":status", "200")) != nil {
					return
				}
				continue
			}
			first = false
			if write(headers(id, 0, ":status", "200", "content-length", "17825792")) != nil {
				return
			}
			frame := make([]byte, 1<<14)
			for sent := 0; sent < body; sent += len(frame) {
				flags := uint8(0)
				if sent+len(frame) == body {
					flags = h2.FlagEndStream
				}
				if write(h2.AppendFrame(nil, h2.FrameData, flags, id, frame)) != nil {
					return
				}
			}
		}
	}
	url := rawListener(t, func(c net.Conn) {
		h2Handler(nil, big)(&windowCounter{Conn: c, stream: &updates})
	})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	code, out, errs := runApp("--http2", "--streams", "2", "-t1", "-c2", "-d1s", "--timeout", "5s", "--json", "-", url)
	runtime.ReadMemStats(&after)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		Requests uint64
		Bytes    uint64
		Errors   struct{ Reasons map[string]uint64 }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Errors.Reasons) > 0 || doc.Requests == 0 || doc.Bytes < 2*body {
		t.Fatalf("%d requests, %d bytes, errors %v", doc.Requests, doc.Bytes, doc.Errors.Reasons)
	}
	if updates.Load() < body-1<<24 {
		t.Errorf("volley gave back %d bytes of stream window for %d bytes of DATA", updates.Load(), body)
	}
	if after.HeapSys > before.HeapSys+32<<20 {
		t.Errorf("the heap grew by %d MiB for bodies of %d MiB", (after.HeapSys-before.HeapSys)>>20, body>>20)
	}
}

// windowCounter adds up the stream WINDOW_UPDATE increments the client sends, without
// otherwise changing what the server reads.
type windowCounter struct {
	net.Conn
	stream  *atomic.Int64
	buf     []byte
	framing bool // past the preface
}

func (w *windowCounter) Read(p []byte) (int, error) {
	n, err := w.Conn.Read(p)
	w.buf = append(w.buf, p[:n]...)
	if !w.framing && len(w.buf) >= len(h2.Preface) {
		w.buf, w.framing = w.buf[len(h2.Preface):], true
	}
	for w.framing && len(w.buf) >= h2.HeaderLen {
		fh := h2.ParseFrameHeader(w.buf)
		if len(w.buf) < h2.HeaderLen+int(fh.Length) {
			break
		}
		if fh.Type == h2.FrameWindowUpdate && fh.Stream != 0 && fh.Length == 4 {
			w.stream.Add(int64(binary.BigEndian.Uint32(w.buf[h2.HeaderLen:]) & (1<<31 - 1)))
		}
		w.buf = w.buf[h2.HeaderLen+int(fh.Length):]
	}
	return n, err
}
