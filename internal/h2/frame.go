// Package h2 is HTTP/2 on the wire (RFC 9113): it turns validated HTTP/1.1 request text into
// HEADERS, CONTINUATION and DATA frames, and reads a server's frames incrementally within fixed
// bounds, whatever the server sends. Header compression is golang.org/x/net/http2/hpack's.
//
// Frames are parsed by a streaming state machine of our own rather than x/net's Framer: the
// Framer reads from an io.Reader and keeps whole frames (up to 16 MiB each) in its own buffer,
// allocating a frame value per frame; volley's event loop instead hands over whatever bytes a
// read returned, and this parser consumes them in place — DATA is counted where it lies, header
// fragments go straight to the HPACK decoder — with a nine-byte header and an eight-byte field
// buffer as its only per-connection state.
package h2

import (
	"encoding/binary"
	"errors"
	"io"
	"strconv"
)

// Preface is what a client sends first on every HTTP/2 connection (RFC 9113 §3.4).
const Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// FrameType is a frame's type (RFC 9113 §6).
type FrameType uint8

const (
	FrameData         FrameType = 0x0
	FrameHeaders      FrameType = 0x1
	FramePriority     FrameType = 0x2
	FrameRSTStream    FrameType = 0x3
	FrameSettings     FrameType = 0x4
	FramePushPromise  FrameType = 0x5
	FramePing         FrameType = 0x6
	FrameGoAway       FrameType = 0x7
	FrameWindowUpdate FrameType = 0x8
	FrameContinuation FrameType = 0x9
)

var frameNames = [...]string{"DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS", "PUSH_PROMISE", "PING", "GOAWAY", "WINDOW_UPDATE", "CONTINUATION"}

func (t FrameType) String() string {
	if int(t) < len(frameNames) {
		return frameNames[t]
	}
	return "frame type 0x" + strconv.FormatUint(uint64(t), 16)
}

// Frame flags.
const (
	FlagEndStream  uint8 = 0x1
	FlagAck        uint8 = 0x1
	FlagEndHeaders uint8 = 0x4
	FlagPadded     uint8 = 0x8
	FlagPriority   uint8 = 0x20
)

// Settings identifiers (RFC 9113 §6.5.2).
const (
	SettingHeaderTableSize      uint16 = 0x1
	SettingEnablePush           uint16 = 0x2
	SettingMaxConcurrentStreams uint16 = 0x3
	SettingInitialWindowSize    uint16 = 0x4
	SettingMaxFrameSize         uint16 = 0x5
	SettingMaxHeaderListSize    uint16 = 0x6
)

// HeaderLen is the length of a frame header.
const HeaderLen = 9

const (
	minMaxFrameSize = 1 << 14   // the default, and the least a peer may set
	maxMaxFrameSize = 1<<24 - 1 // the most a peer may set
	maxWindow       = 1<<31 - 1 // a flow-control window's largest size
	defaultWindow   = 1<<16 - 1 // every window's size before SETTINGS or WINDOW_UPDATE
	maxStreamID     = uint32(1<<31 - 1)
)

// ErrCode is an HTTP/2 error code (RFC 9113 §7).
type ErrCode uint32

const (
	CodeNo                 ErrCode = 0x0
	CodeProtocol           ErrCode = 0x1
	CodeInternal           ErrCode = 0x2
	CodeFlowControl        ErrCode = 0x3
	CodeSettingsTimeout    ErrCode = 0x4
	CodeStreamClosed       ErrCode = 0x5
	CodeFrameSize          ErrCode = 0x6
	CodeRefusedStream      ErrCode = 0x7
	CodeCancel             ErrCode = 0x8
	CodeCompression        ErrCode = 0x9
	CodeConnect            ErrCode = 0xa
	CodeEnhanceYourCalm    ErrCode = 0xb
	CodeInadequateSecurity ErrCode = 0xc
	CodeHTTP11Required     ErrCode = 0xd
)

var codeNames = [...]string{"NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR",
	"SETTINGS_TIMEOUT", "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL",
	"COMPRESSION_ERROR", "CONNECT_ERROR", "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED"}

func (c ErrCode) String() string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return "error code 0x" + strconv.FormatUint(uint64(c), 16)
}

// Error is a connection error: the connection is unusable after it. Msg is one line for the
// report; bytes from the server appear in it only quoted (see quote).
type Error struct {
	Code ErrCode
	Msg  string
}

func (e *Error) Error() string { return "http2: " + e.Msg + " (" + e.Code.String() + ")" }

func connErr(code ErrCode, msg string) *Error { return &Error{Code: code, Msg: msg} }

// FrameHeader is the nine bytes that start every frame.
type FrameHeader struct {
	Length uint32
	Type   FrameType
	Flags  uint8
	Stream uint32
}

// ParseFrameHeader reads a frame header from the first HeaderLen bytes of b.
func ParseFrameHeader(b []byte) FrameHeader {
	return FrameHeader{
		Length: uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2]),
		Type:   FrameType(b[3]),
		Flags:  b[4],
		Stream: binary.BigEndian.Uint32(b[5:9]) & maxStreamID,
	}
}

// AppendFrameHeader appends a frame header; length must be below 1<<24.
func AppendFrameHeader(dst []byte, length int, t FrameType, flags uint8, stream uint32) []byte {
	dst = append(dst, byte(length>>16), byte(length>>8), byte(length), byte(t), flags) //nolint:gosec // G115: the low 24 bits of length, by design
	return binary.BigEndian.AppendUint32(dst, stream)
}

// AppendSetting appends one SETTINGS entry.
func AppendSetting(dst []byte, id uint16, v uint32) []byte {
	return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint16(dst, id), v)
}

// AppendWindowUpdate appends a WINDOW_UPDATE frame.
func AppendWindowUpdate(dst []byte, stream, increment uint32) []byte {
	dst = AppendFrameHeader(dst, 4, FrameWindowUpdate, 0, stream)
	return binary.BigEndian.AppendUint32(dst, increment)
}

// AppendRSTStream appends a RST_STREAM frame.
func AppendRSTStream(dst []byte, stream uint32, code ErrCode) []byte {
	dst = AppendFrameHeader(dst, 4, FrameRSTStream, 0, stream)
	return binary.BigEndian.AppendUint32(dst, uint32(code))
}

// AppendGoAway appends a GOAWAY frame without debug data.
func AppendGoAway(dst []byte, last uint32, code ErrCode) []byte {
	dst = AppendFrameHeader(dst, 8, FrameGoAway, 0, 0)
	dst = binary.BigEndian.AppendUint32(dst, last)
	return binary.BigEndian.AppendUint32(dst, uint32(code))
}

// ErrFrameTooLarge is ReadFrame's answer to a frame longer than its buffer.
var ErrFrameTooLarge = errors.New("http2: frame larger than SETTINGS_MAX_FRAME_SIZE")

// ReadFrame reads one whole frame from a blocking reader into buf, whose length bounds the
// payload: for servers and tests, which own a goroutine per connection. The event loop uses
// Conn's streaming parser instead.
func ReadFrame(r io.Reader, buf []byte) (FrameHeader, []byte, error) {
	var hb [HeaderLen]byte
	if _, err := io.ReadFull(r, hb[:]); err != nil {
		return FrameHeader{}, nil, err
	}
	fh := ParseFrameHeader(hb[:])
	if int(fh.Length) > len(buf) {
		return fh, nil, ErrFrameTooLarge
	}
	p := buf[:fh.Length]
	if _, err := io.ReadFull(r, p); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return fh, nil, err
	}
	return fh, p, nil
}

// quoteMax bounds how much foreign input an error message repeats.
const quoteMax = 40

// quote renders foreign bytes for an error message, escaped to printable ASCII and bounded.
func quote[T ~string | ~[]byte](b T) string {
	if len(b) > quoteMax {
		return strconv.QuoteToASCII(string(b[:quoteMax])) + "..."
	}
	return strconv.QuoteToASCII(string(b))
}

// AppendFrame appends a whole frame; for servers and tests.
func AppendFrame(dst []byte, t FrameType, flags uint8, stream uint32, payload []byte) []byte {
	return append(AppendFrameHeader(dst, len(payload), t, flags, stream), payload...)
}
