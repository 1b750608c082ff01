package luapattern

import (
	"errors"
	"strings"
	"testing"
)

// Patterns whose backtracking is exponential or polynomial in the subject
// length must stop with ErrBudget once the budget is spent, and succeed on a
// subject small enough for the same budget.
func TestBudgetAdversarial(t *testing.T) {
	a30 := strings.Repeat("a", 30)
	tests := []struct {
		name, small, big, pat string
	}{
		{"lazy chain", "aab", a30, strings.Repeat("a-", 20) + "b"},
		{"greedy chain", "aab", a30, strings.Repeat("a*", 20) + "b"},
		{"any lazy chain", "ax", strings.Repeat("y", 400), ".-.-.-.-x"},
		{"optional chain", "aab", a30, strings.Repeat("a?", 30) + strings.Repeat("a", 30) + "b"},
		{"balance", "(())", strings.Repeat("(", 3000), "%b()"},
		{"frontier", "a b", strings.Repeat("a ", 500), "%f[%w].-.-%f[%w]x"},
		{"backreference", "abab", strings.Repeat("ab", 2000), "(.+)%1$"},
		{"captures", "aab", a30, "(a*)(a*)(a*)(a*)(a*)b"},
		// Long sets cost in proportion to their length.
		{"long set", "ba", strings.Repeat("b", 100_000), "[" + strings.Repeat("a", 100_000) + "]"},
		{"long set repeated", "ba", strings.Repeat("b", 100_000), "[^" + strings.Repeat("a", 100_000) + "]*a"},
		{"long frontier", "ba", strings.Repeat("b", 100_000), "%f[" + strings.Repeat("a", 100_000) + "]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			budget := 1_000_000
			if _, _, _, _, err := Find(tt.small, tt.pat, 1, false, &budget); err != nil {
				t.Fatalf("small subject: %v", err)
			}
			budget = 1_000_000
			_, _, _, _, err := Find(tt.big, tt.pat, 1, false, &budget)
			if !errors.Is(err, ErrBudget) || budget != 0 {
				t.Fatalf("Find: err %v, budget left %d; want ErrBudget and 0", err, budget)
			}
			budget = 1_000_000
			if _, _, err := Gsub(tt.big, tt.pat, "x", len(tt.big)+1, 1<<20, &budget); !errors.Is(err, ErrBudget) {
				t.Fatalf("Gsub: err %v; want ErrBudget", err)
			}
			budget = 1_000_000
			if _, _, _, _, err := NewGmatch(tt.big, tt.pat).Next(&budget); !errors.Is(err, ErrBudget) {
				t.Fatalf("Gmatch: err %v; want ErrBudget", err)
			}
		})
	}
}

// A long template that expands to nothing still costs steps.
func TestBudgetTemplate(t *testing.T) {
	s, tmpl := strings.Repeat("a", 100_000), strings.Repeat("%1", 100_000)
	budget := 1_000_000
	if _, _, err := Gsub(s, "(b?)", tmpl, len(s)+1, len(s), &budget); !errors.Is(err, ErrBudget) {
		t.Fatalf("err %v, want ErrBudget", err)
	}
	budget = 1_000_000
	if out, n, err := Gsub("aaa", "(b?)", tmpl, 4, 3, &budget); out != "aaa" || n != 4 || err != nil {
		t.Fatalf("got %q %d %v", out, n, err)
	}
}

// Every call charges exactly the steps it reports: with that many it gets
// the same answer, with one fewer it runs out.
func TestBudgetExact(t *testing.T) {
	for _, c := range parseCases(t, "testdata/random.txt") {
		if c.op == "gsubt" || c.op == "gsubf" {
			continue
		}
		budget := 1 << 30
		want := run(t, c, &budget)
		used := 1<<30 - budget
		if used == 0 {
			continue
		}
		budget = used
		if got := run(t, c, &budget); got != want || budget != 0 {
			t.Fatalf("line %d with %d steps: %s (left %d), want %s", c.line, used, got, budget, want)
		}
		budget = used - 1
		if got := run(t, c, &budget); got != "error "+`"`+ErrBudget.Error()+`"` {
			t.Fatalf("line %d with %d steps: %s, want ErrBudget", c.line, used-1, got)
		}
	}
}

// Scanning a subject costs steps in proportion to its length.
func TestBudgetLinear(t *testing.T) {
	s := strings.Repeat("hello world, ", 100_000) // 1.3 MB
	for _, tt := range []struct {
		pat string
		max int // steps per subject byte
	}{{"o", 1}, {"%s+", 3}, {"[%w]+", 3}, {"(%w+) (%w+)", 5}, {"%f[%w]%w+", 4}} {
		budget := 1 << 30
		out, n, err := Gsub(s, tt.pat, "%0", len(s)+1, len(s), &budget)
		if err != nil || out != s || n == 0 {
			t.Fatalf("%q: n=%d err=%v", tt.pat, n, err)
		}
		if used := 1<<30 - budget; used > tt.max*len(s) {
			t.Errorf("%q: %d steps for %d bytes", tt.pat, used, len(s))
		}
	}
	budget := 0 // a plain search spends nothing
	if _, _, _, ok, err := Find(s, "world!", 1, false, &budget); ok || err != nil {
		t.Fatalf("plain find: ok=%v err=%v", ok, err)
	}
}

func TestNilBudget(t *testing.T) {
	if start, end, _, ok, err := Find("abc", "b+", 1, false, nil); !ok || err != nil || start != 1 || end != 2 {
		t.Fatalf("got %d %d %v %v", start, end, ok, err)
	}
	if _, _, _, _, err := Find(strings.Repeat("a", 40), strings.Repeat("a-", 30)+"b", 1, false, nil); !errors.Is(err, ErrBudget) {
		t.Fatalf("err %v, want ErrBudget", err)
	}
}

// Lua 5.1 recurses without limit; like LuaJIT and Lua 5.2+, we stop at 200.
func TestDepth(t *testing.T) {
	s := strings.Repeat("a", 300)
	if _, end, _, ok, err := Find(s, strings.Repeat("a?", 150), 1, false, nil); !ok || err != nil || end != 150 {
		t.Fatalf("150 levels: end=%d ok=%v err=%v", end, ok, err)
	}
	if _, _, _, _, err := Find(s, strings.Repeat("a?", 250), 1, false, nil); err == nil || err.Error() != "pattern too complex" {
		t.Fatalf("250 levels: err %v", err)
	}
}

func TestTooLarge(t *testing.T) {
	s := strings.Repeat("x", 1000)
	tests := []struct {
		pat, repl string
		max       int
		ok        bool
	}{
		{"x", "yy", 2000, true},
		{"x", "yy", 1999, false},
		{".", "%0%0%0%0", 4000, true},
		{".", "%0%0%0%0", 3999, false},
		{"", "-", 2001, true},
		{"", "-", 2000, false},
		{"^x", strings.Repeat("%0", 5000), 5999, true},
		{"^x", strings.Repeat("%0", 5000), 5998, false},
		{"(x)()", "%1%2", 2000, false},
		{"z", "yy", 10, true}, // no substitution: the subject itself
	}
	for _, tt := range tests {
		out, _, err := Gsub(s, tt.pat, tt.repl, len(s)+1, tt.max, nil)
		if tt.ok && (err != nil || len(out) > max(tt.max, len(s))) {
			t.Errorf("Gsub(%q, %.20q, max %d): len %d, %v", tt.pat, tt.repl, tt.max, len(out), err)
		}
		if !tt.ok && !errors.Is(err, ErrTooLarge) {
			t.Errorf("Gsub(%q, %.20q, max %d): %v, want ErrTooLarge", tt.pat, tt.repl, tt.max, err)
		}
	}
	big := strings.Repeat("y", 1<<20)
	if _, _, err := GsubFunc(s, "x", constRepl(big), len(s)+1, 1<<24, nil); !errors.Is(err, ErrTooLarge) {
		t.Errorf("GsubFunc: %v, want ErrTooLarge", err)
	}
}

type constRepl string

func (c constRepl) Replace(*Occurrence) (string, bool, error) { return string(c), false, nil }

// A Replacer may spend the same budget; Gsub sees what it spent.
func TestReplacerSharesBudget(t *testing.T) {
	budget := 1000
	r := spendRepl{&budget}
	_, _, err := GsubFunc(strings.Repeat("ab", 100), "a", r, 1000, 1<<20, &budget)
	if !errors.Is(err, ErrBudget) || budget != 0 {
		t.Fatalf("err %v, budget %d", err, budget)
	}
}

type spendRepl struct{ budget *int }

func (r spendRepl) Replace(*Occurrence) (string, bool, error) {
	*r.budget -= 100
	return "", true, nil
}

func TestGmatchDone(t *testing.T) {
	g := NewGmatch("a1b2", "%d")
	var got []string
	for {
		start, end, _, ok, err := g.Next(nil)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		got = append(got, "a1b2"[start:end])
	}
	if strings.Join(got, ",") != "1,2" {
		t.Fatalf("got %v", got)
	}
	if _, _, _, ok, _ := g.Next(nil); ok {
		t.Fatal("match after the end")
	}
}

func TestAllocs(t *testing.T) {
	budget := 0
	var errFind, errMatch, errGsub error
	allocs := testing.AllocsPerRun(100, func() {
		budget = 1000
		_, _, _, _, errFind = Find("text/html; charset=utf-8", "charset=[%w-]+$", 1, false, &budget)
		_, _, _, _, errMatch = Match("  x-request-id  ", "^%s*.-%s*$", 1, &budget)
		_, _, errGsub = Gsub("no spaces here", "%s%s", " ", 100, 100, &budget)
	})
	if err := errors.Join(errFind, errMatch, errGsub); err != nil {
		t.Fatal(err)
	}
	if allocs != 0 {
		t.Fatalf("%v allocations, want 0", allocs)
	}
	g := NewGmatch("a=1, b=2, c=3", "(%w+)=(%w+)")
	allocs = testing.AllocsPerRun(1, func() {
		for {
			if _, _, _, ok, _ := g.Next(&budget); !ok {
				break
			}
		}
	})
	if allocs != 0 {
		t.Fatalf("gmatch: %v allocations, want 0", allocs)
	}
}
