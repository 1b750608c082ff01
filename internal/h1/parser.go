package h1

import (
	"bytes"
	"strconv"

	"volley/internal/wire"
)

// Limits bound what one connection's parser may hold, whatever the server sends.
type Limits struct {
	MaxHeaderBytes int // status line + header section (interim 1xx heads included); also bounds trailers and a chunk-size line
	MaxHeaders     int // header fields per response (interim 1xx included); also bounds trailer fields
	MaxBodyKeep    int // body bytes kept when capturing; the rest is counted only
}

const (
	defaultMaxHeaderBytes = 64 << 10
	defaultMaxHeaders     = 256
	defaultMaxBodyKeep    = 1 << 20
	maxLimit              = 1 << 30 // limits are kept in int32
)

// DefaultLimits returns 64 KiB of header bytes, 256 header fields and 1 MiB of kept body.
func DefaultLimits() Limits {
	return Limits{MaxHeaderBytes: defaultMaxHeaderBytes, MaxHeaders: defaultMaxHeaders, MaxBodyKeep: defaultMaxBodyKeep}
}

// Field is one header field as received (name case preserved, value trimmed of OWS): the
// protocols' common form, so that the script sees HTTP/1.1 and HTTP/2 responses alike.
type Field = wire.Field

const (
	stIdle       uint8 = iota // no response expected
	stStatus                  // reading a status line
	stHeader                  // reading header lines
	stBody                    // Content-Length body; remain bytes left
	stChunkSize               // reading a chunk-size line
	stChunkData               // chunk data; remain bytes left
	stChunkCR                 // CRLF after chunk data
	stChunkLF                 //
	stTrailer                 // reading trailer lines
	stUntilClose              // body delimited by the peer closing
)

const (
	fHead        uint16 = 1 << iota // the request was HEAD
	fCapture                        // keep headers and body
	fBytes                          // a byte of the current response arrived
	fHTTP10                         // the status line said HTTP/1.0
	fInterim                        // the head being read is a 1xx
	fLength                         // Content-Length seen; its value is in remain
	fTE                             // Transfer-Encoding seen
	fChunkedLast                    // the last transfer coding seen is chunked
	fConnClose                      // Connection: close
	fConnKeep                       // Connection: keep-alive
	fKeepAlive                      // outcome: the connection may carry another request
)

// Parser reads the responses of one connection. It is fed byte slices as they arrive and keeps only
// a few dozen bytes of state, plus a buffer for a header line split across reads (allocated lazily,
// at most MaxHeaderBytes) and, when capturing, the kept headers and body.
type Parser struct {
	maxHead, maxFields, maxKeep int32
	nbytes, nfields             int32 // of the current header or trailer section
	flags                       uint16
	status                      uint16
	state                       uint8
	remain                      int64 // Content-Length, then bytes left in the body or the current chunk
	bodyN                       int64
	pend                        []byte // a partial line
	kept                        *captured
	err                         *Error // sticky: the connection is unusable after an error
}

type captured struct {
	fields []Field
	body   []byte
	// prev holds the fields of the response before: a server sends mostly the same header
	// lines each time, and a field equal to the one at the same place last time reuses its
	// strings instead of allocating new ones.
	prev []Field
}

// field keeps the i-th header field, reusing the previous response's strings where they match.
func (k *captured) field(name, value []byte) {
	i := len(k.fields)
	f := Field{}
	if i < len(k.prev) && k.prev[i].Name == string(name) {
		f.Name = k.prev[i].Name
		if k.prev[i].Value == string(value) {
			f.Value = k.prev[i].Value
		}
	}
	if f.Name == "" {
		f.Name = string(name)
	}
	if f.Value == "" && len(value) > 0 {
		f.Value = string(value)
	}
	k.fields = append(k.fields, f)
}

// pendKeepMax is the largest pending-line buffer kept between lines; a larger one is dropped once
// used, so that a single huge header does not pin memory on every connection for the whole run.
const pendKeepMax = 4 << 10

// Init sets the limits; zero or negative fields take their defaults.
func (p *Parser) Init(l Limits) {
	*p = Parser{kept: p.kept, flags: p.flags & fCapture}
	p.maxHead = limit(l.MaxHeaderBytes, defaultMaxHeaderBytes)
	p.maxFields = limit(l.MaxHeaders, defaultMaxHeaders)
	p.maxKeep = limit(l.MaxBodyKeep, defaultMaxBodyKeep)
}

func limit(v, def int) int32 {
	if v <= 0 {
		v = def
	}
	return int32(min(v, maxLimit)) //nolint:gosec // G115: 0 < v <= maxLimit = 1<<30
}

// SetCapture turns keeping of headers and body on or off, from the next Start.
func (p *Parser) SetCapture(on bool) {
	if on {
		p.flags |= fCapture
	} else {
		p.flags &^= fCapture
	}
}

// Start expects a new response: a request was sent. head is true for a HEAD request, whose
// response has no body. Start also clears a previous error (for a new connection).
func (p *Parser) Start(head bool) {
	if p.maxHead == 0 {
		p.Init(Limits{})
	}
	p.flags &= fCapture
	if head {
		p.flags |= fHead
	}
	p.state = stStatus
	p.status, p.nbytes, p.nfields, p.remain, p.bodyN, p.err = 0, 0, 0, 0, 0, nil
	p.pend = p.pend[:0]
	if k := p.kept; k != nil {
		clear(k.prev)
		k.prev, k.fields, k.body = k.fields, k.prev[:0], k.body[:0]
	}
}

// Idle reports whether no response is in progress: before the first Start, or after the last one
// completed.
func (p *Parser) Idle() bool { return p.state == stIdle }

// Status is the status code of the current (after done: the last) final response.
func (p *Parser) Status() int { return int(p.status) }

// KeepAlive reports whether the connection may carry another request after the last response:
// false after Connection: close, for HTTP/1.0 without keep-alive, and after a body read until close.
func (p *Parser) KeepAlive() bool { return p.flags&fKeepAlive != 0 }

// Headers returns the captured header fields of the last response; valid until the next Start.
func (p *Parser) Headers() []Field {
	if p.kept == nil {
		return nil
	}
	return p.kept.fields
}

// Body returns the captured body (at most MaxBodyKeep bytes); valid until the next Start.
func (p *Parser) Body() []byte {
	if p.kept == nil {
		return nil
	}
	return p.kept.body
}

// BodyBytes is the length of the body seen so far, counted whether or not it is kept.
func (p *Parser) BodyBytes() int64 { return p.bodyN }

func chunkEndErr() *Error { return newErr(ErrFraming, "chunk data not followed by CRLF") }

func (p *Parser) fail(e *Error) *Error {
	p.err = e
	return e
}

// Feed consumes bytes of the current response from b. done is true when one final response is
// complete; b[n:] then belongs to the next response (call Start, then Feed(b[n:])). Otherwise all of
// b was consumed. Interim 1xx responses are skipped. After an error the connection is unusable.
func (p *Parser) Feed(b []byte) (n int, done bool, err error) {
	if p.err != nil {
		return 0, false, p.err
	}
	if len(b) == 0 {
		return 0, false, nil
	}
	if p.state == stIdle {
		return 0, false, p.fail(newErr(ErrUnexpected, "server sent data while no request was pending: "+quote(b)))
	}
	p.flags |= fBytes
	for n < len(b) {
		switch p.state {
		case stStatus, stHeader, stTrailer:
			line, k, ok := p.line(b[n:], int(p.maxHead-p.nbytes))
			n += k
			if !ok {
				what := "response header section"
				if p.state == stTrailer {
					what = "trailer section"
				}
				return n, false, p.fail(newErr(ErrTooLarge, what+" is larger than "+strconv.Itoa(int(p.maxHead))+" bytes"))
			}
			if line == nil {
				return n, false, nil
			}
			p.nbytes += int32(len(line)) //nolint:gosec // G115: line() kept len(line) <= maxHead-nbytes <= maxLimit
			if e := p.headLine(line); e != nil {
				return n, false, p.fail(e)
			}
		case stBody, stChunkData:
			k := min(int64(len(b)-n), p.remain)
			p.count(b[n : n+int(k)])
			n += int(k)
			p.remain -= k
			if p.remain == 0 {
				if p.state == stBody {
					p.state = stIdle
				} else {
					p.state = stChunkCR
				}
			}
		case stChunkSize:
			line, k, ok := p.line(b[n:], int(p.maxHead))
			n += k
			if !ok {
				return n, false, p.fail(newErr(ErrTooLarge, "chunk size line is longer than "+strconv.Itoa(int(p.maxHead))+" bytes"))
			}
			if line == nil {
				return n, false, nil
			}
			if e := p.chunkSize(line); e != nil {
				return n, false, p.fail(e)
			}
		case stChunkCR:
			if b[n] != '\r' {
				return n, false, p.fail(chunkEndErr())
			}
			n++
			p.state = stChunkLF
		case stChunkLF:
			if b[n] != '\n' {
				return n, false, p.fail(chunkEndErr())
			}
			n++
			p.state = stChunkSize
		case stUntilClose:
			p.count(b[n:])
			n = len(b)
		}
		if p.state == stIdle {
			return n, true, nil
		}
	}
	return n, false, nil
}

// line returns the next complete line of b, ending in LF, and how many bytes of b it consumed. A line
// split across Feed calls is gathered in p.pend. line is nil when b ended first; ok is false when the
// line is longer than budget.
func (p *Parser) line(b []byte, budget int) (line []byte, n int, ok bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		if len(p.pend)+len(b) > budget {
			return nil, len(b), false
		}
		p.pend = appendCapped(p.pend, b, int(p.maxHead))
		return nil, len(b), true
	}
	n = i + 1
	if len(p.pend)+n > budget {
		return nil, n, false
	}
	if len(p.pend) == 0 {
		return b[:n], n, true
	}
	line = appendCapped(p.pend, b[:n], int(p.maxHead))
	if cap(line) > pendKeepMax {
		p.pend = nil
	} else {
		p.pend = line[:0]
	}
	return line, n, true
}

// appendCapped appends b to buf, growing its capacity at most to capMax (len(buf)+len(b) <= capMax).
func appendCapped(buf, b []byte, capMax int) []byte {
	if need := len(buf) + len(b); need > cap(buf) {
		c := min(max(2*cap(buf), need, 128), capMax)
		nb := make([]byte, len(buf), c)
		copy(nb, buf)
		buf = nb
	}
	return append(buf, b...)
}

// count accounts for body bytes, keeping them when capturing.
func (p *Parser) count(d []byte) {
	p.bodyN += int64(len(d))
	if p.flags&fCapture != 0 && len(d) > 0 {
		k := p.captured()
		if room := int(p.maxKeep) - len(k.body); room > 0 {
			k.body = appendCapped(k.body, d[:min(room, len(d))], int(p.maxKeep))
		}
	}
}

func (p *Parser) captured() *captured {
	if p.kept == nil {
		p.kept = new(captured)
	}
	return p.kept
}

// EOF tells the parser that the peer closed the connection. It completes a body delimited by the
// close (done); it is an error while a response is in progress, and nothing when idle.
func (p *Parser) EOF() (done bool, err error) {
	if p.err != nil {
		return false, p.err
	}
	switch {
	case p.state == stIdle:
		return false, nil
	case p.state == stUntilClose:
		p.state = stIdle
		return true, nil
	case p.flags&fBytes == 0:
		return false, p.fail(newErr(ErrClosed, "connection closed before the response"))
	case p.state == stBody:
		return false, p.fail(newErr(ErrTruncated, "connection closed after "+strconv.FormatInt(p.bodyN, 10)+
			" of "+strconv.FormatInt(p.bodyN+p.remain, 10)+" body bytes"))
	case p.state == stStatus || p.state == stHeader:
		return false, p.fail(newErr(ErrTruncated, "connection closed in the middle of the response header"))
	}
	return false, p.fail(newErr(ErrTruncated, "connection closed in the middle of the chunked body"))
}
