// Package threshold parses and evaluates --fail-on expressions: a metric of
// a run, a comparison and a value, such as "p99<50ms", "errors<0.1%" or
// "rps>=1k". A run whose expressions do not all hold exits with code 3.
package threshold

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kind is what a metric measures, which decides the units its value takes.
type Kind uint8

const (
	Time  Kind = iota // latency in µs; the value needs a time unit (us, ms, s, m)
	Count             // a count; the value may be a count (k, M, G allowed) or a percentage
	Rate              // requests per second; k, M, G allowed
	Plain             // a count that has no percentage (requests)
)

// Op is a comparison.
type Op uint8

const (
	Less Op = iota
	LessEq
	Greater
	GreaterEq
	Equal
	NotEqual
)

var opText = [...]string{"<", "<=", ">", ">=", "==", "!="}

func (o Op) String() string { return opText[o] }

// Expr is one parsed expression.
type Expr struct {
	Text       string  // as given, without surrounding spaces
	Metric     string  // "p99", "p99.9", "mean", "errors", …
	Percentile float64 // for "pNN" metrics: NN; else 0
	Kind       Kind
	Op         Op
	Value      float64 // in µs (Time), a count, req/s, or percent (Percent)
	Percent    bool    // Value is a percentage of the metric's base (see Eval)
	Unit       string  // the unit as written ("ms", "%", "k", ""), for showing the actual value
}

// MaxLen bounds an expression; anything longer is a mistake.
const MaxLen = 200

// metrics are the named metrics, besides pNN.
var metrics = map[string]Kind{
	"mean": Time, "max": Time, "min": Time, "stdev": Time,
	"rps":      Rate,
	"requests": Plain,
	"errors":   Count, "non2xx": Count, "timeouts": Count,
	"connect_errors": Count, "read_errors": Count, "write_errors": Count,
}

// MetricNames lists the metrics for messages and help.
const MetricNames = "p50 p75 p90 p99 p99.9 pNN mean max min stdev rps errors non2xx requests timeouts connect_errors read_errors write_errors"

var timeUnits = map[string]float64{"us": 1, "µs": 1, "μs": 1, "ms": 1e3, "s": 1e6, "m": 60e6}

var countUnits = map[string]float64{"": 1, "k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9}

// SyntaxError is a malformed expression: what is wrong, where (Column is
// 1-based, in bytes; 0 for the whole expression), and how to write it.
type SyntaxError struct {
	Msg    string
	Column int
	Hint   string
}

// Error reads "unknown time unit "xs" at column 5 (use us, ms, s or m)".
func (e *SyntaxError) Error() string {
	s := e.Msg
	if e.Column > 0 {
		s += " at column " + strconv.Itoa(e.Column)
	}
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

// Parse parses one expression: metric, comparison, value, with optional
// spaces between them. Every error is a *SyntaxError that points at the
// offending part.
func Parse(s string) (Expr, error) {
	if len(s) > MaxLen {
		return Expr{}, &SyntaxError{Msg: "longer than " + strconv.Itoa(MaxLen) + " bytes"}
	}
	p := parser{s: s}
	p.space()
	if p.i == len(s) {
		return Expr{}, &SyntaxError{Msg: "empty expression", Hint: "e.g. p99<50ms"}
	}
	e := Expr{}
	start := p.i
	name := p.word()
	switch {
	case name == "":
		return Expr{}, p.fail("expected a metric, got "+quoteRune(s[p.i:]), "use "+MetricNames, p.i)
	case name[0] == 'p' && len(name) > 1 && isDigit(name[1]):
		v, ok := number(name[1:])
		if !ok || v > 100 {
			return Expr{}, p.fail("invalid percentile "+quote(name), "use p0 to p100, e.g. p99.9", start)
		}
		e.Metric, e.Percentile, e.Kind = name, v, Time
	default:
		k, ok := metrics[name]
		if !ok {
			return Expr{}, p.fail("unknown metric "+quote(name), "use "+MetricNames, start)
		}
		e.Metric, e.Kind = name, k
	}
	p.space()
	opAt := p.i
	op, ok := p.op()
	if !ok {
		return Expr{}, p.fail("expected a comparison after "+quote(name), "use <, <=, >, >=, == or !=", opAt)
	}
	e.Op = op
	p.space()
	valAt := p.i
	num := p.number()
	if num == "" {
		if p.i == len(s) {
			return Expr{}, p.fail("missing value after "+strconv.Quote(op.String()), "", valAt)
		}
		return Expr{}, p.fail("expected a number, got "+quoteRune(s[p.i:]), "", valAt)
	}
	v, ok := number(num)
	if !ok {
		return Expr{}, p.fail("invalid number "+quote(num), "", valAt)
	}
	unit := p.unit()
	if err := e.setValue(v, unit); err != nil {
		err.Column = valAt + 1
		return Expr{}, err
	}
	p.space()
	if p.i != len(s) {
		return Expr{}, p.fail("unexpected "+quoteRune(s[p.i:])+" after the value", "", p.i)
	}
	e.Text = strings.Trim(s, " ")
	return e, nil
}

// setValue checks unit against the metric's kind and sets Value in base units.
func (e *Expr) setValue(v float64, unit string) *SyntaxError {
	e.Unit = unit
	switch {
	case e.Kind == Time:
		scale, ok := timeUnits[unit]
		if unit == "" {
			return &SyntaxError{Msg: e.Metric + " needs a time unit", Hint: "e.g. 50ms; use us, ms, s or m"}
		}
		if !ok {
			return &SyntaxError{Msg: "unknown time unit " + quote(unit), Hint: "use us, ms, s or m"}
		}
		e.Value = v * scale
	case unit == "%" && e.Kind == Count:
		if v > 100 {
			return &SyntaxError{Msg: "a percentage above 100"}
		}
		e.Value, e.Percent = v, true
	default:
		scale, ok := countUnits[unit]
		if !ok {
			hint := "a count, optionally with k, M or G"
			if e.Kind == Count {
				hint += ", or a percentage"
			}
			return &SyntaxError{Msg: "unknown unit " + quote(unit) + " for " + e.Metric, Hint: "use " + hint}
		}
		e.Value = v * scale
	}
	return nil
}

type parser struct {
	s string
	i int
}

func (p *parser) fail(msg, hint string, at int) error {
	return &SyntaxError{Msg: msg, Column: at + 1, Hint: hint}
}

func (p *parser) space() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

// word reads a metric name: letters, digits, '_' and '.' (for p99.9).
func (p *parser) word() string {
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && !isDigit(c) && c != '_' && c != '.' {
			break
		}
		p.i++
	}
	return p.s[start:p.i]
}

func (p *parser) op() (Op, bool) {
	rest := p.s[p.i:]
	for _, o := range []Op{LessEq, GreaterEq, Equal, NotEqual, Less, Greater} { // two-byte forms first
		if strings.HasPrefix(rest, o.String()) {
			p.i += len(o.String())
			return o, true
		}
	}
	return 0, false
}

// number reads digits with at most one '.'; number() checks the syntax.
func (p *parser) number() string {
	start := p.i
	for p.i < len(p.s) && (isDigit(p.s[p.i]) || p.s[p.i] == '.') {
		p.i++
	}
	return p.s[start:p.i]
}

// unit reads everything up to a space or the end.
func (p *parser) unit() string {
	start := p.i
	for p.i < len(p.s) && p.s[p.i] != ' ' {
		p.i++
	}
	return p.s[start:p.i]
}

// number parses "12", "12.5" (not ".5", "1.", "1.2.3"), without exponents,
// infinities or signs.
func number(s string) (float64, bool) {
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || dot && frac == "" || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// quote quotes s, escaped and cut to a length that fits in a message.
func quote(s string) string {
	const limit = 24
	if len(s) <= limit {
		return strconv.Quote(s)
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "..."
}

// quoteRune quotes the first character of s, escaped, for a message.
func quoteRune(s string) string {
	for _, r := range s {
		return strconv.QuoteRune(r)
	}
	return "end of input"
}
