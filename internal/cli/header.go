package cli

import (
	"errors"
	"strconv"
	"strings"

	"volley/internal/target"
)

// Header is one -H header, name and value as they will be sent.
type Header struct{ Name, Value string }

// Limits on -H.
const (
	MaxHeaderLine = 8 << 10 // bytes in one -H argument
	MaxHeaderArgs = 100     // -H arguments
)

// parseHeader accepts "Name: value" and "Name:value" (wrk silently drops the
// latter). The value's surrounding blanks are trimmed. Anything that could
// split or corrupt the request (CR, LF, NUL, other controls, a name that is
// not an RFC 9110 token) is rejected.
func parseHeader(line string) (Header, error) {
	if len(line) > MaxHeaderLine {
		return Header{}, errors.New("longer than 8 KiB")
	}
	name, value, found := strings.Cut(line, ":")
	if !found {
		return Header{}, errors.New(`missing ':' (expected "Name: value")`)
	}
	if name == "" {
		return Header{}, errors.New("empty header name")
	}
	for i := 0; i < len(name); i++ {
		if !isTokenChar(name[i]) {
			return Header{}, errors.New("invalid character " + byteQuote(name[i]) + " in header name")
		}
	}
	value = strings.Trim(value, " \t")
	for i := 0; i < len(value); i++ {
		if c := value[i]; c < ' ' && c != '\t' || c == 0x7f {
			return Header{}, errors.New("control character " + byteQuote(c) + " in header value")
		}
	}
	switch {
	case strings.EqualFold(name, "Transfer-Encoding"):
		// volley sends a body with Content-Length; a second framing would make the request
		// ambiguous (RFC 9112 6.1).
		return Header{}, errors.New("Transfer-Encoding is not supported; volley sends the body with Content-Length")
	case strings.EqualFold(name, "Host"):
		if err := target.CheckAuthority(value); err != nil {
			return Header{}, errors.New("the Host must be host[:port]: " + err.Error())
		}
	}
	return Header{Name: name, Value: value}, nil
}

// isTokenChar reports whether c is a tchar of RFC 9110 section 5.6.2.
func isTokenChar(c byte) bool {
	if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// byteQuote shows one byte escaped: '\r', '\x00', ' ', '\xff'.
func byteQuote(c byte) string {
	if c >= 0x80 {
		return `'\x` + strconv.FormatUint(uint64(c), 16) + `'`
	}
	return strconv.QuoteRune(rune(c))
}
