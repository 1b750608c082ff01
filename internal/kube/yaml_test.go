package kube

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// scalarSeeds are values that a careless YAML writer gets wrong.
var scalarSeeds = []string{
	"", " ", "plain", "a: b", "a #b", "#", "-", "- x", "? x", "'", "\"", `\`, `\"`, "\\n", "\n", "\r\n",
	"\t", "\x00", "\x1f", "\x7f", "\u0080", "\u0085", "\u009f", "\u00a0", "\u2028", "\u2029", "\ufeff",
	"\ufffe", "\uffff", "\U0001F600", "\U0010FFFF", "日本語", "yes", "no", "null", "~", "1e3", "0x10",
	"{a: 1}", "[a]", "&a", "*a", "!tag", "%", "@", "`", "|", ">", "---", "...", "a\n---\nkind: Pod",
	"<script>&amp;", "a\u2028b",
}

// quote's output is a JSON string meaning exactly the input, on one line,
// made of characters that every YAML parser keeps as they are.
func checkQuote(t *testing.T, s string) {
	t.Helper()
	q := quote(s)
	var back string
	if err := json.Unmarshal([]byte(q), &back); err != nil {
		t.Fatalf("quote(%q) = %s is not a JSON string: %v", s, q, err)
	}
	if back != s {
		t.Fatalf("quote(%q) = %s means %q", s, q, back)
	}
	for _, r := range q {
		if r < 0x20 || r == 0x7f || r >= 0x80 && !yamlPrintable(r) {
			t.Fatalf("quote(%q) = %s holds %U unescaped", s, q, r)
		}
	}
}

func TestQuote(t *testing.T) {
	for _, s := range append(scalarSeeds, hostileArgs...) {
		checkQuote(t, s)
	}
	for s, want := range map[string]string{
		"a: b":             `"a: b"`,
		"say \"hi\"\n":     `"say \"hi\"\n"`,
		"\x01\u0085\ufeff": `"\u0001\u0085\ufeff"`,
		"\u2028é😀":         `"\u2028é😀"`,
		"&<>":              `"&<>"`,
	} {
		if got := quote(s); got != want {
			t.Errorf("quote(%q) = %s, want %s", s, got, want)
		}
	}
}

func FuzzQuote(f *testing.F) {
	for _, s := range scalarSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			t.Skip("Job rejects invalid UTF-8 before quoting")
		}
		checkQuote(t, s)
	})
}

func TestLiteralSafe(t *testing.T) {
	for text, want := range map[string]bool{
		"a\n":                          true,
		"a = 1\n\n\tb(\"x: y # z\")\n": true,
		"---\n...\n":                   true,
		"a":                            false, // no final newline
		"a\n\n":                        false, // trailing blank line
		"":                             false,
		" a\n":                         false, // leading space sets the indentation
		"\ta\n":                        false,
		"\na\n":                        false,
		"a \n":                         false, // trailing whitespace
		"a\t\nb\n":                     false,
		"a\r\n":                        false,
		"é\n":                          false,
		"a\x00\n":                      false,
	} {
		if got := literalSafe(text); got != want {
			t.Errorf("literalSafe(%q) = %v, want %v", text, got, want)
		}
	}
}

// A literal block's lines are the text's lines, each indented (blank ones
// left empty), under the "|" header.
func checkLiteral(t *testing.T, text string) {
	t.Helper()
	out := literal(text, "    ")
	body, ok := strings.CutPrefix(out, "|\n")
	if !ok {
		t.Fatalf("literal(%q) = %q: no header", text, out)
	}
	var back strings.Builder
	for _, line := range strings.SplitAfter(body, "\n") {
		if line == "" || line == "\n" {
			back.WriteString(line)
			continue
		}
		rest, ok := strings.CutPrefix(line, "    ")
		if !ok || rest == "\n" {
			t.Fatalf("literal(%q): line %q is not indented content", text, line)
		}
		back.WriteString(rest)
	}
	if back.String() != text {
		t.Fatalf("literal(%q) reads back as %q", text, back.String())
	}
}

func FuzzLiteral(f *testing.F) {
	for _, s := range []string{"a\n", "a\n\nb\n", "--- x\n  y\n\tz\n", "a\n\n\n\nb\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if literalSafe(text) {
			checkLiteral(t, text)
		}
	})
}
