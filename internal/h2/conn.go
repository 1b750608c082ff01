package h2

import (
	"encoding/binary"
	"errors"
	"strconv"

	"golang.org/x/net/http2/hpack"

	"volley/internal/h1"
)

// What volley announces and tolerates on a connection.
const (
	ourMaxFrameSize = minMaxFrameSize // frames volley accepts: the default, so no frame needs more than 16 KiB at once
	ourStreamWindow = 1 << 24         // per stream: responses of up to 16 MiB never wait for a WINDOW_UPDATE
	ourConnWindow   = 1 << 30         // per connection, as h2load's default
	// The HPACK dynamic table the server may use for responses: none. Without it a header block
	// decodes to the same fields whatever came before it on the connection, so a block identical
	// to the last one need not be decoded again (see memo); a server sends the same block for
	// every response of a route but for its date, so nearly every response skips HPACK's Huffman
	// decoding and the three or so strings it allocates. It also removes the HPACK bomb's lever
	// (one large entry referenced again and again) and 4 KiB of table per connection.
	ourTableSize = 0
	memoMax      = 1024 // the largest header block memo keeps

	// A server gets answers to PING and SETTINGS, and may send frames that carry nothing
	// (empty DATA or CONTINUATION, PRIORITY, unknown types), and may reset streams — but not
	// without end: past these counts since the last complete response, the connection is
	// dropped (the floods of CVE-2019-9512, -9515, -9518 and CVE-2023-44487's pattern).
	maxReplies = 1000
	maxIdle    = 1000
	minResets  = 100     // or twice --streams, whichever is more
	maxOut     = 1 << 20 // queued output: a server that does not read what it asks for is dropped
	pumpMax    = 1 << 18 // request body bytes queued ahead of the socket

	resetWindow = 1024 // how many recent stream identifiers volley remembers resetting
)

// Event is what Feed reports besides consuming bytes.
type Event uint8

const (
	None     Event = iota // all of the input was consumed
	Ready                 // the server's SETTINGS arrived: streams may open (see MaxStreams)
	Response              // a slot's response is complete (Status, Headers, Body)
	Reset                 // the server reset a slot's stream (ResetCode)
	GoAway                // the server sent GOAWAY: no new streams; see Refused and GoAwayCode
)

// ErrNoStreams is Submit's answer when the connection can open no more streams: after GOAWAY, or
// when stream identifiers are exhausted. The caller opens a new connection.
var ErrNoStreams = errors.New("http2: connection takes no new streams")

// Stream states of a slot.
const (
	ssIdle   uint8 = iota // no stream
	ssOpen                // request sent (perhaps its body still going), response awaited
	ssDone                // the response is complete
	ssClosed              // reset by either side, or abandoned after GOAWAY
)

// Response phases of an open stream.
const (
	phHead uint8 = iota // awaiting the final HEADERS (interim 1xx ones are skipped)
	phBody              // DATA, then perhaps trailers
)

type memo struct {
	ok     bool
	block  []byte
	fields []hpack.HeaderField // strings the decoder made: immutable, safe to emit again
}

type stream struct {
	id       uint32
	state    uint8
	phase    uint8
	head     bool
	status   uint16
	length   int64 // content-length, or -1
	bodyN    int64
	sendWin  int64
	recvWin  int64
	recvUsed int64  // DATA bytes since the last WINDOW_UPDATE for the stream
	body     []byte // request body not yet sent
	fields   []h1.Field
	kept     []byte
}

// Config is a connection's shape and bounds.
type Config struct {
	Streams int       // slots: the most streams volley opens at once
	Limits  h1.Limits // MaxHeaderBytes bounds a decoded header list, MaxHeaders its fields, MaxBodyKeep a kept body
	Capture bool      // keep headers and bodies for the script's response()
}

// Conn is the client side of one HTTP/2 connection, fed the bytes the server sends. Requests go
// out on slots: slot i carries one stream at a time, whose identifier is the next odd number n
// with n/2 mod Streams = i, so that a frame's slot is found by arithmetic, not by a lookup
// (skipping identifiers is allowed: RFC 9113 §5.1.1).
type Conn struct {
	maxList, maxFields, maxKeep int
	capture                     bool
	streamWindow                int64 // the receive window volley gives each stream

	streams []stream
	out     []byte
	dec     *hpack.Decoder

	// the frame being parsed
	hdr    [HeaderLen]byte
	nh     int
	fh     FrameHeader
	left   uint32 // payload bytes not yet seen
	pad    uint32 // padding at the frame's end
	prefix uint32 // bytes before the content: pad length, priority
	small  [8]byte
	ns     int
	cur    *stream // the open stream the frame is for; nil if none or ignored

	// memo is the last header block that arrived whole in one piece and decoded without error,
	// and the fields it decoded to; recording says the block being decoded is becoming it.
	memo      memo
	recording bool

	// the header block being decoded
	contID     uint32 // stream whose block continues in CONTINUATION frames; 0 none
	blockEnd   bool   // the block's HEADERS had END_STREAM
	blockBytes int
	blk        *stream
	trailers   bool
	listSize   int
	nfields    int
	regular    bool
	sawStatus  bool
	status     uint16
	hdrErr     *Error

	// the server's settings and windows
	settingsSeen   bool
	peerMaxFrame   uint32
	peerInitWindow int64
	peerMaxStreams uint32
	peerMaxSet     bool
	peerMaxList    uint32
	sendWin        int64
	recvWin        int64
	recvUsed       int64

	lastOpened uint32
	open       int
	pumpHeld   bool // pump stopped at pumpMax with bodies left: Written resumes it
	// reset has a bit per stream identifier (id/2 mod resetWindow) for the streams volley reset
	// or abandoned among the last resetWindow identifiers: their late frames are expected and
	// ignored, while frames on a stream that ended normally are an error.
	reset      [resetWindow / 64]uint64
	goaway     bool
	lastID     uint32 // GOAWAY's last stream identifier
	goawayCode ErrCode
	resetCode  ErrCode

	replies, idle, resets int
	err                   *Error
}

// Init sets the connection's shape; call it once, then Start for each new connection.
func (c *Conn) Init(cfg Config) {
	l := cfg.Limits
	def := h1.DefaultLimits()
	c.maxList, c.maxFields, c.maxKeep = pick(l.MaxHeaderBytes, def.MaxHeaderBytes), pick(l.MaxHeaders, def.MaxHeaders), pick(l.MaxBodyKeep, def.MaxBodyKeep)
	c.capture = cfg.Capture
	c.streamWindow = ourStreamWindow
	c.streams = make([]stream, max(cfg.Streams, 1))
}

func pick(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// Start begins a new connection: it queues the preface, volley's SETTINGS and the connection
// window's enlargement, and forgets everything about the previous connection.
func (c *Conn) Start() {
	for i := range c.streams {
		s := &c.streams[i]
		*s = stream{fields: s.fields[:0], kept: s.kept[:0]}
	}
	*c = Conn{maxList: c.maxList, maxFields: c.maxFields, maxKeep: c.maxKeep, capture: c.capture,
		streamWindow: c.streamWindow, streams: c.streams, out: c.out[:0],
		memo: memo{block: c.memo.block[:0], fields: c.memo.fields[:0]}}
	// The decoder's allowed table size is ourTableSize too: a server that goes past what
	// volley announced gets a COMPRESSION_ERROR, and every block decodes the same anywhere.
	c.dec = hpack.NewDecoder(ourTableSize, c.emit)
	// A field is at most the whole list: this also bounds what the decoder buffers for a
	// string split across frames.
	c.dec.SetMaxStringLength(c.maxList)
	c.peerMaxFrame, c.peerInitWindow, c.sendWin = minMaxFrameSize, defaultWindow, defaultWindow
	c.recvWin = ourConnWindow
	c.out = append(c.out, Preface...)
	c.out = AppendFrameHeader(c.out, 4*6, FrameSettings, 0, 0)
	c.out = AppendSetting(c.out, SettingHeaderTableSize, ourTableSize)
	c.out = AppendSetting(c.out, SettingEnablePush, 0)
	c.out = AppendSetting(c.out, SettingInitialWindowSize, uint32(c.streamWindow)) //nolint:gosec // G115: at most ourStreamWindow
	c.out = AppendSetting(c.out, SettingMaxHeaderListSize, uint32(c.maxList))      //nolint:gosec // G115: limits are at most 1<<30
	c.out = AppendWindowUpdate(c.out, 0, ourConnWindow-defaultWindow)
}

// Output is what waits to be written to the server.
func (c *Conn) Output() []byte { return c.out }

// Written drops n written bytes of Output.
func (c *Conn) Written(n int) {
	rest := c.out[n:]
	if len(rest) == 0 {
		rest = c.out[:0]
	}
	c.out = rest
	if c.pumpHeld && len(c.out) == 0 {
		c.pump() // the socket took what was queued: more of the bodies
	}
}

// MaxStreams is how many slots may carry a stream: --streams, capped by the server's
// SETTINGS_MAX_CONCURRENT_STREAMS.
func (c *Conn) MaxStreams() int {
	if c.peerMaxSet && int64(c.peerMaxStreams) < int64(len(c.streams)) {
		return int(c.peerMaxStreams)
	}
	return len(c.streams)
}

// Open is the number of streams awaiting their response.
func (c *Conn) Open() int { return c.open }

// CanOpen reports whether Submit may open a stream.
func (c *Conn) CanOpen() bool { return c.settingsSeen && !c.goaway && c.err == nil }

// Status, Headers and Body describe the slot's last response (Headers and Body only when
// capturing); valid until the slot's next Submit.
func (c *Conn) Status(slot int) int         { return int(c.streams[slot].status) }
func (c *Conn) Headers(slot int) []h1.Field { return c.streams[slot].fields }
func (c *Conn) Body(slot int) []byte        { return c.streams[slot].kept }

// ResetCode is the code of the last RST_STREAM from the server.
func (c *Conn) ResetCode() ErrCode { return c.resetCode }

// GoAwayCode is the code of the server's GOAWAY.
func (c *Conn) GoAwayCode() ErrCode { return c.goawayCode }

// Refused reports, after GOAWAY, whether the slot's stream was above the server's last stream
// identifier: the server did not and will not process it, so it may be sent again on a new
// connection. The stream is abandoned.
func (c *Conn) Refused(slot int) bool {
	s := &c.streams[slot]
	if !c.goaway || s.state != ssOpen || s.id <= c.lastID {
		return false
	}
	c.close(s)
	return true
}

// Cancel resets the slot's open stream (its response timed out), freeing the slot.
func (c *Conn) Cancel(slot int) {
	s := &c.streams[slot]
	if s.state != ssOpen {
		return
	}
	c.out = AppendRSTStream(c.out, s.id, CodeCancel)
	c.close(s)
}

func (c *Conn) close(s *stream) {
	s.state = ssClosed
	s.body = nil
	c.open--
	i := (s.id >> 1) % resetWindow
	c.reset[i/64] |= 1 << (i % 64)
}

// wasReset reports whether volley reset or abandoned stream id, which it opened; a stream too
// old to remember is taken to be one.
func (c *Conn) wasReset(id uint32) bool {
	if c.lastOpened-id >= 2*resetWindow {
		return true
	}
	i := (id >> 1) % resetWindow
	return c.reset[i/64]&(1<<(i%64)) != 0
}

// forgetResets clears the bits of the identifiers from after to id, which are about to be
// opened or skipped.
func (c *Conn) forgetResets(after, id uint32) {
	from, to := after>>1+1, id>>1 // half-identifiers, inclusive
	if after == 0 {
		from = 0
	}
	if to-from >= resetWindow {
		clear(c.reset[:])
		return
	}
	for k := from; k <= to; {
		i := k % resetWindow
		if i%64 == 0 && to-k >= 63 {
			c.reset[i/64] = 0
			k += 64
			continue
		}
		c.reset[i/64] &^= 1 << (i % 64)
		k++
	}
}

// Submit opens a stream on a free slot and queues its request. An error other than
// ErrNoStreams concerns this request only.
func (c *Conn) Submit(slot int, r *Request) error {
	if !c.CanOpen() {
		return ErrNoStreams
	}
	if c.peerMaxList > 0 && r.ListSize > c.peerMaxList {
		return errors.New("http2: request header list of " + strconv.Itoa(int(r.ListSize)) +
			" bytes is over the server's SETTINGS_MAX_HEADER_LIST_SIZE (" + strconv.Itoa(int(c.peerMaxList)) + ")")
	}
	n := uint32(len(c.streams)) //nolint:gosec // G115: --streams is validated to a small number
	k := uint32(0)
	if c.lastOpened > 0 {
		k = c.lastOpened>>1 + 1
	}
	k += (uint32(slot) + n - k%n) % n //nolint:gosec // G115: slot < n
	id := 2*k + 1
	if k >= 1<<30 {
		c.goaway, c.lastID = true, c.lastOpened // identifiers exhausted: this connection is done
		return ErrNoStreams
	}
	c.forgetResets(c.lastOpened, id)
	s := &c.streams[slot]
	*s = stream{id: id, state: ssOpen, head: r.Head, length: -1,
		sendWin: c.peerInitWindow, recvWin: c.streamWindow, body: r.Body,
		fields: s.fields[:0], kept: s.kept[:0]}
	c.lastOpened = id
	c.open++
	block := r.Block
	flags := FlagEndHeaders
	if len(r.Body) == 0 {
		flags |= FlagEndStream
	}
	t := FrameHeaders
	for {
		chunk := block[:min(len(block), int(c.peerMaxFrame))]
		block = block[len(chunk):]
		f := flags
		if len(block) > 0 {
			f &^= FlagEndHeaders
		}
		c.out = AppendFrameHeader(c.out, len(chunk), t, f, id)
		c.out = append(c.out, chunk...)
		if len(block) == 0 {
			break
		}
		t, flags = FrameContinuation, flags&FlagEndHeaders
	}
	if len(r.Body) > 0 {
		c.pump()
	}
	return nil
}

// pump sends request bodies as far as the flow-control windows allow.
// It queues at most pumpMax bytes ahead of the socket, then waits for Written: a server that
// opens its windows wide and stops reading must not make volley copy every stream's body.
func (c *Conn) pump() {
	c.pumpHeld = false
	for i := range c.streams {
		s := &c.streams[i]
		for s.state == ssOpen && len(s.body) > 0 {
			if len(c.out) >= pumpMax {
				c.pumpHeld = true
				return
			}
			n := min(int64(len(s.body)), c.sendWin, s.sendWin, int64(c.peerMaxFrame))
			if n <= 0 {
				break
			}
			var flags uint8
			if int(n) == len(s.body) {
				flags = FlagEndStream
			}
			c.out = AppendFrameHeader(c.out, int(n), FrameData, flags, s.id)
			c.out = append(c.out, s.body[:n]...)
			s.body = s.body[n:]
			c.sendWin -= n
			s.sendWin -= n
		}
	}
}

func (c *Conn) fail(e *Error) *Error {
	c.err = e
	c.out = AppendGoAway(c.out, 0, e.Code) // a courtesy the caller may flush before closing
	return e
}

// Feed consumes bytes from the server. It returns after an event, with the slot it concerns
// (Response, Reset); b[n:] is then still to be fed. After an error the connection is unusable.
func (c *Conn) Feed(b []byte) (n int, ev Event, slot int, err error) {
	if c.err != nil {
		return 0, None, -1, c.err
	}
	for n < len(b) {
		if c.nh < HeaderLen {
			k := copy(c.hdr[c.nh:], b[n:])
			c.nh += k
			n += k
			if c.nh < HeaderLen {
				break
			}
			if e := c.begin(); e != nil {
				return n, None, -1, c.fail(e)
			}
		}
		if c.left > 0 {
			k := int(min(uint32(len(b)-n), c.left)) //nolint:gosec // G115: len(b)-n > 0
			if e := c.payload(b[n : n+k]); e != nil {
				return n, None, -1, c.fail(e)
			}
			n += k
			c.left -= uint32(k) //nolint:gosec // G115: k <= c.left
			if c.left > 0 {
				break
			}
		}
		c.nh = 0
		ev, slot, e := c.end()
		if e != nil {
			return n, None, -1, c.fail(e)
		}
		if len(c.out) > maxOut {
			return n, None, -1, c.fail(connErr(CodeEnhanceYourCalm, "the server does not read what volley must send it (over 1 MiB queued)"))
		}
		if ev != None {
			return n, ev, slot, nil
		}
	}
	return n, None, -1, nil
}

// begin checks a frame header and prepares for its payload.
func (c *Conn) begin() *Error {
	fh := ParseFrameHeader(c.hdr[:])
	c.fh, c.left, c.pad, c.prefix, c.ns, c.cur = fh, fh.Length, 0, 0, 0, nil
	if !c.settingsSeen && (fh.Type != FrameSettings || fh.Flags&FlagAck != 0) {
		return connErr(CodeProtocol, "the server did not answer the connection preface with SETTINGS but with "+
			quote(c.hdr[:])+": it does not speak HTTP/2 here")
	}
	if fh.Length > ourMaxFrameSize {
		return connErr(CodeFrameSize, fh.Type.String()+" frame of "+strconv.Itoa(int(fh.Length))+" bytes is over SETTINGS_MAX_FRAME_SIZE ("+strconv.Itoa(ourMaxFrameSize)+")")
	}
	if c.contID != 0 && (fh.Type != FrameContinuation || fh.Stream != c.contID) {
		return connErr(CodeProtocol, fh.Type.String()+" frame in the middle of a header block")
	}
	var e *Error
	switch fh.Type {
	case FrameData:
		e = c.beginData()
	case FrameHeaders:
		e = c.beginHeaders()
	case FrameContinuation:
		if c.contID == 0 {
			return connErr(CodeProtocol, "CONTINUATION frame without a header block")
		}
		if fh.Flags&FlagEndHeaders != 0 {
			c.contID = 0
		} else if fh.Length == 0 {
			c.idle++
		}
	case FramePriority:
		e = c.fixed(5, true)
		c.idle++
	case FrameRSTStream:
		e = c.fixed(4, true)
	case FrameSettings:
		switch {
		case fh.Stream != 0:
			e = connErr(CodeProtocol, "SETTINGS frame on a stream")
		case fh.Flags&FlagAck != 0 && fh.Length != 0:
			e = connErr(CodeFrameSize, "SETTINGS acknowledgement with a payload")
		case fh.Length%6 != 0:
			e = connErr(CodeFrameSize, "SETTINGS frame of "+strconv.Itoa(int(fh.Length))+" bytes, not a multiple of 6")
		case fh.Flags&FlagAck == 0:
			c.replies++
		}
	case FramePushPromise:
		e = connErr(CodeProtocol, "PUSH_PROMISE although volley disabled push")
	case FramePing:
		e = c.fixed(8, false)
		if fh.Flags&FlagAck == 0 {
			c.replies++
		} else {
			c.idle++ // volley sends no PING: an acknowledgement answers nothing
		}
	case FrameGoAway:
		switch {
		case fh.Stream != 0:
			e = connErr(CodeProtocol, "GOAWAY frame on a stream")
		case fh.Length < 8:
			e = connErr(CodeFrameSize, "GOAWAY frame of "+strconv.Itoa(int(fh.Length))+" bytes")
		}
	case FrameWindowUpdate:
		if fh.Length != 4 {
			e = connErr(CodeFrameSize, "WINDOW_UPDATE frame of "+strconv.Itoa(int(fh.Length))+" bytes")
		}
	default:
		c.idle++ // unknown frame types are ignored (RFC 9113 §4.1), but not without end
	}
	if e != nil {
		return e
	}
	switch {
	case c.replies > maxReplies:
		return connErr(CodeEnhanceYourCalm, "PING or SETTINGS flood: "+strconv.Itoa(c.replies)+" frames to answer since the last response")
	case c.idle > maxIdle:
		return connErr(CodeEnhanceYourCalm, "flood of frames that carry nothing: "+strconv.Itoa(c.idle)+" since the last response")
	}
	return nil
}

// fixed checks a frame of a fixed length, on a stream or on the connection.
func (c *Conn) fixed(length uint32, onStream bool) *Error {
	fh := c.fh
	if fh.Length != length {
		return connErr(CodeFrameSize, fh.Type.String()+" frame of "+strconv.Itoa(int(fh.Length))+" bytes")
	}
	if onStream != (fh.Stream != 0) {
		if onStream {
			return connErr(CodeProtocol, fh.Type.String()+" frame on stream 0")
		}
		return connErr(CodeProtocol, fh.Type.String()+" frame on a stream")
	}
	if onStream && c.idleStream(fh.Stream) {
		return connErr(CodeProtocol, fh.Type.String()+" frame on stream "+strconv.FormatUint(uint64(fh.Stream), 10)+", which volley never opened")
	}
	return nil
}

func (c *Conn) idleStream(id uint32) bool { return id&1 == 0 || id > c.lastOpened }

// stream finds the open stream a DATA or HEADERS frame is for. It returns nil, without error,
// for a stream that volley reset or abandoned: late frames for it are expected and ignored.
func (c *Conn) stream(id uint32) (*stream, *Error) {
	t := c.fh.Type.String()
	if id == 0 {
		return nil, connErr(CodeProtocol, t+" frame on stream 0")
	}
	if c.idleStream(id) {
		return nil, connErr(CodeProtocol, t+" frame on stream "+strconv.FormatUint(uint64(id), 10)+", which volley never opened")
	}
	s := &c.streams[(id>>1)%uint32(len(c.streams))] //nolint:gosec // G115: --streams is small
	switch {
	case s.id == id && s.state == ssOpen:
		return s, nil
	case c.wasReset(id):
		return nil, nil
	}
	return nil, connErr(CodeStreamClosed, t+" frame on closed stream "+strconv.FormatUint(uint64(id), 10))
}

func (c *Conn) beginData() *Error {
	fh := c.fh
	s, e := c.stream(fh.Stream)
	if e != nil {
		return e
	}
	if fh.Flags&FlagPadded != 0 {
		c.prefix = 1
	}
	// Flow control counts the whole frame, padding included, whether or not the stream is ours.
	n := int64(fh.Length)
	if c.recvWin -= n; c.recvWin < 0 {
		return connErr(CodeFlowControl, "DATA beyond the connection's flow-control window")
	}
	c.recvUsed += n
	if s != nil {
		if s.phase != phBody {
			return connErr(CodeProtocol, "DATA frame before the response's HEADERS on stream "+strconv.FormatUint(uint64(s.id), 10))
		}
		if s.recvWin -= n; s.recvWin < 0 {
			return connErr(CodeFlowControl, "DATA beyond the stream's flow-control window")
		}
		s.recvUsed += n
	}
	if n == 0 && fh.Flags&FlagEndStream == 0 {
		c.idle++
	}
	c.cur = s
	return nil
}

func (c *Conn) beginHeaders() *Error {
	fh := c.fh
	s, e := c.stream(fh.Stream)
	if e != nil {
		return e
	}
	if fh.Flags&FlagPadded != 0 {
		c.prefix++
	}
	if fh.Flags&FlagPriority != 0 {
		c.prefix += 5
	}
	if c.prefix > fh.Length {
		return connErr(CodeFrameSize, "HEADERS frame too short for its padding and priority")
	}
	if fh.Flags&FlagEndHeaders == 0 {
		c.contID = fh.Stream
		if fh.Length == c.prefix {
			c.idle++
		}
	}
	c.blk, c.blockEnd, c.blockBytes = s, fh.Flags&FlagEndStream != 0, 0
	c.trailers = s != nil && s.phase == phBody
	c.listSize, c.nfields, c.regular, c.sawStatus, c.status, c.hdrErr = 0, 0, false, false, 0, nil
	if s != nil && s.phase == phHead {
		s.fields = s.fields[:0] // an interim response's fields are not the final one's
	}
	return nil
}

// payload consumes p, the next bytes of the current frame's payload (c.left counts p too).
func (c *Conn) payload(p []byte) *Error {
	fh := c.fh
	at := fh.Length - c.left // offset of p in the payload
	switch fh.Type {
	case FrameData, FrameHeaders:
		for c.prefix > at && len(p) > 0 {
			if at == 0 && fh.Flags&FlagPadded != 0 {
				c.pad = uint32(p[0])
				if c.pad+c.prefix > fh.Length {
					return connErr(CodeProtocol, fh.Type.String()+" frame's padding is longer than the frame")
				}
			}
			p, at = p[1:], at+1
		}
		if end := fh.Length - c.pad; at+uint32(len(p)) > end { //nolint:gosec // G115: p is part of the frame
			p = p[:max(int(end)-int(at), 0)]
		}
		if len(p) == 0 {
			return nil
		}
		if fh.Type == FrameData {
			c.data(p)
			return nil
		}
		// The whole block in one piece: the common case, which memo serves.
		whole := fh.Flags&FlagEndHeaders != 0 && at == c.prefix && at+uint32(len(p)) == fh.Length-c.pad //nolint:gosec // G115: p is part of the frame
		return c.fragment(p, whole)
	case FrameContinuation:
		return c.fragment(p, false)
	case FrameSettings:
		for len(p) > 0 {
			k := copy(c.small[c.ns:6], p)
			c.ns += k
			p = p[k:]
			if c.ns == 6 {
				c.ns = 0
				if e := c.setting(binary.BigEndian.Uint16(c.small[:2]), binary.BigEndian.Uint32(c.small[2:6])); e != nil {
					return e
				}
			}
		}
	default: // fixed fields: keep the first eight bytes (GOAWAY's debug data is skipped)
		c.ns += copy(c.small[c.ns:], p)
	}
	return nil
}

func (c *Conn) data(p []byte) {
	s := c.cur
	if s == nil {
		return
	}
	s.bodyN += int64(len(p))
	if c.capture {
		if room := c.maxKeep - len(s.kept); room > 0 {
			s.kept = append(s.kept, p[:min(room, len(p))]...)
		}
	}
}

// fragment consumes the next bytes of a header block; whole says they are the whole block.
func (c *Conn) fragment(p []byte, whole bool) *Error {
	if whole && len(p) <= memoMax {
		if c.memo.ok && string(p) == string(c.memo.block) {
			// What the decoder would emit for these bytes, it emitted last time; and every
			// regular field passed checkField then.
			c.blockBytes = len(p)
			for _, f := range c.memo.fields {
				c.field(f, true)
			}
			return c.hdrErr
		}
		c.memo.ok, c.recording = false, true
		c.memo.block = append(c.memo.block[:0], p...)
		c.memo.fields = c.memo.fields[:0]
	}
	// Decode up to the bound, then refuse the rest: where the block is split must not change
	// which error a bad block gets.
	room := c.maxList - c.blockBytes
	over := len(p) > room
	if over {
		p = p[:room]
	}
	c.blockBytes += len(p)
	if _, err := c.dec.Write(p); err != nil {
		switch {
		case c.hdrErr != nil:
			return c.hdrErr
		case errors.Is(err, hpack.ErrStringLength):
			return connErr(CodeEnhanceYourCalm, "a response header field over "+strconv.Itoa(c.maxList)+" bytes (--max-header-bytes)")
		}
		return connErr(CodeCompression, "HPACK: "+err.Error())
	}
	if c.hdrErr == nil && over {
		return connErr(CodeEnhanceYourCalm, "response header block over "+strconv.Itoa(c.maxList)+" bytes (--max-header-bytes)")
	}
	return c.hdrErr
}

// emit is the HPACK decoder's emit function.
func (c *Conn) emit(f hpack.HeaderField) {
	if c.recording && len(c.memo.fields) < c.maxFields {
		c.memo.fields = append(c.memo.fields, f)
	}
	c.field(f, false)
}

// field checks and keeps one response header field; checked says checkField passed it before.
func (c *Conn) field(f hpack.HeaderField, checked bool) {
	if c.hdrErr != nil {
		return
	}
	c.listSize += len(f.Name) + len(f.Value) + 32
	c.nfields++
	switch {
	case c.listSize > c.maxList:
		c.hdrErr = connErr(CodeEnhanceYourCalm, "decoded response header list over "+strconv.Itoa(c.maxList)+" bytes (--max-header-bytes)")
		return
	case c.nfields > c.maxFields:
		c.hdrErr = connErr(CodeEnhanceYourCalm, "more than "+strconv.Itoa(c.maxFields)+" response header fields (--max-headers)")
		return
	}
	if len(f.Name) > 0 && f.Name[0] == ':' {
		c.hdrErr = c.pseudo(f)
		return
	}
	c.regular = true
	if !checked {
		if e := checkField(f); e != "" {
			c.hdrErr = connErr(CodeProtocol, "malformed response: "+e)
			return
		}
	}
	s := c.blk
	if s == nil {
		return
	}
	if f.Name == "content-length" && !c.trailers {
		n, err := strconv.ParseInt(f.Value, 10, 64)
		if err != nil || n < 0 || (s.length >= 0 && s.length != n) {
			c.hdrErr = connErr(CodeProtocol, "malformed response: invalid content-length "+quote(f.Value))
			return
		}
		s.length = n
	}
	if c.capture {
		s.fields = append(s.fields, h1.Field{Name: f.Name, Value: f.Value})
	}
}

func (c *Conn) pseudo(f hpack.HeaderField) *Error {
	switch {
	case c.trailers:
		return connErr(CodeProtocol, "malformed response: pseudo-header "+quote(f.Name)+" in trailers")
	case c.regular:
		return connErr(CodeProtocol, "malformed response: pseudo-header "+quote(f.Name)+" after regular fields")
	case f.Name != ":status":
		return connErr(CodeProtocol, "malformed response: pseudo-header "+quote(f.Name))
	case c.sawStatus:
		return connErr(CodeProtocol, "malformed response: duplicate :status")
	}
	v := f.Value
	if len(v) != 3 || v[0] < '1' || v[0] > '5' || v[1] < '0' || v[1] > '9' || v[2] < '0' || v[2] > '9' {
		return connErr(CodeProtocol, "malformed response: invalid :status "+quote(v))
	}
	c.status = uint16(v[0]-'0')*100 + uint16(v[1]-'0')*10 + uint16(v[2]-'0')
	c.sawStatus = true
	return nil
}

// checkField says what is wrong with a regular response field (RFC 9113 §8.2), or "".
func checkField(f hpack.HeaderField) string {
	if f.Name == "" || !h1.ValidToken(f.Name) {
		return "invalid header name " + quote(f.Name)
	}
	for i := 0; i < len(f.Name); i++ {
		if 'A' <= f.Name[i] && f.Name[i] <= 'Z' {
			return "upper-case header name " + quote(f.Name)
		}
	}
	for i := 0; i < len(f.Value); i++ {
		if b := f.Value[i]; b == 0 || b == '\r' || b == '\n' {
			return "header " + quote(f.Name) + " value contains " + quote(f.Value[i:i+1])
		}
	}
	switch f.Name {
	case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade":
		return "connection-specific header " + quote(f.Name)
	}
	return ""
}

func (c *Conn) setting(id uint16, v uint32) *Error {
	switch id {
	case SettingEnablePush:
		if v > 1 {
			return connErr(CodeProtocol, "SETTINGS_ENABLE_PUSH of "+strconv.FormatUint(uint64(v), 10))
		}
		if v == 1 {
			return connErr(CodeProtocol, "a server set SETTINGS_ENABLE_PUSH to 1")
		}
	case SettingMaxConcurrentStreams:
		c.peerMaxStreams, c.peerMaxSet = v, true
	case SettingInitialWindowSize:
		if v > maxWindow {
			return connErr(CodeFlowControl, "SETTINGS_INITIAL_WINDOW_SIZE of "+strconv.FormatUint(uint64(v), 10))
		}
		delta := int64(v) - c.peerInitWindow
		c.peerInitWindow = int64(v)
		for i := range c.streams {
			if s := &c.streams[i]; s.state == ssOpen {
				if s.sendWin += delta; s.sendWin > maxWindow {
					return connErr(CodeFlowControl, "SETTINGS_INITIAL_WINDOW_SIZE overflows a stream's window")
				}
			}
		}
	case SettingMaxFrameSize:
		if v < minMaxFrameSize || v > maxMaxFrameSize {
			return connErr(CodeProtocol, "SETTINGS_MAX_FRAME_SIZE of "+strconv.FormatUint(uint64(v), 10))
		}
		c.peerMaxFrame = v
	case SettingMaxHeaderListSize:
		c.peerMaxList = v
	}
	return nil
}

// end acts on a frame whose payload has been consumed.
func (c *Conn) end() (Event, int, *Error) {
	fh := c.fh
	switch fh.Type {
	case FrameData:
		c.windowUpdates()
		if s := c.cur; s != nil && fh.Flags&FlagEndStream != 0 {
			return c.complete(s)
		}
	case FrameHeaders, FrameContinuation:
		if c.contID != 0 {
			return None, -1, nil
		}
		if err := c.dec.Close(); err != nil {
			return None, -1, connErr(CodeCompression, "HPACK: "+err.Error())
		}
		if c.recording {
			c.memo.ok, c.recording = c.hdrErr == nil, false
		}
		return c.headersDone()
	case FrameRSTStream:
		s := &c.streams[(fh.Stream>>1)%uint32(len(c.streams))] //nolint:gosec // G115: --streams is small
		if s.id != fh.Stream || s.state != ssOpen {
			return None, -1, nil // a stream already complete or reset by volley
		}
		c.resetCode = ErrCode(binary.BigEndian.Uint32(c.small[:4]))
		c.close(s)
		if c.resets++; c.resets > max(minResets, 2*len(c.streams)) {
			return None, -1, connErr(CodeEnhanceYourCalm, "streams reset en masse: "+strconv.Itoa(c.resets)+" since the last response")
		}
		return Reset, int((fh.Stream >> 1) % uint32(len(c.streams))), nil //nolint:gosec // G115: as above
	case FrameSettings:
		if fh.Flags&FlagAck != 0 {
			return None, -1, nil
		}
		c.out = AppendFrameHeader(c.out, 0, FrameSettings, FlagAck, 0)
		c.pump()
		c.settingsSeen = true
		return Ready, -1, nil // streams may start, or more of them
	case FramePing:
		if fh.Flags&FlagAck == 0 {
			c.out = AppendFrameHeader(c.out, 8, FramePing, FlagAck, 0)
			c.out = append(c.out, c.small[:8]...)
		}
	case FrameGoAway:
		last := binary.BigEndian.Uint32(c.small[:4]) & maxStreamID
		if c.goaway {
			last = min(last, c.lastID) // a later GOAWAY may not raise the last identifier
		}
		c.goaway, c.lastID = true, last
		c.goawayCode = ErrCode(binary.BigEndian.Uint32(c.small[4:8]))
		return GoAway, -1, nil
	case FrameWindowUpdate:
		return None, -1, c.windowUpdate(fh.Stream, binary.BigEndian.Uint32(c.small[:4])&maxStreamID)
	}
	return None, -1, nil
}

func (c *Conn) windowUpdate(id, inc uint32) *Error {
	if inc == 0 {
		return connErr(CodeProtocol, "WINDOW_UPDATE with an increment of 0")
	}
	if id == 0 {
		if c.sendWin += int64(inc); c.sendWin > maxWindow {
			return connErr(CodeFlowControl, "WINDOW_UPDATE overflows the connection's window")
		}
	} else {
		if c.idleStream(id) {
			return connErr(CodeProtocol, "WINDOW_UPDATE on stream "+strconv.FormatUint(uint64(id), 10)+", which volley never opened")
		}
		s := &c.streams[(id>>1)%uint32(len(c.streams))] //nolint:gosec // G115: --streams is small
		if s.id != id || s.state != ssOpen {
			return nil // a closed stream: allowed, ignored
		}
		if s.sendWin += int64(inc); s.sendWin > maxWindow {
			return connErr(CodeFlowControl, "WINDOW_UPDATE overflows a stream's window")
		}
	}
	if !c.pending() {
		c.idle++ // a window volley has nothing to send into
		return nil
	}
	c.pump()
	return nil
}

func (c *Conn) pending() bool {
	for i := range c.streams {
		if s := &c.streams[i]; s.state == ssOpen && len(s.body) > 0 {
			return true
		}
	}
	return false
}

// windowUpdates gives the server back the window its DATA used, once half of it is used: few
// WINDOW_UPDATE frames, and a server that never waits.
func (c *Conn) windowUpdates() {
	if c.recvUsed >= ourConnWindow/2 {
		c.out = AppendWindowUpdate(c.out, 0, uint32(c.recvUsed)) //nolint:gosec // G115: at most ourConnWindow
		c.recvWin += c.recvUsed
		c.recvUsed = 0
	}
	if s := c.cur; s != nil && s.recvUsed >= c.streamWindow/2 && c.fh.Flags&FlagEndStream == 0 {
		c.out = AppendWindowUpdate(c.out, s.id, uint32(s.recvUsed)) //nolint:gosec // G115: at most ourStreamWindow
		s.recvWin += s.recvUsed
		s.recvUsed = 0
	}
}

func (c *Conn) headersDone() (Event, int, *Error) {
	if c.hdrErr != nil {
		return None, -1, c.hdrErr
	}
	s := c.blk
	if s == nil {
		return None, -1, nil // a stream volley reset: decoded for the HPACK state only
	}
	if c.trailers {
		if !c.blockEnd {
			return None, -1, connErr(CodeProtocol, "trailers without END_STREAM")
		}
		return c.complete(s)
	}
	switch {
	case !c.sawStatus:
		return None, -1, connErr(CodeProtocol, "malformed response: no :status")
	case c.status == 101:
		return None, -1, connErr(CodeProtocol, "malformed response: status 101 in HTTP/2")
	case c.status < 200:
		if c.blockEnd {
			return None, -1, connErr(CodeProtocol, "malformed response: interim "+strconv.Itoa(int(c.status))+" ends the stream")
		}
		return None, -1, nil
	}
	s.status, s.phase = c.status, phBody
	if c.blockEnd {
		return c.complete(s)
	}
	return None, -1, nil
}

func (c *Conn) complete(s *stream) (Event, int, *Error) {
	if s.length >= 0 && !s.head && s.status != 204 && s.status != 304 && s.length != s.bodyN {
		return None, -1, connErr(CodeProtocol, "malformed response: "+strconv.FormatInt(s.bodyN, 10)+
			" body bytes, content-length said "+strconv.FormatInt(s.length, 10))
	}
	s.state = ssDone
	s.body = nil
	c.open--
	c.replies, c.idle, c.resets = 0, 0, 0
	return Response, int((s.id >> 1) % uint32(len(c.streams))), nil //nolint:gosec // G115: --streams is small
}
