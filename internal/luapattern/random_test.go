package luapattern

import (
	"math/rand/v2"
	"strings"
)

// caseRand generates small subjects, patterns and templates that exercise
// every pattern feature, malformed ones included.
type caseRand struct{ r *rand.Rand }

func newRand(seed uint64) caseRand { return caseRand{rand.New(rand.NewPCG(seed, 0x9e3779b9))} }

func (r caseRand) intn(n int) int { return r.r.IntN(n) }

func (r caseRand) pick(options []string) string { return options[r.intn(len(options))] }

func (r caseRand) subject() string {
	bytes := "aaabbbxy()[]12 \t\x00\xff-%_.A"
	if r.intn(2) == 0 {
		bytes = "aaabb() 1"
	}
	var b strings.Builder
	for n := r.intn(14); n > 0; n-- {
		b.WriteByte(bytes[r.intn(len(bytes))])
	}
	return b.String()
}

var (
	items = []string{"a", "b", "x", " ", "1", "(", ")", "()", ".", "%a", "%d", "%s", "%w",
		"%p", "%x", "%u", "%l", "%c", "%z", "%A", "%S", "%W", "%D", "%.", "%%", "%(", "%-",
		"[ab]", "[^a]", "[a-c]", "[%d_]", "[]]", "[^]a]", "[a-]", "[%a-z]", "[%]]", "[-a]",
		"[^%s]", "[\x00-\x1f]", "%b()", "%bab", "%b[]", "%f[%w]", "%f[%W]", "%f[a]", "%f[%z]",
		"(a", "b)", "(%a+)", "(.-)", "(b*)", "()", "ab", "ba"}
	rare      = []string{"%1", "%1", "%2", "%0", "^", "$", "-", "*", "+", "?"}
	malformed = []string{"%", "[", "[^", "[a", "%f", "%fa", "%b", "%ba", ")", "(", "%9"}
	quants    = []string{"", "", "", "*", "+", "-", "?"}
	templates = []string{"%0", "%1", "%2", "%%", "x", "", "<", ">", "%a", "-", "%3", "%9"}
)

func (r caseRand) pattern() string {
	var b strings.Builder
	if r.intn(4) == 0 {
		b.WriteByte('^')
	}
	for n := r.intn(6); n > 0; n-- {
		it := r.pick(items)
		if r.intn(10) == 0 {
			it = r.pick(rare)
		}
		b.WriteString(it)
		if len(it) == 1 || it[0] == '[' || (it[0] == '%' && it[1] != 'b' && it[1] != 'f') {
			b.WriteString(r.pick(quants))
		}
	}
	if r.intn(5) == 0 {
		b.WriteByte('$')
	}
	if r.intn(12) == 0 {
		b.WriteString(r.pick(malformed))
	}
	return b.String()
}

func (r caseRand) template() string {
	var b strings.Builder
	for n := r.intn(4); n > 0; n-- {
		b.WriteString(r.pick(templates))
	}
	if r.intn(10) == 0 {
		b.WriteByte('%')
	}
	return b.String()
}
