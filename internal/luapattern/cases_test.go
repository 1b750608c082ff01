package luapattern

import (
	"bufio"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// The expected results in testdata/*.txt come from real Lua 5.1:
// `go test -run TestCases -update` recomputes them with lua5.1 and
// testdata/oracle.lua (and regenerates testdata/random.txt).
var update = flag.Bool("update", false, "recompute testdata expectations with lua5.1")

// A case line is: op args... => expected. Strings are Go-quoted, "-" is an
// absent argument. Expected values are ints, quoted strings, nil,
// `error "msg"`, and "|" between gmatch iterations ("none" for none).
type testCase struct {
	line   int
	op     string
	args   []string // raw tokens
	prefix string   // the line up to "=>"
	want   string
}

func parseCases(t *testing.T, path string) []testCase {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cases []testCase
	for i, line := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		c := testCase{line: i + 1}
		rest := line
		for {
			rest = strings.TrimLeft(rest, " ")
			if rest == "" {
				break
			}
			var tok string
			if rest[0] == '"' {
				if tok, err = strconv.QuotedPrefix(rest); err != nil {
					t.Fatalf("%s:%d: %v", path, i+1, err)
				}
			} else {
				tok, _, _ = strings.Cut(rest, " ")
			}
			rest = rest[len(tok):]
			if tok == "=>" {
				c.want = strings.TrimSpace(rest)
				break
			}
			c.prefix = line[:len(line)-len(rest)]
			if c.op == "" {
				c.op = tok
			} else {
				c.args = append(c.args, tok)
			}
		}
		cases = append(cases, c)
	}
	return cases
}

func str(t *testing.T, tok string) string {
	s, err := strconv.Unquote(tok)
	if err != nil {
		t.Fatalf("bad string %s: %v", tok, err)
	}
	return s
}

func intArg(t *testing.T, tok string, def int) int {
	if tok == "-" || tok == "" {
		return def
	}
	n, err := strconv.Atoi(tok)
	if err != nil {
		t.Fatalf("bad integer %q", tok)
	}
	return n
}

func arg(args []string, i int) string {
	if i < len(args) {
		return args[i]
	}
	return "-"
}

// run executes a case with this package and formats the result as Lua
// would return it.
func run(t *testing.T, c testCase, budget *int) string {
	var w []string
	values := func(s string, caps []Capture) {
		for _, cp := range caps {
			if cp.Position {
				w = append(w, strconv.Itoa(cp.Start+1))
			} else {
				w = append(w, strconv.Quote(s[cp.Start:cp.End]))
			}
		}
	}
	fail := func(err error) string { return "error " + strconv.Quote(err.Error()) }
	s, pat := str(t, c.args[0]), str(t, c.args[1])
	switch c.op {
	case "find", "match":
		var start, end int
		var caps []Capture
		var ok bool
		var err error
		if c.op == "find" {
			start, end, caps, ok, err = Find(s, pat, intArg(t, arg(c.args, 2), 1), arg(c.args, 3) == "true", budget)
		} else {
			start, end, caps, ok, err = Match(s, pat, intArg(t, arg(c.args, 2), 1), budget)
		}
		switch {
		case err != nil:
			return fail(err)
		case !ok:
			return "nil"
		case c.op == "find":
			w = append(w, strconv.Itoa(start+1), strconv.Itoa(end))
		case len(caps) == 0:
			w = append(w, strconv.Quote(s[start:end]))
		}
		values(s, caps)
	case "gmatch":
		g := NewGmatch(s, pat)
		for k := 0; k < 64; k++ {
			start, end, caps, ok, err := g.Next(budget)
			if err != nil {
				return fail(err)
			}
			if !ok {
				break
			}
			if k > 0 {
				w = append(w, "|")
			}
			if len(caps) == 0 {
				w = append(w, strconv.Quote(s[start:end]))
			}
			values(s, caps)
		}
		if len(w) == 0 {
			return "none"
		}
	case "gsub", "gsubt", "gsubf":
		var out string
		var n int
		var err error
		maxN := len(s) + 1
		switch c.op {
		case "gsub":
			maxN = intArg(t, arg(c.args, 3), maxN)
			out, n, err = Gsub(s, pat, str(t, c.args[2]), maxN, 1<<20, budget)
		case "gsubt":
			out, n, err = GsubFunc(s, pat, tableRepl{}, intArg(t, arg(c.args, 2), maxN), 1<<20, budget)
		default:
			out, n, err = GsubFunc(s, pat, funcRepl{}, intArg(t, arg(c.args, 2), maxN), 1<<20, budget)
		}
		if err != nil {
			return fail(err)
		}
		w = append(w, strconv.Quote(out), strconv.Itoa(n))
	default:
		t.Fatalf("line %d: unknown operation %q", c.line, c.op)
	}
	return strings.Join(w, " ")
}

func TestCases(t *testing.T) {
	for _, file := range []string{"testdata/cases.txt", "testdata/random.txt", "testdata/fuzzcases.txt"} {
		if *update {
			if file == "testdata/random.txt" {
				writeRandomCases(t, file, 4000)
			}
			updateCases(t, file)
		}
		for _, c := range parseCases(t, file) {
			budget := 1 << 30
			if got := run(t, c, &budget); got != c.want {
				t.Errorf("%s:%d: %s %s\n got: %s\nwant: %s", file, c.line, c.op, strings.Join(c.args, " "), got, c.want)
			}
		}
	}
}

// updateCases rewrites the expectations of a case file with lua5.1's answers.
func updateCases(t *testing.T, path string) {
	lua, err := exec.LookPath("lua5.1")
	if err != nil {
		t.Fatal("-update needs lua5.1 (apt-get install lua5.1)")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	var input strings.Builder
	cases := parseCases(t, path)
	kept := cases[:0]
	for _, c := range cases {
		// Real Lua would backtrack for ages on what exceeds our budget.
		budget := 1_000_000
		if r := run(t, c, &budget); strings.Contains(r, ErrBudget.Error()) || strings.Contains(r, errTooComplex.Error()) {
			t.Logf("%s:%d: dropped: %s", path, c.line, r)
			lines[c.line-1] = "\x00" // dropped
			continue
		}
		kept = append(kept, c)
		input.WriteString(c.op)
		for _, a := range c.args {
			switch {
			case strings.HasPrefix(a, `"`):
				a = "x" + hex.EncodeToString([]byte(str(t, a)))
			case a == "true":
				a = "1"
			case a == "false":
				a = "0"
			}
			input.WriteString(" " + a)
		}
		input.WriteString("\n")
	}
	if len(kept) == 0 {
		return
	}
	cmd := exec.Command(lua, "testdata/oracle.lua")
	cmd.Stdin = strings.NewReader(input.String())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("lua5.1: %v", err)
	}
	results := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	if len(results) != len(kept) {
		t.Fatalf("lua5.1 gave %d results for %d cases", len(results), len(kept))
	}
	for i, r := range results {
		lines[kept[i].line-1] = kept[i].prefix + " => " + fromOracle(t, r, kept[i].op)
	}
	var text strings.Builder
	for _, l := range lines {
		if l != "\x00" {
			text.WriteString(l + "\n")
		}
	}
	if err := os.WriteFile(path, []byte(text.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func fromOracle(t *testing.T, r, op string) string {
	if r == "" && op == "gmatch" {
		return "none"
	}
	var w []string
	for _, tok := range strings.Fields(r) {
		switch tok[0] {
		case 'n':
			w = append(w, tok[1:])
			if tok == "nil" {
				w[len(w)-1] = "nil"
			}
		case 's', 'e':
			b, err := hex.DecodeString(tok[1:])
			if err != nil {
				t.Fatalf("oracle output %q: %v", tok, err)
			}
			if tok[0] == 'e' {
				w = append(w, "error")
			}
			w = append(w, strconv.Quote(string(b)))
		default:
			w = append(w, tok)
		}
	}
	return strings.Join(w, " ")
}

// tableRepl and funcRepl mirror T and F in testdata/oracle.lua.
type tableRepl struct{}

func (tableRepl) Replace(o *Occurrence) (string, bool, error) {
	c, err := o.Value(0)
	if err != nil {
		return "", false, err
	}
	if c.Position {
		switch c.Start + 1 {
		case 1:
			return "one", false, nil
		case 3:
			return "3", false, nil
		}
		return "", true, nil
	}
	switch o.Subject[c.Start:c.End] {
	case "a":
		return "A", false, nil
	case "hello":
		return "HI", false, nil
	case "tab":
		return "", false, InvalidReplacement("table")
	case "num":
		return "42", false, nil
	case "e":
		return "", false, nil
	}
	return "", true, nil // nil, or false for "x"
}

type funcRepl struct{}

func (funcRepl) Replace(o *Occurrence) (string, bool, error) {
	var parts []string
	var first string
	for i := 0; i < o.NumValues(); i++ {
		c, err := o.Value(i)
		if err != nil {
			return "", false, err
		}
		if c.Position {
			parts = append(parts, fmt.Sprintf("n%d", c.Start+1))
		} else {
			parts = append(parts, "s"+o.Subject[c.Start:c.End])
		}
		if i == 0 && !c.Position {
			first = o.Subject[c.Start:c.End]
		}
	}
	switch first {
	case "x", "y":
		return "", true, nil
	case "tab":
		return "", false, InvalidReplacement("table")
	case "num":
		return "42", false, nil
	case "t":
		return "", false, InvalidReplacement("boolean")
	}
	return "<" + strings.Join(parts, ",") + ">", false, nil
}

// writeRandomCases writes n pseudo-random cases (fixed seed) biased
// towards pattern syntax, for a differential check against lua5.1.
func writeRandomCases(t *testing.T, path string, n int) {
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	_, _ = fmt.Fprintln(w, "# Generated by `go test -run TestCases -update`: random cases checked against lua5.1.")
	r := newRand(1)
	for i := 0; i < n; i++ {
		s, p := r.subject(), r.pattern()
		switch k := r.intn(10); {
		case k < 3:
			init := "-"
			if r.intn(2) == 0 {
				init = strconv.Itoa(r.intn(len(s)+4) - len(s) - 2)
			}
			_, _ = fmt.Fprintf(w, "find %q %q %s %v\n", s, p, init, r.intn(8) == 0)
		case k < 5:
			_, _ = fmt.Fprintf(w, "match %q %q\n", s, p)
		case k < 7:
			_, _ = fmt.Fprintf(w, "gmatch %q %q\n", s, p)
		case k < 9:
			_, _ = fmt.Fprintf(w, "gsub %q %q %q -\n", s, p, r.template())
		default:
			op := []string{"gsubt", "gsubf"}[r.intn(2)]
			_, _ = fmt.Fprintf(w, "%s %q %q -\n", op, s, p)
		}
	}
	if err := w.Flush(); err != nil { // reports any error of the writes above
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
