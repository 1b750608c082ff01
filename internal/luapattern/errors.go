package luapattern

import "errors"

var (
	// ErrBudget is returned when an operation runs out of matcher steps:
	// the pattern backtracks too much for this subject.
	ErrBudget = errors.New("pattern matching exceeded its step budget")
	// ErrTooLarge is returned when a result would exceed the byte cap.
	ErrTooLarge = errors.New("resulting string too large")
)

// Pattern and replacement errors, worded as Lua 5.1 words them.
var (
	errEndsWithPercent = errors.New("malformed pattern (ends with '%')")
	errMissingBracket  = errors.New("malformed pattern (missing ']')")
	errFrontier        = errors.New("missing '[' after '%f' in pattern")
	errUnbalanced      = errors.New("unbalanced pattern")
	errCaptureIndex    = errors.New("invalid capture index")
	errPatternCapture  = errors.New("invalid pattern capture")
	errUnfinished      = errors.New("unfinished capture")
	errTooManyCaptures = errors.New("too many captures")
	// Lua 5.1 has no recursion limit; 5.2+ and LuaJIT stop at 200 levels
	// with this message, and so do we, to bound the goroutine stack.
	errTooComplex = errors.New("pattern too complex")
)

// InvalidReplacement is the error for a replacement function or table that
// yields a value other than a string, a number, nil or false; typeName is
// the Lua type name of that value ("table", "boolean", ...).
func InvalidReplacement(typeName string) error {
	return errors.New("invalid replacement value (a " + typeName + ")")
}
