package luapattern

import (
	"strconv"
	"strings"
	"unsafe"
)

// Replacer supplies Gsub's replacement when Lua's argument is a table or a
// function (a string or number argument is a template: use Gsub).
type Replacer interface {
	// Replace returns the replacement for o, or keep=true to leave the
	// matched text as it is (the function or table gave nil or false).
	Replace(o *Occurrence) (repl string, keep bool, err error)
}

// Occurrence is one match handed to a Replacer: Subject[Start:End] and the
// captures of the pattern, read with Value.
type Occurrence struct {
	Subject    string
	Start, End int
	caps       []capture
}

// NumValues is how many values Lua passes to a replacement function: one
// per capture, or the whole match when the pattern has no captures.
func (o *Occurrence) NumValues() int { return max(len(o.caps), 1) }

// Value returns value i (0-based) of NumValues; Value(0) is also the key
// a replacement table is indexed with. The error is Lua's "unfinished
// capture" for a capture the pattern never closed.
func (o *Occurrence) Value(i int) (Capture, error) {
	return value(o.caps, i, o.Start, o.End)
}

// value is lstrlib.c's push_onecapture: capture i, or the whole match
// s[start:end] when asked for the first capture of a pattern without any.
func value(caps []capture, i, start, end int) (Capture, error) {
	if i >= len(caps) {
		if i == 0 {
			return Capture{Start: start, End: end}, nil
		}
		return Capture{}, errCaptureIndex
	}
	switch c := caps[i]; c.len {
	case capUnfinished:
		return Capture{}, errUnfinished
	case capPosition:
		return Capture{Start: c.init, End: c.init, Position: true}, nil
	default:
		return Capture{Start: c.init, End: c.init + c.len}, nil
	}
}

// Gsub is string.gsub(s, pat, repl, maxN) with a string repl, where %0-%9
// stand for the whole match and the captures and % quotes any other byte.
// maxN is Lua's fourth argument (default len(s)+1). It returns the new
// string and the number of substitutions, or ErrTooLarge if the result would
// be longer than maxBytes (without substitutions the result is s itself).
// The result is built in one buffer that grows geometrically up to maxBytes.
func Gsub(s, pat, repl string, maxN, maxBytes int, budget *int) (string, int, error) {
	return gsub(s, pat, repl, nil, maxN, maxBytes, budget)
}

// GsubFunc is string.gsub with a table or function repl, implemented by r.
// Between calls to r the budget is written back, so r may spend it too.
func GsubFunc(s, pat string, r Replacer, maxN, maxBytes int, budget *int) (string, int, error) {
	return gsub(s, pat, "", r, maxN, maxBytes, budget)
}

func gsub(s, pat, tmpl string, r Replacer, maxN, maxBytes int, budget *int) (string, int, error) {
	m := matcher{src: s, pat: cPattern(pat), steps: stepsLeft(budget)}
	p, anchor := 0, len(m.pat) > 0 && m.pat[0] == '^'
	if anchor {
		p = 1
	}
	ep, canSkip := m.firstItem(p)
	canSkip = canSkip && !anchor
	out := buffer{max: max(maxBytes, 0), hint: len(s)}
	rp := replacement{tmpl: tmpl, r: r}
	src, copied, n := 0, 0, 0 // s[:copied] is in out, or is the same in the result
	for n < maxN {
		if canSkip {
			next := m.skip(src, p, ep)
			if next == noMatch {
				break
			} else if next == aborted {
				setSteps(budget, m.steps)
				return "", 0, m.err
			}
			src = next
		}
		m.level = 0
		e := m.match(src, p)
		if e == aborted {
			setSteps(budget, m.steps)
			return "", 0, m.err
		}
		if e != noMatch {
			n++
			err := out.add(s[copied:src])
			if err == nil {
				err = rp.add(&m, &out, src, e, budget)
			}
			if err != nil {
				setSteps(budget, m.steps)
				return "", 0, err
			}
			copied = e
		}
		if e > src {
			src = e
		} else if src < len(s) {
			src++
		} else {
			break
		}
		if anchor {
			break
		}
	}
	setSteps(budget, m.steps)
	if m.steps < 0 { // a set's cost, charged after the fact
		return "", 0, ErrBudget
	}
	if n == 0 {
		return s, 0, nil
	}
	if err := out.add(s[copied:]); err != nil {
		return "", 0, err
	}
	return out.String(), n, nil
}

// replacement is gsub's third argument: the template tmpl, or r if not nil.
type replacement struct {
	tmpl string
	r    Replacer
	occ  *Occurrence // handed to r, reused
}

// add appends the replacement for the match m.src[start:end]; r may
// spend the budget too.
func (rp *replacement) add(m *matcher, out *buffer, start, end int, budget *int) error {
	if rp.r == nil {
		// Charge the template's length: its expansion may be empty.
		if !m.charge(len(rp.tmpl) >> 3) {
			return m.err
		}
		return m.expand(out, rp.tmpl, start, end)
	}
	if rp.occ == nil {
		rp.occ = &Occurrence{Subject: m.src}
	}
	o := rp.occ
	o.Start, o.End = start, end
	o.caps = append(o.caps[:0], m.caps[:m.level]...)
	setSteps(budget, m.steps)
	repl, keep, err := rp.r.Replace(o)
	if budget != nil {
		m.steps = *budget
	}
	switch {
	case err != nil:
		return err
	case keep:
		return out.add(m.src[start:end])
	}
	return out.add(repl)
}

// expand appends the template tmpl for the match src[start:end].
func (m *matcher) expand(out *buffer, tmpl string, start, end int) error {
	for {
		i := strings.IndexByte(tmpl, '%')
		if i < 0 {
			return out.add(tmpl)
		}
		if err := out.add(tmpl[:i]); err != nil {
			return err
		}
		// A '%' at the end quotes the NUL that ends a C string.
		var d byte
		if i+1 < len(tmpl) {
			d = tmpl[i+1]
			tmpl = tmpl[i+2:]
		} else {
			tmpl = ""
		}
		var err error
		switch {
		case !isDigit(d):
			err = out.addBytes([]byte{d})
		case d == '0':
			err = out.add(m.src[start:end])
		default:
			var c Capture
			if c, err = value(m.caps[:m.level], int(d-'1'), start, end); err != nil {
				return err
			}
			if c.Position {
				var num [20]byte
				err = out.addBytes(strconv.AppendInt(num[:0], int64(c.Start+1), 10))
			} else {
				err = out.add(m.src[c.Start:c.End])
			}
		}
		if err != nil {
			return err
		}
		if tmpl == "" {
			return nil
		}
	}
}

// buffer is gsub's result: one byte slice that grows geometrically but
// never past max bytes, so gsub is linear and its memory is capped.
type buffer struct {
	b    []byte
	max  int
	hint int // the first allocation: results are usually about as long as the subject
}

func (b *buffer) grow(n int) error {
	if n > b.max-len(b.b) {
		return ErrTooLarge
	}
	if len(b.b)+n > cap(b.b) {
		nb := make([]byte, len(b.b), min(max(2*cap(b.b), len(b.b)+n, b.hint), b.max))
		copy(nb, b.b)
		b.b = nb
	}
	return nil
}

func (b *buffer) add(s string) error {
	if err := b.grow(len(s)); err != nil {
		return err
	}
	b.b = append(b.b, s...)
	return nil
}

func (b *buffer) addBytes(s []byte) error {
	if err := b.grow(len(s)); err != nil {
		return err
	}
	b.b = append(b.b, s...)
	return nil
}

// String returns the result without copying it (as strings.Builder does):
// the buffer is never written again.
func (b *buffer) String() string {
	//nolint:gosec // G103: gsub calls String once, on its local buffer, as it returns; b.b is never written after.
	return unsafe.String(unsafe.SliceData(b.b), len(b.b))
}
