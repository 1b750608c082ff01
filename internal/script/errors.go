package script

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
)

// ErrorKind says why a script call failed, so that callers can choose an exit
// code or a counter without reading messages.
type ErrorKind uint8

const (
	ErrScript     ErrorKind = iota + 1 // syntax error, runtime error, error() or a bad hook result
	ErrTimeout                         // a call ran past its time limit
	ErrMemory                          // the script state grew past the memory quota
	ErrRequest                         // request() returned bytes that are not valid HTTP/1.1 requests
	ErrPermission                      // Load could not read the script or an --allow-read root
)

// Error is a script failure with a one-line, user-facing message such as
// `script.lua:12: attempt to call a nil value`. The message is escaped to
// printable text and bounded in length; it never carries a Go stack trace.
type Error struct {
	Kind ErrorKind
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// maxMessage bounds an error message in bytes (before the ellipsis).
const maxMessage = 400

func newError(kind ErrorKind, msg string) *Error {
	return &Error{Kind: kind, Msg: clean(msg)}
}

// clean makes msg one printable line of at most maxMessage bytes: control
// characters, invalid UTF-8 and non-printable runes are escaped, so that a
// script cannot put terminal escape sequences in our output.
func clean(msg string) string {
	msg = strings.TrimRight(msg, "\n")
	var b strings.Builder
	for i := 0; i < len(msg); {
		if b.Len() >= maxMessage {
			b.WriteString("...")
			break
		}
		r, n := utf8.DecodeRuneInString(msg[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(msg[i])|0x100, 16)[1:])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < utf8.RuneSelf && (r < 0x20 || r == 0x7f):
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(msg[i])|0x100, 16)[1:]) // r < RuneSelf is the byte msg[i]
		case r >= utf8.RuneSelf && !unicode.IsPrint(r):
			b.WriteString(strconv.QuoteRuneToASCII(r)[1 : len(strconv.QuoteRuneToASCII(r))-1])
		default:
			b.WriteString(msg[i : i+n])
		}
		i += n
	}
	return b.String()
}

// errorText renders a Lua error value without running any script code: a
// string or number as itself, anything else by its type (a __tostring
// metamethod could loop or fail, so it is not called).
func errorText(v lua.LValue) string {
	switch v := v.(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return numberString(float64(v))
	case *lua.LNilType:
		return "nil (error object is nil)"
	default:
		return "(error object is a " + v.Type().String() + " value)"
	}
}
