package report

import (
	"io"
	"strings"
	"unicode/utf8"
)

// Escape makes text from a server, a script or the command line safe to print
// on a terminal: it cannot move the cursor, change colors, set the window
// title or reorder what is displayed. Printable UTF-8 is kept as is; escaped are
//   - C0 controls and DEL: \t, \n, \r, else \xNN (ESC is \x1b);
//   - bytes that are not valid UTF-8: \xNN;
//   - C1 controls (U+0080–U+009F), which some terminals obey like ESC sequences;
//   - bidirectional formatting characters (U+061C, U+200E/F, U+202A–U+202E,
//     U+2066–U+2069), which reorder text as displayed (Trojan Source);
//   - the line and paragraph separators U+2028 and U+2029: \uNNNN.
//
// A backslash is kept as is: the output is for reading, not for parsing back.
func Escape(s string) string {
	i := 0
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if n == 1 || unsafeRune(r) { // n == 1 here: an ASCII control or an invalid byte
			break
		}
		i += n
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case n == 1 && (r < 0x20 || r == 0x7f || r == utf8.RuneError):
			writeHex(&b, `\x`, rune(s[i]), 2)
		case unsafeRune(r):
			writeHex(&b, `\u`, r, 4)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// unsafeRune reports whether r (a rune of at least two bytes) must be escaped.
func unsafeRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f: // C1 controls
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, // bidi marks
		r >= 0x202a && r <= 0x202e, // embeddings and overrides
		r >= 0x2066 && r <= 0x2069: // isolates
		return true
	case r == 0x2028, r == 0x2029:
		return true
	}
	return false
}

func writeHex(b *strings.Builder, prefix string, v rune, digits int) {
	const hex = "0123456789abcdef"
	b.WriteString(prefix)
	for shift := (digits - 1) * 4; shift >= 0; shift -= 4 {
		b.WriteByte(hex[v>>shift&0xf])
	}
}

// EscapeLines is Escape for multi-line text, such as what scripts print: newlines and tabs
// are kept, everything else Escape escapes is escaped.
func EscapeLines(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		i := strings.IndexAny(s, "\n\t")
		if i < 0 {
			i = len(s)
		}
		b.WriteString(Escape(s[:i]))
		if i < len(s) {
			b.WriteByte(s[i])
			i++
		}
		s = s[i:]
	}
	return b.String()
}

// SafeWriter passes text to a terminal through EscapeLines. A UTF-8 sequence split
// between two writes is held back until it is whole, so that it is not taken for invalid
// bytes.
type SafeWriter struct {
	W     io.Writer
	carry []byte
}

func (s *SafeWriter) Write(p []byte) (int, error) {
	buf := append(s.carry, p...)
	cut := len(buf)
	// Hold back an incomplete sequence at the end (at most 3 bytes).
	for i := len(buf) - 1; i >= 0 && i >= len(buf)-3; i-- {
		if !utf8.RuneStart(buf[i]) {
			continue
		}
		if !utf8.FullRune(buf[i:]) {
			cut = i
		}
		break
	}
	s.carry = append(s.carry[:0:0], buf[cut:]...)
	if _, err := io.WriteString(s.W, EscapeLines(string(buf[:cut]))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes what is held back, escaped.
func (s *SafeWriter) Flush() error {
	if len(s.carry) == 0 {
		return nil
	}
	_, err := io.WriteString(s.W, EscapeLines(string(s.carry)))
	s.carry = nil
	return err
}
