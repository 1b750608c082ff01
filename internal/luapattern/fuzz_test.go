package luapattern

import (
	"errors"
	"testing"
)

const fuzzSteps = 20_000

// checkSpan fails unless 0 <= start <= end <= n and the budget is sane.
func checkSpan(t *testing.T, what string, start, end, n, budget int) {
	t.Helper()
	if start < 0 || start > end || end > n {
		t.Fatalf("%s: span [%d,%d) outside [0,%d]", what, start, end, n)
	}
	if budget < 0 || budget > fuzzSteps {
		t.Fatalf("%s: budget %d", what, budget)
	}
}

func checkCaps(t *testing.T, what string, caps []Capture, n int) {
	t.Helper()
	if len(caps) > MaxCaptures {
		t.Fatalf("%s: %d captures", what, len(caps))
	}
	for _, c := range caps {
		if c.Start < 0 || c.Start > c.End || c.End > n || (c.Position && c.Start != c.End) {
			t.Fatalf("%s: bad capture %+v for length %d", what, c, n)
		}
	}
}

func FuzzFind(f *testing.F) {
	f.Add("hello world", "o w", 1, false)
	f.Add("key=value", "(%w+)=(%w+)", -20, false)
	f.Fuzz(func(t *testing.T, s, pat string, init int, plain bool) {
		budget := fuzzSteps
		start, end, caps, ok, err := Find(s, pat, init, plain, &budget)
		if ok {
			checkSpan(t, "Find", start, end, len(s), budget)
			checkCaps(t, "Find", caps, len(s))
		}
		budget = fuzzSteps
		mstart, mend, caps, mok, merr := Match(s, pat, init, &budget)
		if mok {
			checkSpan(t, "Match", mstart, mend, len(s), budget)
			checkCaps(t, "Match", caps, len(s))
		}
		// Unless told to or the pattern has no special byte, Find matches as Match does.
		// Both return unwrapped sentinels, so the same failure is the same error value.
		if !plain && specialIn(cPattern(pat)) && (ok != mok || start != mstart || end != mend || err != merr) { //nolint:errorlint // identity of two results, not a test for one known error
			t.Fatalf("Find %v [%d,%d) %v but Match %v [%d,%d) %v", ok, start, end, err, mok, mstart, mend, merr)
		}
		budget = fuzzSteps
		g := NewGmatch(s, pat)
		last := -1
		for i := 0; i < 100; i++ {
			start, end, caps, ok, err := g.Next(&budget)
			if err != nil || !ok {
				break
			}
			checkSpan(t, "Gmatch", start, end, len(s), budget)
			checkCaps(t, "Gmatch", caps, len(s))
			if start <= last && start != end {
				t.Fatalf("Gmatch went back to %d after %d", start, last)
			}
			last = start
		}
	})
}

func specialIn(p string) bool {
	for i := 0; i < len(p); i++ {
		if specials[p[i]] {
			return true
		}
	}
	return false
}

func FuzzGsub(f *testing.F) {
	f.Add("hello world", "o", "0", 10)
	f.Add("abc", "", "%0-", 100)
	f.Fuzz(func(t *testing.T, s, pat, repl string, maxN int) {
		const maxBytes = 4096
		budget := fuzzSteps
		out, n, err := Gsub(s, pat, repl, maxN, maxBytes, &budget)
		if budget < 0 {
			t.Fatalf("budget %d", budget)
		}
		switch {
		case err != nil:
			if errors.Is(err, ErrBudget) && budget != 0 {
				t.Fatalf("ErrBudget with %d steps left", budget)
			}
		case n == 0:
			if out != s {
				t.Fatalf("no substitution but %q != %q", out, s)
			}
		case n < 0 || n > maxN || n > len(s)+1:
			t.Fatalf("%d substitutions, max %d", n, maxN)
		case len(out) > maxBytes:
			t.Fatalf("result of %d bytes, cap %d", len(out), maxBytes)
		}
		budget = fuzzSteps
		out, n, err = GsubFunc(s, pat, funcRepl{}, maxN, maxBytes, &budget)
		if err == nil && n > 0 && len(out) > maxBytes {
			t.Fatalf("GsubFunc: result of %d bytes, cap %d", len(out), maxBytes)
		}
	})
}
