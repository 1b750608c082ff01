package threshold

import "volley/internal/stats"

// Outcome is an expression evaluated against a run; report.Verdict is its report line.
type Outcome struct {
	Expr   Expr
	Pass   bool
	Actual float64 // in the expression's base unit (µs, count, req/s, percent)
	// Undefined is set when the run has no value for the metric (latency of
	// a run without responses): the expression fails.
	Undefined bool
	// Part and Whole are the count and its base when Expr.Percent is set.
	Part, Whole uint64
}

// Eval evaluates e against r. Percentages are of the metric's base: for
// non2xx, of the responses (requests); for errors, timeouts and the
// connect, read and write errors, of every attempt that ended, i.e. the
// responses plus the socket errors. With no base the percentage is 0.
// Latency metrics are undefined without responses, and then fail.
func (e Expr) Eval(r *stats.Result) Outcome {
	o := Outcome{Expr: e}
	er := &r.Errors
	socket := er.Connect + er.Read + er.Write + er.Timeout
	lat := r.Latency
	var part, whole uint64
	switch e.Metric {
	case "mean":
		o.Actual = lat.Mean()
	case "max":
		o.Actual = float64(lat.Max())
	case "min":
		o.Actual = float64(lat.Min())
	case "stdev":
		o.Actual = lat.Stdev()
	case "rps":
		o.Actual = r.RequestsPerSec()
	case "requests":
		part = r.Requests
	case "errors":
		part, whole = socket, r.Requests+socket
	case "non2xx":
		part, whole = er.Status, r.Requests
	case "timeouts":
		part, whole = er.Timeout, r.Requests+socket
	case "connect_errors":
		part, whole = er.Connect, r.Requests+socket
	case "read_errors":
		part, whole = er.Read, r.Requests+socket
	case "write_errors":
		part, whole = er.Write, r.Requests+socket
	default: // pNN
		o.Actual = float64(lat.Percentile(e.Percentile))
	}
	if e.Kind == Time && lat.Count() == 0 {
		o.Undefined = true
		return o
	}
	if e.Kind == Count || e.Kind == Plain {
		o.Actual = float64(part)
		if e.Percent {
			o.Part, o.Whole = part, whole
			o.Actual = 0
			if whole > 0 {
				o.Actual = float64(part) / float64(whole) * 100
			}
		}
	}
	o.Pass = compare(o.Actual, e.Op, e.Value)
	return o
}

func compare(a float64, op Op, b float64) bool {
	switch op {
	case Less:
		return a < b
	case LessEq:
		return a <= b
	case Greater:
		return a > b
	case GreaterEq:
		return a >= b
	case Equal:
		return a == b
	default:
		return a != b
	}
}

// EvalAll evaluates every expression; failed is true when any fails.
func EvalAll(exprs []Expr, r *stats.Result) (outcomes []Outcome, failed bool) {
	for _, e := range exprs {
		o := e.Eval(r)
		outcomes = append(outcomes, o)
		failed = failed || !o.Pass
	}
	return outcomes, failed
}
