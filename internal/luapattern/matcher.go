package luapattern

import "strings"

// MaxCaptures is the number of captures one pattern may hold (LUA_MAXCAPTURES).
const MaxCaptures = 32

// DefaultSteps is the suggested step budget for one call from a script.
const DefaultSteps = 10_000_000

// maxDepth bounds the matcher's recursion (see errTooComplex).
const maxDepth = 200

// Special capture lengths, as in lstrlib.c.
const (
	capUnfinished = -1
	capPosition   = -2
)

// Results of match and its helpers besides a subject position.
const (
	noMatch = -1
	aborted = -2 // m.err says why; unwinds every caller at once
)

type capture struct{ init, len int }

// matcher is a backtracking matcher with Lua 5.1's semantics that charges
// one step for every pattern item tried, every byte a repetition or %b
// scans and every byte a back-reference compares, plus one for every 8
// bytes of a set each time it is scanned.
type matcher struct {
	src   string
	pat   string // cut at the first NUL, which ends a pattern in C Lua
	level int    // number of captures, finished or not
	depth int
	steps int // remaining
	err   error
	caps  [MaxCaptures]capture
}

// cPattern is pat as C Lua's matcher sees it: a NUL ends the pattern.
func cPattern(pat string) string {
	if i := strings.IndexByte(pat, 0); i >= 0 {
		return pat[:i]
	}
	return pat
}

func (m *matcher) abort(err error) int {
	m.err = err
	return aborted
}

// charge spends n steps and reports whether the budget allowed it.
func (m *matcher) charge(n int) bool {
	m.steps -= n
	if m.steps < 0 {
		m.err = ErrBudget
		return false
	}
	return true
}

// pc is the pattern byte at i, or 0 past its end (C's terminator).
func (m *matcher) pc(i int) byte {
	if i < len(m.pat) {
		return m.pat[i]
	}
	return 0
}

// classEnd returns the index just past the single-character class at p.
func (m *matcher) classEnd(p int) int {
	c := m.pat[p]
	p++
	switch c {
	case '%':
		if p >= len(m.pat) {
			return m.abort(errEndsWithPercent)
		}
		return p + 1
	case '[':
		if m.pc(p) == '^' {
			p++
		}
		for { // the first byte is never the closing ']'
			if p >= len(m.pat) {
				return m.abort(errMissingBracket)
			}
			c := m.pat[p]
			p++
			if c == '%' && p < len(m.pat) {
				p++ // skip escapes such as %]
			}
			if m.pc(p) == ']' {
				return p + 1
			}
		}
	}
	return p
}

// matchBracket reports whether c is in the set that starts with '[' at p
// and ends with the ']' at ec.
func (m *matcher) matchBracket(c byte, p, ec int) bool {
	pat := m.pat
	sig := true
	if pat[p+1] == '^' {
		sig = false
		p++
	}
	for p++; p < ec; p++ {
		switch {
		case pat[p] == '%':
			p++
			if matchClass(c, pat[p]) {
				return sig
			}
		case pat[p+1] == '-' && p+2 < ec:
			p += 2
			if pat[p-2] <= c && c <= pat[p] {
				return sig
			}
		case pat[p] == c:
			return sig
		}
	}
	return !sig
}

// single reports whether c matches the class at p, which ends before ep.
// A set costs steps in proportion to its length (a script can build a set
// of a million bytes); callers notice an overdrawn budget at their next
// charge.
func (m *matcher) single(c byte, p, ep int) bool {
	switch m.pat[p] {
	case '.':
		return true
	case '%':
		return matchClass(c, m.pat[p+1])
	case '[':
		m.steps -= setCost(p, ep)
		return m.matchBracket(c, p, ep-1)
	}
	return m.pat[p] == c
}

// setCost is the extra steps for scanning the set pat[p:ep] once.
func setCost(p, ep int) int { return (ep - p) >> 3 }

// match matches the pattern from p against the subject from s and returns
// the end of the match, noMatch or aborted.
func (m *matcher) match(s, p int) int {
	if m.depth++; m.depth > maxDepth {
		return m.abort(errTooComplex)
	}
	r := m.doMatch(s, p)
	m.depth--
	return r
}

func (m *matcher) doMatch(s, p int) int {
	src, pat := m.src, m.pat
	for {
		if !m.charge(1) {
			return aborted
		}
		if p == len(pat) {
			return s
		}
		switch pat[p] {
		case '(':
			if m.pc(p+1) == ')' {
				return m.startCapture(s, p+2, capPosition)
			}
			return m.startCapture(s, p+1, capUnfinished)
		case ')':
			return m.endCapture(s, p+1)
		case '$':
			if p+1 == len(pat) {
				if s == len(src) {
					return s
				}
				return noMatch
			}
		case '%':
			switch c := m.pc(p + 1); {
			case c == 'b':
				if s = m.matchBalance(s, p+2); s < 0 {
					return s
				}
				p += 4
				continue
			case c == 'f':
				if p = m.frontier(s, p+2); p < 0 {
					return p
				}
				continue
			case isDigit(c):
				if s = m.matchBackref(s, c); s < 0 {
					return s
				}
				p += 2
				continue
			}
		}
		ep := m.classEnd(p)
		if ep < 0 {
			return ep
		}
		if pat[p] == '[' && !m.charge(setCost(p, ep)) {
			return aborted
		}
		ok := s < len(src) && m.single(src[s], p, ep)
		switch m.pc(ep) {
		case '?':
			if ok {
				if r := m.match(s+1, ep+1); r != noMatch {
					return r
				}
			}
			p = ep + 1
		case '*':
			return m.maxExpand(s, p, ep)
		case '+':
			if !ok {
				return noMatch
			}
			return m.maxExpand(s+1, p, ep)
		case '-':
			return m.minExpand(s, p, ep)
		default:
			if !ok {
				return noMatch
			}
			s++
			p = ep
		}
	}
}

// maxExpand matches the class at p as often as possible, then backs off
// one repetition at a time until the rest of the pattern matches.
func (m *matcher) maxExpand(s, p, ep int) int {
	i := 0
	for s+i < len(m.src) && m.single(m.src[s+i], p, ep) {
		i++
		if !m.charge(1) {
			return aborted
		}
	}
	for ; i >= 0; i-- {
		if r := m.match(s+i, ep+1); r != noMatch {
			return r
		}
	}
	return noMatch
}

// minExpand tries the rest of the pattern first and adds one repetition of
// the class at p each time it fails.
func (m *matcher) minExpand(s, p, ep int) int {
	for {
		if r := m.match(s, ep+1); r != noMatch {
			return r
		}
		if s < len(m.src) && m.single(m.src[s], p, ep) {
			s++
		} else {
			return noMatch
		}
	}
}

func (m *matcher) startCapture(s, p, what int) int {
	if m.level >= MaxCaptures {
		return m.abort(errTooManyCaptures)
	}
	m.caps[m.level] = capture{s, what}
	m.level++
	r := m.match(s, p)
	if r == noMatch {
		m.level--
	}
	return r
}

func (m *matcher) endCapture(s, p int) int {
	l := m.level - 1
	for l >= 0 && m.caps[l].len != capUnfinished {
		l--
	}
	if l < 0 {
		return m.abort(errPatternCapture)
	}
	m.caps[l].len = s - m.caps[l].init
	r := m.match(s, p)
	if r == noMatch {
		m.caps[l].len = capUnfinished
	}
	return r
}

// matchBalance matches %bxy, with x and y at p and p+1.
func (m *matcher) matchBalance(s, p int) int {
	if p+1 >= len(m.pat) {
		return m.abort(errUnbalanced)
	}
	src := m.src
	if s >= len(src) || src[s] != m.pat[p] {
		return noMatch
	}
	b, e := m.pat[p], m.pat[p+1]
	start, cont := s, 1
	for s++; s < len(src); s++ {
		if src[s] == e {
			if cont--; cont == 0 {
				if !m.charge(s - start) {
					return aborted
				}
				return s + 1
			}
		} else if src[s] == b {
			cont++
		}
	}
	if !m.charge(s - start) {
		return aborted
	}
	return noMatch
}

// frontier matches %f[set] (the set starts at p) without consuming input:
// the byte before s (NUL at the start) is not in the set and the one at s
// (NUL at the end) is. It returns the pattern index after the set.
func (m *matcher) frontier(s, p int) int {
	if m.pc(p) != '[' {
		return m.abort(errFrontier)
	}
	ep := m.classEnd(p)
	if ep < 0 {
		return ep
	}
	if !m.charge(3 * setCost(p, ep)) { // classEnd and two scans
		return aborted
	}
	var prev, cur byte
	if s > 0 {
		prev = m.src[s-1]
	}
	if s < len(m.src) {
		cur = m.src[s]
	}
	if m.matchBracket(prev, p, ep-1) || !m.matchBracket(cur, p, ep-1) {
		return noMatch
	}
	return ep
}

// matchBackref matches %1-%9 (digit d) against the text of that capture.
func (m *matcher) matchBackref(s int, d byte) int {
	l := int(d) - '1'
	if l < 0 || l >= m.level || m.caps[l].len == capUnfinished {
		return m.abort(errCaptureIndex)
	}
	c := m.caps[l]
	if c.len == capPosition { // C compares against (size_t)-2: never matches
		return noMatch
	}
	if !m.charge(c.len) {
		return aborted
	}
	if len(m.src)-s >= c.len && m.src[s:s+c.len] == m.src[c.init:c.init+c.len] {
		return s + c.len
	}
	return noMatch
}
