// Package h1 is HTTP/1.1 on the wire: it builds and validates the requests volley sends and parses
// the responses it reads, incrementally and within fixed memory bounds whatever the server sends.
package h1

import (
	"strconv"
)

// ErrorKind classifies an Error so that callers can count errors without reading messages.
type ErrorKind uint8

const (
	ErrSyntax     ErrorKind = iota + 1 // malformed status line, header, chunk line or request
	ErrTooLarge                        // a limit was exceeded (header bytes, header count)
	ErrFraming                         // body length invalid, conflicting or unsupported
	ErrUnexpected                      // well-formed but unsupported: 101 upgrade, data with no request pending
	ErrClosed                          // the peer closed before sending any byte of the response
	ErrTruncated                       // the peer closed in the middle of a response
)

var kindNames = [...]string{"error", "syntax", "too large", "framing", "unexpected", "closed", "truncated"}

func (k ErrorKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "error"
}

// Error is a protocol error with a one-line, user-facing message. Bytes received from a server or
// produced by a script appear in Msg only quoted, escaped and bounded (see quote).
type Error struct {
	Kind ErrorKind
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

func newErr(k ErrorKind, msg string) *Error { return &Error{Kind: k, Msg: msg} }

// quoteMax bounds how much foreign input an error message repeats.
const quoteMax = 40

// quote renders foreign bytes for an error message: at most quoteMax of them, escaped to printable
// ASCII, so that a hostile server or script can never put raw control sequences on a terminal.
func quote[T ~string | ~[]byte](b T) string {
	if len(b) > quoteMax {
		return strconv.QuoteToASCII(string(b[:quoteMax])) + "..."
	}
	return strconv.QuoteToASCII(string(b))
}

// byteName names a byte that is not allowed somewhere, for messages like `value contains CR`.
func byteName(c byte) string {
	switch c {
	case '\r':
		return "CR"
	case '\n':
		return "LF"
	case 0:
		return "NUL"
	case ' ':
		return "a space"
	case 0x7f:
		return "DEL"
	}
	if c < 0x20 || c >= 0x80 {
		return "byte 0x" + strconv.FormatUint(uint64(c)|0x100, 16)[1:]
	}
	return "character " + strconv.QuoteRune(rune(c))
}
