package report

import (
	"strconv"

	"volley/internal/threshold"
)

// Verdict is a --fail-on outcome's report line, with the actual value in the units of wrk's
// report: "PASS p99<50ms (p99 = 8.30ms)", "FAIL errors<0.1% (errors = 2.50%, 25 of 1000)",
// "PASS rps>=1k (rps = 35.50k)". It is escaped for a terminal: the expression is the user's.
func Verdict(o threshold.Outcome) string {
	verdict := "FAIL "
	if o.Pass {
		verdict = "PASS "
	}
	e := o.Expr
	s := verdict + e.Text + " (" + e.Metric + " = "
	switch {
	case o.Undefined:
		s += "n/a: no responses"
	case e.Kind == threshold.Time:
		s += FormatTimeUs(o.Actual)
	case e.Percent:
		s += strconv.FormatFloat(o.Actual, 'f', 2, 64) + "%, " + strconv.FormatUint(o.Part, 10) + " of " + strconv.FormatUint(o.Whole, 10)
	case e.Kind == threshold.Rate:
		s += FormatMetric(o.Actual)
	default:
		s += strconv.FormatFloat(o.Actual, 'f', 0, 64)
	}
	return Escape(s + ")")
}
