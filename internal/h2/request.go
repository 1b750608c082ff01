package h2

import (
	"bytes"
	"errors"
	"strconv"
	"strings"

	"golang.org/x/net/http2/hpack"
)

// Request is one request ready for the wire: its header block, HPACK-encoded without the
// dynamic table, so that the same bytes serve every stream of every connection, and its body.
type Request struct {
	Block []byte // the header block: :method, :scheme, :authority, :path, then the fields
	Body  []byte
	Head  bool // HEAD: the response has no body
	// ListSize is the header list's size as RFC 9113 §6.5.2 counts it, for the server's
	// SETTINGS_MAX_HEADER_LIST_SIZE.
	ListSize uint32
}

// connectionSpecific are the fields that HTTP/2 forbids (RFC 9113 §8.2.2).
var connectionSpecific = []string{"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"}

// Prepare turns one validated HTTP/1.1 request (h1.ScanRequests accepted it and found exactly
// one request) into a Request. scheme is "http" or "https"; authority stands in for a missing
// Host. Connection-specific fields are refused: HTTP/2 has its own framing and connection
// management, and a server must reject a request that carries them.
func Prepare(payload []byte, scheme, authority string) (Request, error) {
	line, rest, _ := bytes.Cut(payload, []byte("\r\n"))
	method, line, _ := bytes.Cut(line, []byte(" "))
	target := line[:max(bytes.LastIndexByte(line, ' '), 0)]
	path := string(target)
	if i := strings.Index(path, "://"); i > 0 && path[0] != '/' {
		// absolute-form: the scheme and authority come from the URL.
		scheme = path[:i]
		hostPath := path[i+3:]
		slash := strings.IndexByte(hostPath, '/')
		if slash < 0 {
			authority, path = hostPath, "/"
		} else {
			authority, path = hostPath[:slash], hostPath[slash:]
		}
	} else if path != "*" && !strings.HasPrefix(path, "/") {
		return Request{}, errors.New("request target " + quote(path) + " has no HTTP/2 form")
	}
	type field struct{ name, value string }
	var fields []field
	length := -1
	for {
		var l []byte
		l, rest, _ = bytes.Cut(rest, []byte("\r\n"))
		if len(l) == 0 {
			break
		}
		n, v, _ := bytes.Cut(l, []byte(":"))
		name := strings.ToLower(string(n))
		value := string(bytes.Trim(v, " \t"))
		switch {
		case name == "host":
			if value != "" {
				authority = value
			}
			continue
		case name == "te" && !strings.EqualFold(value, "trailers"):
			return Request{}, refused("TE: " + value)
		case name == "content-length":
			length, _ = strconv.Atoi(value)
		}
		for _, c := range connectionSpecific {
			if name == c {
				return Request{}, refused(string(n))
			}
		}
		fields = append(fields, field{name, value})
	}
	if authority == "" {
		return Request{}, errors.New("request has no Host and the URL no authority")
	}
	r := Request{Head: string(method) == "HEAD"}
	if length > 0 {
		r.Body = rest[:length]
	}
	var buf bytes.Buffer
	enc := hpack.NewEncoder(&buf)
	// No dynamic table: every block stands alone, so one encoding serves every stream of every
	// connection. The size update this emits at the block's start is legal in any block.
	enc.SetMaxDynamicTableSizeLimit(0)
	add := func(name, value string) {
		_ = enc.WriteField(hpack.HeaderField{Name: name, Value: value}) // writes to a bytes.Buffer cannot fail
		r.ListSize += uint32(len(name) + len(value) + 32)               //nolint:gosec // G115: bounded by the validated request's length
	}
	add(":method", string(method))
	add(":scheme", scheme)
	add(":authority", authority)
	add(":path", path)
	for _, f := range fields {
		add(f.name, f.value)
	}
	r.Block = buf.Bytes()
	return r, nil
}

func refused(field string) error {
	return errors.New("header " + quote(field) + " is connection-specific and not allowed in HTTP/2")
}
