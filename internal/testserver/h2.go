package testserver

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"golang.org/x/net/http2/hpack"

	"volley/internal/h2"
)

// HTTP/2: a connection that starts with the HTTP/2 preface — in plain text (h2c with prior
// knowledge) or after ALPN chose h2 over TLS — is served as HTTP/2, with the same routes.
// Frames are read with volley's own internal/h2 definitions, one goroutine per connection as
// for HTTP/1.1. A response that must wait (a delay, a Freeze) waits in the connection's held
// list, which a second goroutine writes as each falls due: streams are independent, so one
// held response holds up no other. Arrivals and delays are recorded as for HTTP/1.1, per
// request (stream). Not supported over HTTP/2: the 1xx/101 statuses' special cases.

const (
	h2MaxFrame   = 1 << 14 // what the server accepts and sends: the default
	h2MaxStreams = 1000    // SETTINGS_MAX_CONCURRENT_STREAMS it announces
	h2Window     = 1 << 30 // the receive window it gives the client, connection and streams
)

// h2conn is one HTTP/2 connection's state. The reading goroutine owns everything but out and
// the send windows, which timers writing delayed responses share under mu.
type h2conn struct {
	c   *conn
	dec *hpack.Decoder

	// the request whose header block is being read
	stream              uint32
	method, path        string
	endStream, inHeader bool

	open     map[uint32]response // streams whose request body is still arriving, and their answer
	lastSeen uint32

	mu       sync.Mutex
	enc      *hpack.Encoder
	encBuf   bytes.Buffer
	out      []byte
	sendWin  int64
	initWin  int64
	maxFrame int
	windows  map[uint32]int64 // per-stream send windows, for streams with a body waiting
	waiting  []pendingBody
	served   int
	closing  bool
	err      error

	held     []heldStream    // responses waiting for their time, in no order
	holding  bool            // hold runs
	poke     chan struct{}   // a response joined held
	done     chan struct{}   // closed when the connection ends
	measured []time.Duration // the arrivals of held responses being written
}

// heldStream is a stream's response waiting for its delay or a Freeze.
type heldStream struct {
	id      uint32
	resp    response
	arrival time.Duration // since Start
	due     time.Duration // arrival + delay
}

type pendingBody struct {
	stream uint32
	off, n int64
}

// isPreface reports whether b could be the start of the HTTP/2 preface (or all of it).
func isPreface(b []byte) bool {
	n := min(len(b), len(h2.Preface))
	return string(b[:n]) == h2.Preface[:n]
}

func (c *conn) serveH2() error {
	hc := &h2conn{c: c, open: map[uint32]response{}, windows: map[uint32]int64{},
		sendWin: 65535, initWin: 65535, maxFrame: h2MaxFrame,
		poke: make(chan struct{}, 1), done: make(chan struct{})}
	defer close(hc.done)
	hc.dec = hpack.NewDecoder(4096, hc.field)
	hc.dec.SetMaxStringLength(maxBuf)
	hc.enc = hpack.NewEncoder(&hc.encBuf)
	c.r += len(h2.Preface)
	var s []byte
	s = h2.AppendSetting(s, h2.SettingMaxConcurrentStreams, h2MaxStreams)
	s = h2.AppendSetting(s, h2.SettingInitialWindowSize, h2Window)
	hc.out = h2.AppendFrame(hc.out, h2.FrameSettings, 0, 0, s)
	hc.out = h2.AppendWindowUpdate(hc.out, 0, h2Window-65535)
	payload := make([]byte, h2MaxFrame)
	for {
		if c.w-c.r < h2.HeaderLen {
			if err := hc.read(); err != nil {
				return err
			}
			continue
		}
		fh := h2.ParseFrameHeader(c.buf[c.r:])
		if fh.Length > h2MaxFrame {
			return hc.goAway(h2.CodeFrameSize)
		}
		if c.w-c.r < h2.HeaderLen+int(fh.Length) {
			if err := hc.read(); err != nil {
				return err
			}
			continue
		}
		p := payload[:copy(payload, c.buf[c.r+h2.HeaderLen:c.r+h2.HeaderLen+int(fh.Length)])]
		c.r += h2.HeaderLen + int(fh.Length)
		if err := hc.frame(fh, p); err != nil {
			return err
		}
	}
}

// read writes what is ready, then reads more of the connection into the buffer.
func (hc *h2conn) read() error {
	c := hc.c
	if err := hc.flush(); err != nil {
		return err
	}
	if c.r == c.w {
		c.r, c.w = 0, 0
	} else if c.r > 0 {
		c.w = copy(c.buf, c.buf[c.r:c.w])
		c.r = 0
	}
	if c.w == len(c.buf) {
		b := make([]byte, 2*len(c.buf))
		copy(b, c.buf[:c.w])
		c.buf = b
	}
	n, err := c.read()
	c.w += n
	if n > 0 {
		return nil
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		// A Freeze that shortened the hold poked every connection's reads (HTTP/1.1 waits in
		// them); HTTP/2 waits in hold instead, so it reads on without a deadline.
		return c.nc.SetReadDeadline(time.Time{})
	}
	return err
}

func (hc *h2conn) flush() error {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	c := hc.c
	if hc.err != nil {
		return hc.err
	}
	if c.requests > 0 {
		c.s.requests.Add(uint64(c.requests))
		c.requests = 0
	}
	if len(hc.out) > 0 {
		if _, err := c.nc.Write(hc.out); err != nil {
			hc.err = err
			return err
		}
		hc.out = hc.out[:0]
	}
	if c.pending > 0 {
		c.s.responses.Add(uint64(c.pending))
		c.pending = 0
	}
	if hc.closing {
		hc.err = errClose
		_ = c.nc.Close() // a GOAWAY went out: the client opens a new connection
		return hc.err
	}
	return nil
}

func (hc *h2conn) goAway(code h2.ErrCode) error {
	hc.mu.Lock()
	hc.out = h2.AppendGoAway(hc.out, hc.lastSeen, code)
	hc.mu.Unlock()
	_ = hc.flush() // the connection ends either way
	return errors.New("http2: " + code.String())
}

func (hc *h2conn) frame(fh h2.FrameHeader, p []byte) error {
	if hc.inHeader && fh.Type != h2.FrameContinuation {
		return hc.goAway(h2.CodeProtocol)
	}
	switch fh.Type {
	case h2.FrameHeaders:
		if fh.Stream&1 == 0 || fh.Stream <= hc.lastSeen {
			return hc.goAway(h2.CodeProtocol)
		}
		hc.lastSeen = fh.Stream
		if fh.Flags&h2.FlagPadded != 0 {
			if len(p) == 0 || int(p[0]) >= len(p) {
				return hc.goAway(h2.CodeProtocol)
			}
			p = p[1 : len(p)-int(p[0])]
		}
		if fh.Flags&h2.FlagPriority != 0 {
			if len(p) < 5 {
				return hc.goAway(h2.CodeProtocol)
			}
			p = p[5:]
		}
		hc.stream, hc.method, hc.path = fh.Stream, "", ""
		hc.endStream = fh.Flags&h2.FlagEndStream != 0
		hc.inHeader = true
		return hc.block(p, fh.Flags)
	case h2.FrameContinuation:
		if !hc.inHeader || fh.Stream != hc.stream {
			return hc.goAway(h2.CodeProtocol)
		}
		return hc.block(p, fh.Flags)
	case h2.FrameData:
		if len(p) > 0 {
			hc.mu.Lock()
			hc.out = h2.AppendWindowUpdate(hc.out, 0, uint32(len(p))) //nolint:gosec // G115: at most h2MaxFrame
			if !(fh.Flags&h2.FlagEndStream != 0) {
				hc.out = h2.AppendWindowUpdate(hc.out, fh.Stream, uint32(len(p))) //nolint:gosec // G115: at most h2MaxFrame
			}
			hc.mu.Unlock()
		}
		if resp, ok := hc.open[fh.Stream]; ok && fh.Flags&h2.FlagEndStream != 0 {
			delete(hc.open, fh.Stream)
			hc.respond(fh.Stream, resp)
		}
	case h2.FrameSettings:
		if fh.Flags&h2.FlagAck != 0 {
			return nil
		}
		hc.mu.Lock()
		defer hc.mu.Unlock()
		for ; len(p) >= 6; p = p[6:] {
			v := int64(binary.BigEndian.Uint32(p[2:6]))
			switch binary.BigEndian.Uint16(p[:2]) {
			case h2.SettingHeaderTableSize:
				// The client's decoder table: the encoder stays within it (volley announces 0).
				hc.enc.SetMaxDynamicTableSizeLimit(uint32(min(v, 4096))) //nolint:gosec // G115: at most 4096
			case h2.SettingInitialWindowSize:
				for id := range hc.windows {
					hc.windows[id] += v - hc.initWin
				}
				hc.initWin = v
			case h2.SettingMaxFrameSize:
				hc.maxFrame = int(min(v, h2MaxFrame))
			}
		}
		hc.out = h2.AppendFrameHeader(hc.out, 0, h2.FrameSettings, h2.FlagAck, 0)
		hc.pump()
	case h2.FramePing:
		if fh.Flags&h2.FlagAck == 0 {
			hc.mu.Lock()
			hc.out = h2.AppendFrame(hc.out, h2.FramePing, h2.FlagAck, 0, p)
			hc.mu.Unlock()
		}
	case h2.FrameWindowUpdate:
		if len(p) != 4 {
			return hc.goAway(h2.CodeFrameSize)
		}
		inc := int64(binary.BigEndian.Uint32(p) & 0x7fffffff)
		hc.mu.Lock()
		if fh.Stream == 0 {
			hc.sendWin += inc
		} else if _, ok := hc.windows[fh.Stream]; ok {
			hc.windows[fh.Stream] += inc
		}
		hc.pump()
		hc.mu.Unlock()
	case h2.FrameGoAway:
		return io.EOF
	case h2.FrameRSTStream:
		delete(hc.open, fh.Stream)
	}
	return nil
}

func (hc *h2conn) block(p []byte, flags uint8) error {
	if _, err := hc.dec.Write(p); err != nil {
		return hc.goAway(h2.CodeCompression)
	}
	if flags&h2.FlagEndHeaders == 0 {
		return nil
	}
	hc.inHeader = false
	if err := hc.dec.Close(); err != nil {
		return hc.goAway(h2.CodeCompression)
	}
	resp := route([]byte(hc.path))
	resp.head = hc.method == "HEAD"
	if !hc.endStream {
		if len(hc.open) >= h2MaxStreams {
			return hc.goAway(h2.CodeRefusedStream)
		}
		hc.open[hc.stream] = resp
		return nil
	}
	hc.respond(hc.stream, resp)
	return nil
}

func (hc *h2conn) field(f hpack.HeaderField) {
	switch f.Name {
	case ":method":
		hc.method = f.Value
	case ":path":
		hc.path = f.Value
	}
}

// respond answers a stream: now, or, when it must wait for a delay or a Freeze, from hold.
func (hc *h2conn) respond(id uint32, p response) {
	c := hc.c
	if c.s.opts.RecordArrivals {
		c.s.rec.arrival(c.now, c.id)
	}
	delay := p.delay
	if delay < 0 {
		delay = c.s.opts.Delay
	}
	hc.mu.Lock()
	c.requests++
	if delay > 0 || c.s.frozen() > c.now {
		hc.held = append(hc.held, heldStream{id: id, resp: p, arrival: c.now, due: c.now + delay})
		if !hc.holding {
			hc.holding = true
			go hc.hold()
		}
		hc.mu.Unlock()
		select {
		case hc.poke <- struct{}{}:
		default: // hold will look at held anyway
		}
		return
	}
	hc.write(id, &p)
	full := len(hc.out) >= flushAt
	hc.mu.Unlock()
	if full {
		_ = hc.flush() // a failed write ends the connection at its next read
	}
}

// hold writes the held responses as they fall due (a Freeze changes when), until the
// connection ends.
func (hc *h2conn) hold() {
	s := hc.c.s
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		wake := s.wake() // before reading the freeze: a Freeze after this wakes us
		hc.mu.Lock()
		now, next := s.since(), time.Duration(-1)
		keep := hc.held[:0]
		for _, h := range hc.held {
			due := max(h.due, s.frozen())
			if due > now {
				keep = append(keep, h)
				if next < 0 || due < next {
					next = due
				}
				continue
			}
			hc.write(h.id, &h.resp)
			if due > h.arrival {
				hc.measured = append(hc.measured, h.arrival)
			}
		}
		clear(hc.held[len(keep):])
		hc.held = keep
		if len(hc.measured) > 0 {
			s.rec.delay(s.since(), hc.measured)
			hc.measured = hc.measured[:0]
		}
		hc.mu.Unlock()
		_ = hc.flush() // a failed write ends the connection at its next read
		var due <-chan time.Time
		if next >= 0 {
			timer.Reset(next - s.since())
			due = timer.C
		}
		select {
		case <-due:
		case <-wake:
		case <-hc.poke:
		case <-hc.done:
			return
		}
	}
}

// write appends a response's frames; the caller holds mu.
func (hc *h2conn) write(id uint32, p *response) {
	status, ctype, body, n := 200, textPlain, "", int64(0)
	switch p.kind {
	case kindHello:
		body = "hello\n"
	case kindBytes, kindChunked:
		ctype, n = "application/octet-stream", p.n
	case kindStatus:
		status = p.status
		switch {
		case status == 101:
			status, body = 400, "status 101 does not exist in HTTP/2\n"
		case status < 200:
			hc.headers(id, status, "", -1, false) // interim, then hello
			status, body = 200, "hello\n"
		case status == 204 || status == 304:
			ctype, body = "", ""
		default:
			body = strconv.Itoa(status) + " " + reason(status) + "\n"
		}
	case kindNotFound:
		status, body = 404, "404 Not Found\n"
	case kindError:
		status, body = p.status, p.msg+"\n"
	}
	if body != "" {
		n = int64(len(body))
	}
	if p.head || n == 0 {
		hc.headers(id, status, ctype, n, true)
	} else {
		hc.headers(id, status, ctype, n, false)
		if body != "" {
			hc.windows[id] = hc.initWin
			hc.waiting = append(hc.waiting, pendingBody{stream: id, n: n})
			hc.pumpText(body)
		} else {
			hc.windows[id] = hc.initWin
			hc.waiting = append(hc.waiting, pendingBody{stream: id, n: n})
			hc.pump()
		}
	}
	hc.c.pending++
	if n := hc.c.s.opts.CloseEvery; n > 0 {
		if hc.served++; hc.served%n == 0 {
			hc.out = h2.AppendGoAway(hc.out, id, h2.CodeNo)
			hc.closing = true
		}
	}
	if p.close {
		hc.out = h2.AppendGoAway(hc.out, id, h2.CodeNo)
		hc.closing = true
	}
}

func (hc *h2conn) headers(id uint32, status int, ctype string, length int64, end bool) {
	hc.encBuf.Reset()
	_ = hc.enc.WriteField(hpack.HeaderField{Name: ":status", Value: strconv.Itoa(status)}) // into a bytes.Buffer: cannot fail
	if ctype != "" {
		_ = hc.enc.WriteField(hpack.HeaderField{Name: "content-type", Value: ctype})
	}
	if length >= 0 {
		_ = hc.enc.WriteField(hpack.HeaderField{Name: "content-length", Value: strconv.FormatInt(length, 10)})
	}
	flags := h2.FlagEndHeaders
	if end {
		flags |= h2.FlagEndStream
	}
	hc.out = h2.AppendFrame(hc.out, h2.FrameHeaders, flags, id, hc.encBuf.Bytes())
}

// pumpText sends a short text body: it always fits the first windows.
func (hc *h2conn) pumpText(body string) {
	w := &hc.waiting[len(hc.waiting)-1]
	hc.out = h2.AppendFrameHeader(hc.out, len(body), h2.FrameData, h2.FlagEndStream, w.stream)
	hc.out = append(hc.out, body...)
	hc.sendWin -= int64(len(body))
	delete(hc.windows, w.stream)
	hc.waiting = hc.waiting[:len(hc.waiting)-1]
}

// pump sends pattern bodies as far as the windows allow; the caller holds mu.
func (hc *h2conn) pump() {
	i := 0
	for _, w := range hc.waiting {
		for w.off < w.n {
			k := min(w.n-w.off, hc.sendWin, hc.windows[w.stream], int64(hc.maxFrame))
			if k <= 0 {
				break
			}
			var flags uint8
			if w.off+k == w.n {
				flags = h2.FlagEndStream
			}
			start := int(w.off % 26)
			hc.out = h2.AppendFrameHeader(hc.out, int(k), h2.FrameData, flags, w.stream)
			hc.out = append(hc.out, pattern[start:start+int(k)]...)
			w.off += k
			hc.sendWin -= k
			hc.windows[w.stream] -= k
		}
		if w.off < w.n {
			hc.waiting[i] = w
			i++
		} else {
			delete(hc.windows, w.stream)
		}
	}
	hc.waiting = hc.waiting[:i]
}
