// Package luapattern implements Lua 5.1's pattern matching (string.find,
// match, gmatch and gsub) for volley's script sandbox, with the same results
// and error messages as lstrlib.c but safe against hostile patterns: every
// operation spends a caller-given step budget and fails with ErrBudget when
// it runs out, and gsub never builds a result past a caller-given byte cap.
//
// Positions are 0-based byte offsets into the subject; the Lua binding adds
// 1 where Lua counts from 1. A budget is a pointer to the steps left, so a
// caller can share one budget between several operations; nil means
// DefaultSteps for this call alone. A step is one pattern item tried at one
// position, one byte scanned by a repetition or %b or compared by a
// back-reference; sets and templates cost one more per 8 bytes of their
// length. Plain searches (string.find with plain or no special bytes) and
// skipping positions where the first item cannot match are free: linear.
//
// Deliberate difference from Lua 5.1: recursion stops at 200 levels with
// "pattern too complex", as in LuaJIT and Lua 5.2+.
package luapattern

import "strings"

// Capture is one capture of a match: the text Subject[Start:End], or for a
// position capture "()" the number Start+1 (Start == End).
type Capture struct {
	Start, End int
	Position   bool
}

// specials are the bytes that make string.find use the matcher.
var specials = [256]bool{'^': true, '$': true, '*': true, '+': true, '?': true,
	'.': true, '(': true, '[': true, '%': true, '-': true}

// Find is string.find(s, pat, init, plain). On success s[start:end] is the
// match (Lua returns start+1 and end) and caps are the pattern's captures.
// init is Lua's argument: 1-based, negative counts from the end.
func Find(s, pat string, init int, plain bool, budget *int) (start, end int, caps []Capture, ok bool, err error) {
	i := startIndex(len(s), init)
	cpat := cPattern(pat)
	if !plain {
		plain = true
		for j := 0; j < len(cpat); j++ {
			if specials[cpat[j]] {
				plain = false
				break
			}
		}
	}
	if plain { // C Lua searches for the whole pattern, NULs included
		j := strings.Index(s[i:], pat)
		if j < 0 {
			return 0, 0, nil, false, nil
		}
		return i + j, i + j + len(pat), nil, true, nil
	}
	return find(s, cpat, i, budget)
}

// Match is string.match(s, pat, init): like Find without plain search. Lua
// returns the captures, or s[start:end] when the pattern has none.
func Match(s, pat string, init int, budget *int) (start, end int, caps []Capture, ok bool, err error) {
	return find(s, cPattern(pat), startIndex(len(s), init), budget)
}

func find(s, pat string, init int, budget *int) (start, end int, caps []Capture, ok bool, err error) {
	m := matcher{src: s, pat: pat, steps: stepsLeft(budget)}
	p, anchor := 0, len(pat) > 0 && pat[0] == '^'
	if anchor {
		p = 1
	}
	start, end = m.scan(init, p, anchor)
	setSteps(budget, m.steps)
	switch end {
	case aborted:
		return 0, 0, nil, false, m.err
	case noMatch:
		return 0, 0, nil, false, nil
	}
	if m.level > 0 {
		if caps, err = m.captures(make([]Capture, 0, m.level)); err != nil {
			return 0, 0, nil, false, err
		}
	}
	return start, end, caps, true, nil
}

// Gmatch is the state of one string.gmatch iterator.
type Gmatch struct {
	s, pat string
	pos    int
	caps   [MaxCaptures]Capture
}

// NewGmatch starts string.gmatch(s, pat). As in Lua 5.1, a leading '^'
// is an ordinary character here.
func NewGmatch(s, pat string) *Gmatch {
	return &Gmatch{s: s, pat: cPattern(pat)}
}

// Next finds the next match: s[start:end], with its captures. caps is valid
// until the next call. ok is false when there are no more matches.
func (g *Gmatch) Next(budget *int) (start, end int, caps []Capture, ok bool, err error) {
	if g.pos > len(g.s) {
		return 0, 0, nil, false, nil
	}
	m := matcher{src: g.s, pat: g.pat, steps: stepsLeft(budget)}
	start, end = m.scan(g.pos, 0, false)
	setSteps(budget, m.steps)
	switch end {
	case aborted:
		return 0, 0, nil, false, m.err
	case noMatch:
		g.pos = len(g.s) + 1
		return 0, 0, nil, false, nil
	}
	if caps, err = m.captures(g.caps[:0]); err != nil {
		return 0, 0, nil, false, err
	}
	g.pos = end
	if end == start { // an empty match: go at least one position on
		g.pos++
	}
	return start, end, caps, true, nil
}

// startIndex converts Lua's init argument to an index in [0, n].
func startIndex(n, init int) int {
	if init < 0 {
		init += n + 1
	}
	init--
	if init < 0 {
		return 0
	}
	return min(init, n)
}

func stepsLeft(budget *int) int {
	if budget == nil {
		return DefaultSteps
	}
	return *budget
}

func setSteps(budget *int, steps int) {
	if budget != nil {
		*budget = max(steps, 0)
	}
}

// scan tries the pattern from index p at subject positions s1, s1+1, ...,
// len(src) (only s1 when anchored) and returns the first match, or an end
// of noMatch or aborted.
func (m *matcher) scan(s1, p int, anchor bool) (start, end int) {
	ep, canSkip := m.firstItem(p)
	canSkip = canSkip && !anchor
	for {
		if canSkip {
			if s1 = m.skip(s1, p, ep); s1 < 0 {
				return 0, s1
			}
		}
		m.level = 0
		e := m.match(s1, p)
		if e != noMatch || anchor || s1 >= len(m.src) {
			if e != aborted && m.steps < 0 { // a set's cost, charged after the fact
				return 0, m.abort(ErrBudget)
			}
			return s1, e
		}
		s1++
	}
}

// firstItem reports whether every match must begin with a byte that the
// pattern's first item, pat[p:ep], matches. Then match would fail at once,
// without side effects, at positions where that item does not match.
func (m *matcher) firstItem(p int) (ep int, ok bool) {
	if p >= len(m.pat) {
		return 0, false
	}
	switch m.pat[p] {
	case '(', ')':
		return 0, false
	case '$':
		if p+1 == len(m.pat) {
			return 0, false
		}
	case '%':
		if c := m.pc(p + 1); c == 'b' || c == 'f' || isDigit(c) {
			return 0, false
		}
	}
	if ep = m.classEnd(p); ep < 0 { // match reports the error
		m.err = nil
		return 0, false
	}
	switch m.pc(ep) {
	case '?', '*', '-':
		return 0, false
	}
	return ep, true
}

// skip returns the first position from s where the first item pat[p:ep]
// matches, noMatch if there is none, or aborted.
func (m *matcher) skip(s, p, ep int) int {
	if c := m.pat[p]; ep == p+1 && c != '.' {
		if i := strings.IndexByte(m.src[s:], c); i >= 0 {
			return s + i
		}
		return noMatch
	}
	for ; s < len(m.src); s++ {
		if m.single(m.src[s], p, ep) {
			return s
		}
		if m.steps < 0 { // sets cost steps
			return m.abort(ErrBudget)
		}
	}
	return noMatch
}

// captures appends the captures of the last match to dst.
func (m *matcher) captures(dst []Capture) ([]Capture, error) {
	for _, c := range m.caps[:m.level] {
		switch c.len {
		case capUnfinished:
			return nil, errUnfinished
		case capPosition:
			dst = append(dst, Capture{Start: c.init, End: c.init, Position: true})
		default:
			dst = append(dst, Capture{Start: c.init, End: c.init + c.len})
		}
	}
	return dst, nil
}
