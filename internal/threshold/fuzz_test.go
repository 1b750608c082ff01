package threshold

import (
	"errors"
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse checks the parser's contract on any input: an accepted
// expression is canonical (it parses again to the same Expr, also with
// spaces around its parts) and holds a finite, non-negative value; a
// rejected one gets a one-line, printable *SyntaxError whose column lies
// within the input.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"p99<50ms", "errors<0.1%", "rps>=1k", "p99.9 <= 1.5s", "p99<5xs", "mean!=2µs", "non2xx<5%x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q): %T %v", s, err, err)
			}
			if se.Column < 0 || se.Column > len(s)+1 {
				t.Fatalf("Parse(%q): column %d outside the input", s, se.Column)
			}
			msg := err.Error()
			if !utf8.ValidString(msg) || len(msg) > 400 {
				t.Fatalf("Parse(%q): error %q", s, msg)
			}
			for _, r := range msg {
				if r < ' ' || r == 0x7f || r >= 0x80 && r <= 0x9f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
					t.Fatalf("Parse(%q): error %q holds %U", s, msg, r)
				}
			}
			return
		}
		if math.IsNaN(e.Value) || math.IsInf(e.Value, 0) || e.Value < 0 || e.Percent && e.Value > 100 ||
			e.Percentile < 0 || e.Percentile > 100 {
			t.Fatalf("Parse(%q) = %+v", s, e)
		}
		if e.Text != strings.Trim(s, " ") {
			t.Fatalf("Parse(%q): text %q", s, e.Text)
		}
		again, err := Parse(e.Text)
		if err != nil || again != e {
			t.Fatalf("Parse(%q) = %+v, then %+v, %v", s, e, again, err)
		}
		spaced := e.Metric + " " + e.Op.String() + " " + e.Text[strings.LastIndex(e.Text, e.Op.String())+len(e.Op.String()):]
		if sp, err := Parse(spaced); err != nil || sp.Value != e.Value || sp.Op != e.Op || sp.Metric != e.Metric {
			t.Fatalf("Parse(%q) = %+v, %v; want it as %q", spaced, sp, err, s)
		}
	})
}
