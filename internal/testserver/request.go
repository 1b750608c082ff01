package testserver

import (
	"bytes"
	"errors"
	"io"
)

// Limits on what a request may contain.
const (
	maxHead      = 64 << 10 // request line and header fields, CRLFs included
	maxBody      = 64 << 20
	maxChunkLine = 4 << 10
)

// request is what the server keeps of a parsed request.
type request struct {
	resp    response // decided from the target before the body is read
	length  int64    // Content-Length, -1 without one
	chunked bool
	expect  bool // Expect: 100-continue
	host    int  // number of Host fields
}

// httpError is a request the server refuses; the connection closes after
// its response.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func (e *httpError) response() response {
	return response{kind: kindError, status: e.status, msg: e.msg, delay: -1, close: true}
}

func bad(msg string) error { return &httpError{status: 400, msg: msg} }

// readRequest reads one request: head, then body (discarded). It returns
// io.EOF when the peer closed between requests, io.ErrUnexpectedEOF when it
// closed in the middle of one, and *httpError for a malformed request.
func (c *conn) readRequest(req *request) error {
	head, err := c.readHead(false)
	if err != nil {
		return err
	}
	if err := parseHead(head, req); err != nil {
		return err
	}
	if req.expect && (req.chunked || req.length > 0) && c.r == c.w && len(c.queue) == 0 && !req.resp.http10 {
		// The client waits for this before it sends the body.
		c.out = append(c.out, "HTTP/1.1 100 Continue\r\n\r\n"...)
	}
	switch {
	case req.chunked:
		err = c.discardChunked()
	case req.length > 0 && req.resp.kind == kindEcho:
		err = c.echo(req)
	case req.length > 0:
		err = c.discard(req.length)
	}
	return err
}

// readHead returns the bytes up to and including the empty line that ends a
// head (or a chunked body's trailer section), valid until the next fill.
// Every line must end in CRLF. Empty lines before a request line are
// skipped, as RFC 9112 asks.
func (c *conn) readHead(trailer bool) ([]byte, error) {
	for {
		for c.scan < c.w-c.r {
			i := bytes.IndexByte(c.buf[c.r+c.scan:c.w], '\n')
			if i < 0 {
				c.scan = c.w - c.r
				break
			}
			nl := c.scan + i
			if nl == 0 || c.buf[c.r+nl-1] != '\r' {
				return nil, bad("bad request: a line ends in LF without CR")
			}
			if nl-1 > c.lineStart {
				c.lineStart, c.scan = nl+1, nl+1
				continue
			}
			if c.lineStart == 0 && !trailer {
				c.r += 2
				c.scan = 0
				continue
			}
			head := c.buf[c.r : c.r+nl+1]
			c.r += nl + 1
			c.scan, c.lineStart = 0, 0
			if len(head) > maxHead {
				return nil, &httpError{431, "request header fields too large: the limit is 64 KiB"}
			}
			return head, nil
		}
		if c.w-c.r > maxHead {
			return nil, &httpError{431, "request header fields too large: the limit is 64 KiB"}
		}
		partial := c.r < c.w
		if err := c.fill(); err != nil {
			if errors.Is(err, io.EOF) && (partial || trailer) {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
}

// parseHead parses a complete head and decides the response from it.
func parseHead(head []byte, req *request) error {
	eol := bytes.Index(head, crlf)
	line, rest := head[:eol], head[eol+2:]
	req.length = -1

	sp := bytes.IndexByte(line, ' ')
	if sp <= 0 || !isToken(line[:sp]) {
		return bad("bad request: the request line does not start with a method")
	}
	method := line[:sp]
	line = line[sp+1:]
	sp = bytes.IndexByte(line, ' ')
	if sp <= 0 {
		return bad("bad request: the request line is not METHOD TARGET VERSION")
	}
	target, proto := line[:sp], line[sp+1:]
	for _, b := range target {
		if b <= ' ' || b >= 0x7f {
			return bad("bad request: the request target has a control, space or non-ASCII byte")
		}
	}
	if len(proto) != 8 || string(proto[:5]) != "HTTP/" || !isDigit(proto[5]) || proto[6] != '.' || !isDigit(proto[7]) {
		return bad("bad request: the request line does not end in HTTP/1.1 or HTTP/1.0")
	}
	if proto[5] != '1' {
		return &httpError{505, "HTTP version not supported: only HTTP/1.x is"}
	}
	http10 := proto[7] == '0'

	var closeTok, keepAlive bool
	for len(rest) > 0 {
		eol = bytes.Index(rest, crlf)
		field := rest[:eol]
		rest = rest[eol+2:]
		if len(field) == 0 {
			break
		}
		name, value, err := splitField(field)
		if err != nil {
			return err
		}
		switch len(name) {
		case 4:
			if bytes.EqualFold(name, []byte("host")) {
				req.host++
			}
		case 6:
			if bytes.EqualFold(name, []byte("expect")) {
				req.expect = bytes.EqualFold(value, []byte("100-continue"))
			}
		case 10:
			if bytes.EqualFold(name, []byte("connection")) {
				for tok := range bytes.SplitSeq(value, []byte(",")) {
					tok = trimOWS(tok)
					closeTok = closeTok || bytes.EqualFold(tok, []byte("close"))
					keepAlive = keepAlive || bytes.EqualFold(tok, []byte("keep-alive"))
				}
			}
		case 14:
			if bytes.EqualFold(name, []byte("content-length")) {
				n, err := parseLength(value)
				if err != nil {
					return err
				}
				if req.length >= 0 && req.length != n {
					return bad("bad request: Content-Length fields disagree")
				}
				req.length = n
			}
		case 17:
			if bytes.EqualFold(name, []byte("transfer-encoding")) {
				for tok := range bytes.SplitSeq(value, []byte(",")) {
					tok = trimOWS(tok)
					if !bytes.EqualFold(tok, []byte("chunked")) {
						return &httpError{501, "not implemented: the only transfer coding accepted is chunked"}
					}
					if req.chunked {
						return bad("bad request: chunked is applied twice")
					}
					req.chunked = true
				}
			}
		}
	}
	switch {
	case req.chunked && req.length >= 0:
		return bad("bad request: both Content-Length and Transfer-Encoding")
	case req.chunked && http10:
		return bad("bad request: Transfer-Encoding in an HTTP/1.0 request")
	case req.host > 1:
		return bad("bad request: more than one Host field")
	case req.host == 0 && !http10:
		return bad("bad request: HTTP/1.1 request without a Host field")
	}

	path, err := requestPath(target)
	if err != nil {
		return err
	}
	req.resp = route(path)
	req.resp.head = string(method) == "HEAD"
	req.resp.http10 = http10
	req.resp.close = req.resp.close || closeTok || (http10 && !keepAlive)
	if req.resp.kind == kindEcho {
		req.resp.msg = string(method)
	}
	return nil
}

var crlf = []byte("\r\n")

// splitField splits a header field line into its name and its value with
// surrounding whitespace removed, refusing what RFC 9112 forbids.
func splitField(field []byte) (name, value []byte, err error) {
	if field[0] == ' ' || field[0] == '\t' {
		return nil, nil, bad("bad request: obsolete line folding in a header field")
	}
	colon := bytes.IndexByte(field, ':')
	if colon <= 0 || !isToken(field[:colon]) {
		return nil, nil, bad("bad request: a header field has no valid name followed by a colon")
	}
	value = trimOWS(field[colon+1:])
	for _, b := range value {
		if (b < ' ' && b != '\t') || b == 0x7f {
			return nil, nil, bad("bad request: a header field value has a control character")
		}
	}
	return field[:colon], value, nil
}

func parseLength(v []byte) (int64, error) {
	if len(v) == 0 {
		return 0, bad("bad request: Content-Length is empty")
	}
	var n int64
	for _, b := range v {
		if !isDigit(b) {
			return 0, bad("bad request: Content-Length is not a number")
		}
		n = n*10 + int64(b-'0')
		if n > maxBody {
			return 0, &httpError{413, "content too large: the limit is 64 MiB"}
		}
	}
	return n, nil
}

// requestPath returns the path and query of an origin-form or absolute-form
// target ("*" stays "*").
func requestPath(t []byte) ([]byte, error) {
	if t[0] == '/' || string(t) == "*" {
		return t, nil
	}
	for _, scheme := range []string{"http://", "https://"} {
		if len(t) >= len(scheme) && bytes.EqualFold(t[:len(scheme)], []byte(scheme)) {
			rest := t[len(scheme):]
			if i := bytes.IndexAny(rest, "/?"); i >= 0 {
				if rest[i] == '?' {
					return nil, bad("bad request: an absolute request target has a query but no path")
				}
				return rest[i:], nil
			}
			return []byte("/"), nil
		}
	}
	return nil, bad("bad request: the request target must start with /")
}

// maxEcho bounds the body /echo sends back; the rest is read and dropped.
const maxEcho = 64 << 10

// echo reads the body of an /echo request into its response, after the method and a newline.
func (c *conn) echo(req *request) error {
	keep := min(req.length, maxEcho)
	msg := []byte(req.resp.msg + "\n")
	for n := keep; n > 0; {
		b, err := c.body(n)
		if err != nil {
			return err
		}
		msg = append(msg, b...)
		n -= int64(len(b))
	}
	req.resp.msg = string(msg)
	return c.discard(req.length - keep)
}

// discard skips n body bytes.
func (c *conn) discard(n int64) error {
	for n > 0 {
		b, err := c.body(n)
		if err != nil {
			return err
		}
		n -= int64(len(b))
	}
	return nil
}

// body consumes and returns up to n buffered body bytes, reading when none are buffered; the
// bytes are valid until the next read. A connection that ends first is io.ErrUnexpectedEOF.
func (c *conn) body(n int64) ([]byte, error) {
	if c.r == c.w {
		if err := c.fill(); err != nil {
			if errors.Is(err, io.EOF) {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	k := int(min(n, int64(c.w-c.r)))
	c.r += k
	return c.buf[c.r-k : c.r], nil
}

// discardChunked skips a chunked body and its trailer section.
func (c *conn) discardChunked() error {
	var total int64
	for {
		line, err := c.readLine()
		if err != nil {
			return err
		}
		size, err := parseChunkSize(line)
		if err != nil {
			return err
		}
		if size == 0 {
			break
		}
		if total += size; total > maxBody {
			return &httpError{413, "content too large: the limit is 64 MiB"}
		}
		if err := c.discard(size); err != nil {
			return err
		}
		if line, err = c.readLine(); err != nil {
			return err
		}
		if len(line) != 0 {
			return bad("bad request: chunk data is not followed by CRLF")
		}
	}
	trailer, err := c.readHead(true)
	if err != nil {
		return err
	}
	for rest := trailer; len(rest) > 2; {
		eol := bytes.Index(rest, crlf)
		if _, _, err := splitField(rest[:eol]); err != nil {
			return err
		}
		rest = rest[eol+2:]
	}
	return nil
}

// readLine returns the next CRLF-terminated line without its CRLF, valid
// until the next fill.
func (c *conn) readLine() ([]byte, error) {
	for {
		if i := bytes.IndexByte(c.buf[c.r:c.w], '\n'); i >= 0 {
			if i == 0 || c.buf[c.r+i-1] != '\r' {
				return nil, bad("bad request: a line ends in LF without CR")
			}
			line := c.buf[c.r : c.r+i-1]
			c.r += i + 1
			return line, nil
		}
		if c.w-c.r > maxChunkLine {
			return nil, bad("bad request: a chunk size line is longer than 4 KiB")
		}
		if err := c.fill(); err != nil {
			if errors.Is(err, io.EOF) {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
}

// parseChunkSize parses "HEX[ws][;ext]".
func parseChunkSize(line []byte) (int64, error) {
	var n int64
	i := 0
	for ; i < len(line); i++ {
		v := unhex(line[i])
		if v < 0 {
			break
		}
		if n > maxBody {
			return 0, &httpError{413, "content too large: the limit is 64 MiB"}
		}
		n = n<<4 | int64(v)
	}
	if i == 0 {
		return 0, bad("bad request: a chunk does not start with a hexadecimal size")
	}
	if n > maxBody {
		return 0, &httpError{413, "content too large: the limit is 64 MiB"}
	}
	rest := trimOWS(line[i:])
	if len(rest) > 0 && rest[0] != ';' {
		return 0, bad("bad request: a chunk size is followed by something other than an extension")
	}
	for _, b := range rest {
		if (b < ' ' && b != '\t') || b == 0x7f {
			return 0, bad("bad request: a chunk extension has a control character")
		}
	}
	return n, nil
}

func unhex(b byte) int {
	switch {
	case '0' <= b && b <= '9':
		return int(b - '0')
	case 'a' <= b && b <= 'f':
		return int(b - 'a' + 10)
	case 'A' <= b && b <= 'F':
		return int(b - 'A' + 10)
	}
	return -1
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// isToken reports whether s is an RFC 9110 token.
func isToken(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	for _, b := range s {
		if !tokenChar[b] {
			return false
		}
	}
	return true
}

var tokenChar = func() (t [256]bool) {
	for b := '0'; b <= '9'; b++ {
		t[b] = true
	}
	for b := 'a'; b <= 'z'; b++ {
		t[b] = true
		t[b-'a'+'A'] = true
	}
	for _, b := range "!#$%&'*+-.^_`|~" {
		t[b] = true
	}
	return t
}()

func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}
