package h1

import "bytes"

// Syntax shared by requests and responses: header fields, lists, lengths, chunk-size lines.

// nextElem splits the first element off a comma-separated list, trimmed of OWS; more reports
// whether a comma followed it.
func nextElem(v []byte) (elem, rest []byte, more bool) {
	if i := bytes.IndexByte(v, ','); i >= 0 {
		return trimOWS(v[:i]), v[i+1:], true
	}
	return trimOWS(v), nil, false
}

// maxLength caps Content-Length and chunk sizes well inside int64, so sums never overflow.
const maxLength = 1 << 62

// parseDecimal parses a Content-Length: digits only, at most maxLength.
func parseDecimal(s []byte) (int64, bool) {
	if len(s) == 0 {
		return 0, false
	}
	var v int64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if v > (maxLength-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

func unhex(c byte) int64 {
	switch {
	case c >= '0' && c <= '9':
		return int64(c - '0')
	case c >= 'a' && c <= 'f':
		return int64(c - 'a' + 10)
	case c >= 'A' && c <= 'F':
		return int64(c - 'A' + 10)
	}
	return -1
}

// maxChunkDigits keeps a chunk size below 2^60.
const maxChunkDigits = 15

// parseChunkLine parses a chunk-size line without its CRLF: hex size, optional BWS and chunk
// extensions (validated as field-value bytes, otherwise ignored).
func parseChunkLine(l []byte) (int64, *Error) {
	var v int64
	i := 0
	for ; i < len(l); i++ {
		d := unhex(l[i])
		if d < 0 {
			break
		}
		if i == maxChunkDigits {
			return 0, newErr(ErrFraming, "chunk size has more than 15 hex digits")
		}
		v = v<<4 | d
	}
	rest := l[i:]
	for len(rest) > 0 && isOWS(rest[0]) {
		rest = rest[1:]
	}
	if i == 0 || len(rest) > 0 && (rest[0] != ';' || badValueByte(rest) >= 0) {
		return 0, newErr(ErrFraming, "invalid chunk size line "+quote(l))
	}
	return v, nil
}

// splitField splits a header line (without CRLF) into its name and its OWS-trimmed value.
func splitField(l []byte) (name, value []byte, err *Error) {
	i := 0
	for i < len(l) && class[l[i]]&cToken != 0 {
		i++
	}
	switch {
	case i == len(l):
		return nil, nil, newErr(ErrSyntax, "header line without colon "+quote(l))
	case l[i] == ':' && i > 0:
	case i == 0 && isOWS(l[0]):
		return nil, nil, newErr(ErrSyntax, "header line starts with whitespace (obsolete line folding) "+quote(l))
	case i == 0 && l[0] == ':':
		return nil, nil, newErr(ErrSyntax, "empty header name "+quote(l))
	case isOWS(l[i]):
		return nil, nil, newErr(ErrSyntax, "whitespace between header name and colon "+quote(l[:i]))
	default:
		return nil, nil, newErr(ErrSyntax, "header name "+quote(l[:i+1])+" contains "+byteName(l[i]))
	}
	name, value = l[:i], trimOWS(l[i+1:])
	if j := badValueBytes(value); j >= 0 {
		return nil, nil, newErr(ErrSyntax, "header "+quote(name)+" value contains "+byteName(value[j]))
	}
	return name, value, nil
}
