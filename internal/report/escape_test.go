package report

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEscape(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"http://127.0.0.1:8080/a?b=c", "http://127.0.0.1:8080/a?b=c"},
		{"héllo wörld ✓ 日本 🚀", "héllo wörld ✓ 日本 🚀"},
		{"\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"\x1b]0;pwned\x07", `\x1b]0;pwned\x07`},
		{"a\tb\nc\rd", `a\tb\nc\rd`},
		{"nul\x00del\x7f", `nul\x00del\x7f`},
		{"\xff\xfe", `\xff\xfe`},
		{"cut \xe2\x82", `cut \xe2\x82`},   // truncated UTF-8
		{"\xc0\xaf", `\xc0\xaf`},           // overlong encoding
		{"\xed\xa0\x80", `\xed\xa0\x80`},   // surrogate
		{"c1 \u009b31m", `c1 \u009b31m`},   // CSI as a C1 control
		{"\u0085next", `\u0085next`},       // NEL
		{"abc\u202edcba", `abc\u202edcba`}, // right-to-left override
		{"\u2066x\u2069\u200f\u061c", `\u2066x\u2069\u200f\u061c`},
		{"line\u2028sep", `line\u2028sep`},
		{`back\slash`, `back\slash`},
		{"\ufffd is valid", "\ufffd is valid"},
	} {
		if got := Escape(c.in); got != c.want {
			t.Errorf("Escape(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestEscapeKeepsSafeStringsWithoutCopying(t *testing.T) {
	s := strings.Repeat("safe ✓ ", 100)
	if n := testing.AllocsPerRun(100, func() { _ = Escape(s) }); n != 0 {
		t.Fatalf("Escape of a safe string allocates %v times", n)
	}
}

// checkEscaped fails unless out is safe for a terminal.
func checkEscaped(t *testing.T, in, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Fatalf("Escape(%q) = %q: not valid UTF-8", in, out)
	}
	for i := 0; i < len(out); i++ {
		if c := out[i]; c < 0x20 || c == 0x7f {
			t.Fatalf("Escape(%q) = %q: byte %#x at %d", in, out, c, i)
		}
	}
	for _, r := range out {
		if r >= 0x80 && unsafeRune(r) {
			t.Fatalf("Escape(%q) = %q: rune %U", in, out, r)
		}
	}
}

func FuzzEscape(f *testing.F) {
	f.Add("plain")
	f.Add("\x1b[2J\x1b[H")
	f.Add("\u202e\u2066\x85\xc2\x9b")
	f.Fuzz(func(t *testing.T, in string) {
		out := Escape(in)
		checkEscaped(t, in, out)
		if Escape(out) != out {
			t.Fatalf("Escape is not idempotent on %q", in)
		}
		safe := true
		for _, r := range in {
			if r == utf8.RuneError || r < 0x20 || r == 0x7f || unsafeRune(r) {
				safe = false
			}
		}
		if safe && out != in {
			t.Fatalf("Escape changed the safe string %q to %q", in, out)
		}
	})
}

func TestEscapeLinesKeepsLayout(t *testing.T) {
	got := EscapeLines("a\tb\n\x1b[31mred\x1b[0m\r\n\u202eevil\n")
	want := "a\tb\n\\x1b[31mred\\x1b[0m\\r\n\\u202eevil\n"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestSafeWriterJoinsSplitRunes(t *testing.T) {
	var b strings.Builder
	w := &SafeWriter{W: &b}
	in := []byte("é€\x1b\n")
	for i := range in {
		if _, err := w.Write(in[i : i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != "é€\\x1b\n" {
		t.Fatalf("got %q", got)
	}
}
