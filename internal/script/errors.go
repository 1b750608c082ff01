package script

import (
	"strings"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"

	"volley/internal/report"
)

// ErrorKind says why a script call failed, so that callers can choose an exit
// code or a counter without reading messages.
type ErrorKind uint8

const (
	ErrScript      ErrorKind = iota + 1 // syntax error, runtime error, error() or a bad hook result
	ErrTimeout                          // a call ran past its time limit
	ErrMemory                           // the script state grew past the memory quota
	ErrRequest                          // request() returned bytes that are not valid HTTP/1.1 requests
	ErrPermission                       // Load could not read the script or an --allow-read root: the invocation's fault, not the script's
	ErrInterrupted                      // Options.Interrupt was closed: the call was stopped, or never started
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

// clean makes msg one printable line of at most maxMessage bytes, escaped by the same rules as
// everything else that reaches a terminal (report.Escape), so that a script cannot put escape
// sequences in our output. Only a bounded prefix is escaped: messages can be as large as the
// strings a script builds.
func clean(msg string) string {
	msg = strings.TrimRight(msg, "\n")
	cut := len(msg) > maxMessage
	if cut {
		msg = msg[:runeStart(msg, maxMessage)]
	}
	if msg = report.Escape(msg); len(msg) > maxMessage {
		msg, cut = msg[:runeStart(msg, maxMessage)], true
	}
	if cut {
		msg += "..."
	}
	return msg
}

// runeStart returns the largest index ≤ n (n < len(s)) at which a UTF-8 sequence starts.
func runeStart(s string, n int) int {
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return n
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
