package h1

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
)

// AppendRequest appends a request built like wrk.format(method, path, headers, body):
// "METHOD PATH HTTP/1.1\r\n", the headers in the given order, then when hasBody Content-Length:
// len(body), a blank line, then when hasBody the body. As in wrk, the framing is ours: a
// Content-Length among headers is dropped and Transfer-Encoding is refused. Everything written is
// validated first; on error dst is returned unchanged.
func AppendRequest(dst []byte, method, path string, headers []Field, body []byte, hasBody bool) ([]byte, error) {
	if !ValidToken(method) {
		return dst, newErr(ErrSyntax, "invalid method "+quote(method))
	}
	e := targetProblem(path)
	if method == "CONNECT" {
		e = authorityProblem(path)
	}
	if e != "" {
		return dst, newErr(ErrSyntax, "invalid path "+quote(path)+": "+e)
	}
	size := len(method) + len(path) + len("  HTTP/1.1\r\n\r\n")
	for _, h := range headers {
		if !ValidToken(h.Name) {
			return dst, newErr(ErrSyntax, "invalid header name "+quote(h.Name))
		}
		if i := badValueByte(h.Value); i >= 0 {
			return dst, newErr(ErrSyntax, "header "+quote(h.Name)+" value contains "+byteName(h.Value[i]))
		}
		if eqFold(h.Name, "transfer-encoding") {
			return dst, newErr(ErrFraming, `header "Transfer-Encoding" is not supported; the body is sent with Content-Length`)
		}
		size += len(h.Name) + len(h.Value) + len(": \r\n")
	}
	if hasBody {
		size += len("Content-Length: 18446744073709551615\r\n") + len(body)
	}
	dst = slices.Grow(dst, size)
	dst = append(dst, method...)
	dst = append(dst, ' ')
	dst = append(dst, path...)
	dst = append(dst, " HTTP/1.1\r\n"...)
	for _, h := range headers {
		if eqFold(h.Name, "content-length") {
			continue
		}
		dst = append(dst, h.Name...)
		dst = append(dst, ": "...)
		dst = append(dst, h.Value...)
		dst = append(dst, "\r\n"...)
	}
	if hasBody {
		dst = append(dst, "Content-Length: "...)
		dst = strconv.AppendInt(dst, int64(len(body)), 10)
		dst = append(dst, "\r\n\r\n"...)
		return append(dst, body...), nil
	}
	return append(dst, "\r\n"...), nil
}

// targetProblem says what is wrong with a request-target, or "" when it is origin-form ("/…"),
// asterisk-form ("*") or absolute-form ("scheme:…", which also covers authority-form "host:port").
func targetProblem[T ~string | ~[]byte](t T) string {
	if len(t) == 0 {
		return "empty"
	}
	for i := 0; i < len(t); i++ {
		if class[t[i]]&cTarget == 0 {
			return "contains " + byteName(t[i])
		}
	}
	if t[0] == '/' || len(t) == 1 && t[0] == '*' {
		return ""
	}
	for i := 0; i < len(t); i++ {
		c := t[i] | 0x20
		switch {
		case c >= 'a' && c <= 'z':
		case i > 0 && (isDigit(t[i]) || t[i] == '+' || t[i] == '-' || t[i] == '.'):
		case i > 0 && t[i] == ':':
			return ""
		default:
			return `must start with "/" or be an absolute URL`
		}
	}
	return `must start with "/" or be an absolute URL`
}

// authorityProblem says what is wrong with a CONNECT request's authority-form target
// ("host:port", IPv6 in brackets), or "".
func authorityProblem(t string) string {
	i := strings.LastIndexByte(t, ':')
	if i <= 0 || i == len(t)-1 {
		return `must be "host:port"`
	}
	for j := 0; j < len(t); j++ {
		if class[t[j]]&cTarget == 0 || t[j] == '/' || t[j] == '?' || t[j] == '#' || t[j] == '@' {
			return "contains " + byteName(t[j])
		}
	}
	for j := i + 1; j < len(t); j++ {
		if !isDigit(t[j]) {
			return "port is not a number"
		}
	}
	return ""
}

// ScanRequests validates a payload of one or more pipelined requests and appends, for each request
// in order, whether it is a HEAD request to heads, which it returns. The payload must hold whole
// requests only, each with unambiguous framing. It does not allocate when heads has capacity.
func ScanRequests(payload []byte, heads []bool) ([]bool, error) {
	if len(payload) == 0 {
		return heads, newErr(ErrSyntax, "empty request")
	}
	start := len(heads)
	for i := 1; len(payload) > 0; i++ {
		head, n, e := scanRequest(payload)
		if e != nil {
			if i > 1 {
				e = newErr(e.Kind, "request "+strconv.Itoa(i)+": "+e.Msg)
			}
			return heads[:start], e
		}
		heads = append(heads, head)
		payload = payload[n:]
	}
	return heads, nil
}

// PrefixLen returns the length of the first n requests of a payload that ScanRequests accepted:
// where a pipelined batch is cut to send only those, or where the requests left to send again
// begin when a connection closes part way through a batch. It scans the requests again rather
// than keep their offsets: both happen rarely, and never on the path of an answered request.
func PrefixLen(payload []byte, n int) int {
	end := 0
	for range n {
		_, k, e := scanRequest(payload[end:])
		if e != nil {
			break // not a payload ScanRequests accepted: keep what was whole
		}
		end += k
	}
	return end
}

// scanRequest validates the request at the start of p and returns its length.
func scanRequest(p []byte) (head bool, n int, err *Error) {
	l, n, err := requestLine(p, 0, "request line")
	if err != nil {
		return false, 0, err
	}
	sp := bytes.IndexByte(l, ' ')
	if sp <= 0 || !validTokenBytes(l[:sp]) {
		return false, 0, newErr(ErrSyntax, "invalid request line "+quote(l))
	}
	method, rest := l[:sp], l[sp+1:]
	sp = bytes.LastIndexByte(rest, ' ') // a space inside the target is then reported as such
	if sp < 0 {
		return false, 0, newErr(ErrSyntax, "invalid request line "+quote(l))
	}
	target, version := rest[:sp], rest[sp+1:]
	if e := targetProblem(target); e != "" {
		return false, 0, newErr(ErrSyntax, "invalid request target "+quote(target)+": "+e)
	}
	http10 := string(version) == "HTTP/1.0"
	if !http10 && string(version) != "HTTP/1.1" {
		return false, 0, newErr(ErrSyntax, "invalid HTTP version "+quote(version)+" (want HTTP/1.1 or HTTP/1.0)")
	}
	head = string(method) == "HEAD"

	length, chunked := int64(-1), false
	for {
		if l, n, err = requestLine(p, n, "header section"); err != nil {
			return false, 0, err
		}
		if len(l) == 0 {
			break
		}
		name, value, e := splitField(l)
		if e != nil {
			return false, 0, e
		}
		switch {
		case eqFold(name, "content-length"):
			if length >= 0 {
				return false, 0, newErr(ErrFraming, "duplicate Content-Length")
			}
			var ok bool
			if length, ok = parseDecimal(value); !ok {
				return false, 0, newErr(ErrFraming, "invalid Content-Length "+quote(value))
			}
		case eqFold(name, "transfer-encoding"):
			if chunked {
				return false, 0, newErr(ErrFraming, "duplicate Transfer-Encoding")
			}
			if !eqFold(value, "chunked") {
				return false, 0, newErr(ErrFraming, "unsupported Transfer-Encoding "+quote(value)+" (only chunked)")
			}
			chunked = true
		}
	}
	switch {
	case chunked && length >= 0:
		return false, 0, newErr(ErrFraming, "both Content-Length and Transfer-Encoding")
	case chunked && http10:
		return false, 0, newErr(ErrFraming, "HTTP/1.0 request with Transfer-Encoding")
	case chunked:
		n, err = scanChunked(p, n)
	case length > int64(len(p)-n):
		err = newErr(ErrFraming, "body shorter than Content-Length ("+strconv.Itoa(len(p)-n)+" of "+
			strconv.FormatInt(length, 10)+" bytes)")
	case length > 0:
		n += int(length)
	}
	return head, n, err
}

// requestLine returns the line of p starting at offset, without CRLF, and the offset after it.
func requestLine(p []byte, offset int, where string) (line []byte, next int, err *Error) {
	i := bytes.IndexByte(p[offset:], '\n')
	if i < 0 {
		return nil, 0, newErr(ErrSyntax, "incomplete "+where+" "+quote(p[offset:]))
	}
	line = p[offset : offset+i]
	if i == 0 || line[i-1] != '\r' {
		return nil, 0, newErr(ErrSyntax, where+" has a line ending in a bare LF: "+quote(line))
	}
	return line[:i-1], offset + i + 1, nil
}

// scanChunked validates a complete chunked body, trailers included, starting at offset.
func scanChunked(p []byte, offset int) (int, *Error) {
	for {
		l, n, err := requestLine(p, offset, "chunked body")
		if err != nil {
			return 0, err
		}
		size, err := parseChunkLine(l)
		if err != nil {
			return 0, err
		}
		offset = n
		if size == 0 {
			break
		}
		if size > int64(len(p)-offset-2) {
			return 0, newErr(ErrFraming, "incomplete chunked body (chunk of "+strconv.FormatInt(size, 10)+" bytes)")
		}
		offset += int(size)
		if p[offset] != '\r' || p[offset+1] != '\n' {
			return 0, chunkEndErr()
		}
		offset += 2
	}
	for { // trailers
		l, n, err := requestLine(p, offset, "chunked body trailer section")
		if err != nil {
			return 0, err
		}
		offset = n
		if len(l) == 0 {
			return offset, nil
		}
		if _, _, err := splitField(l); err != nil {
			return 0, err
		}
	}
}
