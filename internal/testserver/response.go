package testserver

import (
	"bytes"
	"strconv"
	"time"
)

type kind uint8

const (
	kindHello    kind = iota // "hello\n"
	kindBytes                // n bytes of the pattern
	kindChunked              // n bytes of the pattern, chunked
	kindStatus               // a given status
	kindNotFound             // 404
	kindError                // status with msg as the body
	kindEcho                 // 200 with the method and the request body
)

// response is everything needed to write a response later, with no
// reference into the read buffer.
type response struct {
	kind   kind
	status int
	n      int64
	delay  time.Duration // -1: the server's default
	msg    string
	head   bool // HEAD: headers only
	http10 bool
	close  bool
}

// route maps a request target (path and query) to its response.
func route(target []byte) response {
	path, query, _ := bytes.Cut(target, []byte("?"))
	p := response{delay: -1}
	switch string(path) {
	case "/", "/hello":
	case "/close":
		p.close = true
	case "/echo":
		p.kind = kindEcho
	default:
		switch {
		case bytes.HasPrefix(path, []byte("/bytes/")):
			p.kind = kindBytes
			p.n = parseSize(path[len("/bytes/"):])
		case bytes.HasPrefix(path, []byte("/chunked/")):
			p.kind = kindChunked
			p.n = parseSize(path[len("/chunked/"):])
		case bytes.HasPrefix(path, []byte("/delay/")):
			d, ok := parseDelay(path[len("/delay/"):])
			if !ok {
				return routeError("bad request: /delay/DURATION wants a duration from 0 to 1m, e.g. /delay/10ms")
			}
			p.delay = d
		case bytes.HasPrefix(path, []byte("/status/")):
			p.kind = kindStatus
			p.status = parseStatus(path[len("/status/"):])
			if p.status == 0 {
				return routeError("bad request: /status/NNN wants a status from 100 to 599")
			}
			// After 101 the connection would speak another protocol: close it.
			p.close = p.status == 101
		default:
			p.kind, p.msg = jsonRoute(path)
		}
		if (p.kind == kindBytes || p.kind == kindChunked) && p.n < 0 {
			return routeError("bad request: /bytes/N and /chunked/N want N from 0 to 67108864 (64 MiB)")
		}
	}
	for len(query) > 0 {
		var pair []byte
		pair, query, _ = bytes.Cut(query, []byte("&"))
		if v, ok := bytes.CutPrefix(pair, []byte("delay=")); ok {
			d, ok := parseDelay(v)
			if !ok {
				return routeError("bad request: ?delay= wants a duration from 0 to 1m, e.g. ?delay=10ms")
			}
			p.delay = d
		}
	}
	return p
}

// routeError answers a well-formed request with a bad parameter; unlike a
// malformed request it keeps the connection open.
func routeError(msg string) response {
	return response{kind: kindError, status: 400, msg: msg, delay: -1}
}

func parseSize(b []byte) int64 {
	if len(b) == 0 || len(b) > 9 {
		return -1
	}
	var n int64
	for _, c := range b {
		if !isDigit(c) {
			return -1
		}
		n = n*10 + int64(c-'0')
	}
	if n > maxBody {
		return -1
	}
	return n
}

func parseDelay(b []byte) (time.Duration, bool) {
	d, err := time.ParseDuration(string(b))
	return d, err == nil && d >= 0 && d <= maxDelay
}

func parseStatus(b []byte) int {
	if len(b) != 3 || !isDigit(b[0]) || !isDigit(b[1]) || !isDigit(b[2]) {
		return 0
	}
	n := int(b[0]-'0')*100 + int(b[1]-'0')*10 + int(b[2]-'0')
	if n < 100 || n > 599 {
		return 0
	}
	return n
}

// Header field sets, by how the response ends the connection.
const (
	connKeep  = iota // HTTP/1.1 default, no field
	connClose        // Connection: close
	connAlive        // Connection: keep-alive, for HTTP/1.0 clients
)

func connOf(p *response) int {
	switch {
	case p.close:
		return connClose
	case p.http10:
		return connAlive
	}
	return connKeep
}

const textPlain = "text/plain; charset=utf-8"

// hello holds the preformatted hello responses: [head][connection].
var hello = func() (h [2][3][]byte) {
	for c := range 3 {
		b := appendHeader(nil, 200, textPlain, 6, c)
		h[1][c] = b
		h[0][c] = append(b[:len(b):len(b)], "hello\n"...)
	}
	return h
}()

// pattern is the body of /bytes and /chunked: byte i is 'a'+i%26. Its
// length is a multiple of 26 so that any offset can start a slice of it.
var pattern = func() []byte {
	b := make([]byte, 26*2520) // 65520
	for i := range b {
		b[i] = byte('a' + i%26)
	}
	return b
}()

// Length values for appendHeader other than a Content-Length.
const (
	lengthChunked = -1
	lengthNone    = -2
)

func appendHeader(b []byte, status int, ctype string, length int64, conn int) []byte {
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, ' ')
	b = append(b, reason(status)...)
	b = append(b, "\r\n"...)
	if ctype != "" {
		b = append(b, "Content-Type: "...)
		b = append(b, ctype...)
		b = append(b, "\r\n"...)
	}
	switch length {
	case lengthChunked:
		b = append(b, "Transfer-Encoding: chunked\r\n"...)
	case lengthNone:
	default:
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, length, 10)
		b = append(b, "\r\n"...)
	}
	switch conn {
	case connClose:
		b = append(b, "Connection: close\r\n"...)
	case connAlive:
		b = append(b, "Connection: keep-alive\r\n"...)
	}
	return append(b, "\r\n"...)
}

// write appends (or, for large bodies, writes) the response p. It returns
// errClose after a response that closes the connection.
func (c *conn) write(p *response) error {
	conn := connOf(p)
	switch p.kind {
	case kindHello:
		c.out = append(c.out, hello[b2i(p.head)][conn]...)
	case kindBytes:
		c.out = appendHeader(c.out, 200, "application/octet-stream", p.n, conn)
		if err := c.writePattern(p); err != nil {
			return err
		}
	case kindChunked:
		if p.http10 {
			// HTTP/1.0 has no chunked coding: send the same bytes plainly.
			c.out = appendHeader(c.out, 200, "application/octet-stream", p.n, conn)
			if err := c.writePattern(p); err != nil {
				return err
			}
		} else {
			c.out = appendHeader(c.out, 200, "application/octet-stream", lengthChunked, conn)
			if err := c.writeChunks(p); err != nil {
				return err
			}
		}
	case kindStatus:
		c.writeStatus(p, conn)
	case kindNotFound:
		c.appendText(p, 404, "", conn)
	case kindError:
		c.appendText(p, p.status, p.msg, conn)
	case kindJSON:
		c.appendJSON(p, conn)
	case kindEcho:
		c.appendText(p, 200, p.msg, conn)
	}
	c.pending++
	if p.close {
		return errClose
	}
	return nil
}

// appendText appends a short text response whose body is msg, or
// "NNN Reason" without one, followed by a newline.
func (c *conn) appendText(p *response, status int, msg string, conn int) {
	n := len(msg) + 1
	if msg == "" {
		n = 4 + len(reason(status)) + 1
	}
	c.out = appendHeader(c.out, status, textPlain, int64(n), conn)
	if p.head {
		return
	}
	if msg == "" {
		c.out = strconv.AppendInt(c.out, int64(status), 10)
		c.out = append(c.out, ' ')
		msg = reason(status)
	}
	c.out = append(c.out, msg...)
	c.out = append(c.out, '\n')
}

func (c *conn) writeStatus(p *response, conn int) {
	s := p.status
	switch {
	case s == 101:
		// Switch to no protocol at all: the connection closes after this.
		c.out = append(c.out, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: volley-none\r\n\r\n"...)
	case s < 200:
		// An interim response, then the final one.
		if !p.http10 {
			c.out = appendHeader(c.out, s, "", lengthNone, connKeep)
		}
		c.out = append(c.out, hello[b2i(p.head)][conn]...)
	case s == 204 || s == 304:
		c.out = appendHeader(c.out, s, "", lengthNone, conn)
	case s == 205:
		c.out = appendHeader(c.out, s, "", 0, conn)
	default:
		c.appendText(p, s, "", conn)
	}
}

// writePattern sends p.n bytes of the pattern after the header in out:
// small bodies join the batch, large ones are written straight from the
// pattern.
func (c *conn) writePattern(p *response) error {
	if p.head {
		return nil
	}
	n := p.n
	if int64(len(c.out))+n <= flushAt {
		c.out = append(c.out, pattern[:n]...)
		return nil
	}
	if err := c.flush(); err != nil {
		return err
	}
	var off int64
	for off < n {
		start := int(off % 26)
		k := min(n-off, int64(len(pattern)-start))
		if _, err := c.nc.Write(pattern[start : start+int(k)]); err != nil {
			return err
		}
		off += k
	}
	return nil
}

// chunkSize is the largest chunk /chunked sends.
const chunkSize = 4 << 10

func (c *conn) writeChunks(p *response) error {
	if p.head {
		return nil
	}
	for off := int64(0); off < p.n; {
		k := min(p.n-off, chunkSize)
		c.out = strconv.AppendInt(c.out, k, 16)
		c.out = append(c.out, "\r\n"...)
		start := int(off % 26)
		c.out = append(c.out, pattern[start:start+int(k)]...)
		c.out = append(c.out, "\r\n"...)
		off += k
		if len(c.out) >= flushAt {
			if err := c.flush(); err != nil {
				return err
			}
		}
	}
	c.out = append(c.out, "0\r\n\r\n"...)
	return nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func reason(status int) string {
	switch status {
	case 100:
		return "Continue"
	case 101:
		return "Switching Protocols"
	case 102:
		return "Processing"
	case 103:
		return "Early Hints"
	case 200:
		return "OK"
	case 201:
		return "Created"
	case 202:
		return "Accepted"
	case 203:
		return "Non-Authoritative Information"
	case 204:
		return "No Content"
	case 205:
		return "Reset Content"
	case 206:
		return "Partial Content"
	case 301:
		return "Moved Permanently"
	case 302:
		return "Found"
	case 303:
		return "See Other"
	case 304:
		return "Not Modified"
	case 307:
		return "Temporary Redirect"
	case 308:
		return "Permanent Redirect"
	case 400:
		return "Bad Request"
	case 401:
		return "Unauthorized"
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	case 405:
		return "Method Not Allowed"
	case 408:
		return "Request Timeout"
	case 409:
		return "Conflict"
	case 410:
		return "Gone"
	case 413:
		return "Content Too Large"
	case 414:
		return "URI Too Long"
	case 415:
		return "Unsupported Media Type"
	case 418:
		return "I'm a teapot"
	case 429:
		return "Too Many Requests"
	case 431:
		return "Request Header Fields Too Large"
	case 500:
		return "Internal Server Error"
	case 501:
		return "Not Implemented"
	case 502:
		return "Bad Gateway"
	case 503:
		return "Service Unavailable"
	case 504:
		return "Gateway Timeout"
	case 505:
		return "HTTP Version Not Supported"
	}
	return "Unknown"
}
