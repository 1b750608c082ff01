package kube

import (
	"strconv"
	"strings"
)

// quote renders s as a YAML double-quoted scalar that is also a JSON string.
// Every user value goes through it, so no value can end its scalar early and
// add keys, documents or comments: quotes and backslashes are escaped, and so
// is every character that a YAML parser would not keep as it is — control
// characters, and the characters that YAML 1.1 parsers fold as line breaks
// (U+0085, U+2028, U+2029) or refuse (U+FEFF, U+FFFE, U+FFFF). s must be
// valid UTF-8 (Job checks every value first).
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r >= 0x20 && r < 0x7f, yamlPrintable(r):
			b.WriteRune(r)
		default:
			// \u with four hex digits is an escape in JSON and in YAML alike;
			// every rune that reaches it is below U+10000.
			h := strconv.FormatInt(int64(r), 16)
			b.WriteString(`\u` + strings.Repeat("0", 4-len(h)) + h)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// yamlPrintable reports whether a non-ASCII rune may stand unescaped in a
// YAML document and mean itself to every parser (YAML 1.1 and 1.2).
func yamlPrintable(r rune) bool {
	switch {
	case r == 0x2028, r == 0x2029, r == 0xfeff:
		return false
	case r >= 0xa0 && r <= 0xd7ff, r >= 0xe000 && r <= 0xfffd, r >= 0x10000 && r <= 0x10ffff:
		return true
	}
	return false
}

// literalSafe reports whether text can be written as a YAML literal block
// (`|`) and read back byte for byte by any parser: printable ASCII and tabs
// only (no CR), one final newline and no blank lines at the end (the
// default "clip" chomping keeps exactly one), a first line that starts with
// neither a space nor a tab (block indentation is detected from it), and no
// whitespace at the end of a line (parsers disagree about whitespace-only
// lines). Anything else is written as a quoted scalar instead.
func literalSafe(text string) bool {
	if text == "" || text[0] == ' ' || text[0] == '\t' || text[0] == '\n' ||
		!strings.HasSuffix(text, "\n") || strings.HasSuffix(text, "\n\n") {
		return false
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '\n':
			if i > 0 && (text[i-1] == ' ' || text[i-1] == '\t') {
				return false
			}
		case c == '\t', c >= 0x20 && c < 0x7f:
		default:
			return false
		}
	}
	return true
}

// literal renders text (for which literalSafe holds) as a literal block whose
// lines are indented by indent spaces; it starts with "|" on the key's line.
func literal(text, indent string) string {
	var b strings.Builder
	b.WriteString("|\n")
	for _, line := range strings.SplitAfter(strings.TrimSuffix(text, "\n"), "\n") {
		if line != "\n" {
			b.WriteString(indent)
		}
		b.WriteString(line)
	}
	b.WriteByte('\n')
	return b.String()
}
