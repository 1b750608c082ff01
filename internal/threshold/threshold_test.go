package threshold

import (
	"errors"
	"strings"
	"testing"
	"time"

	"volley/internal/stats"
)

func TestParse(t *testing.T) {
	good := []struct {
		in   string
		want Expr
	}{
		{"p99<50ms", Expr{Text: "p99<50ms", Metric: "p99", Percentile: 99, Kind: Time, Op: Less, Value: 50_000, Unit: "ms"}},
		{"  p99.9 <= 1.5s ", Expr{Text: "p99.9 <= 1.5s", Metric: "p99.9", Percentile: 99.9, Kind: Time, Op: LessEq, Value: 1_500_000, Unit: "s"}},
		{"p0>=10us", Expr{Text: "p0>=10us", Metric: "p0", Kind: Time, Op: GreaterEq, Value: 10, Unit: "us"}},
		{"p100!=1m", Expr{Text: "p100!=1m", Metric: "p100", Percentile: 100, Kind: Time, Op: NotEqual, Value: 60e6, Unit: "m"}},
		{"mean==2µs", Expr{Text: "mean==2µs", Metric: "mean", Kind: Time, Op: Equal, Value: 2, Unit: "µs"}},
		{"stdev>0.5ms", Expr{Text: "stdev>0.5ms", Metric: "stdev", Kind: Time, Op: Greater, Value: 500, Unit: "ms"}},
		{"errors<0.1%", Expr{Text: "errors<0.1%", Metric: "errors", Kind: Count, Op: Less, Value: 0.1, Percent: true, Unit: "%"}},
		{"errors<10", Expr{Text: "errors<10", Metric: "errors", Kind: Count, Op: Less, Value: 10}},
		{"rps>=1k", Expr{Text: "rps>=1k", Metric: "rps", Kind: Rate, Op: GreaterEq, Value: 1000, Unit: "k"}},
		{"rps >= 1000", Expr{Text: "rps >= 1000", Metric: "rps", Kind: Rate, Op: GreaterEq, Value: 1000}},
		{"requests>1.5M", Expr{Text: "requests>1.5M", Metric: "requests", Kind: Plain, Op: Greater, Value: 1.5e6, Unit: "M"}},
		{"non2xx<=5%", Expr{Text: "non2xx<=5%", Metric: "non2xx", Kind: Count, Op: LessEq, Value: 5, Percent: true, Unit: "%"}},
		{"timeouts==0", Expr{Text: "timeouts==0", Metric: "timeouts", Kind: Count, Op: Equal}},
		{"connect_errors<1", Expr{Text: "connect_errors<1", Metric: "connect_errors", Kind: Count, Op: Less, Value: 1}},
	}
	for _, tt := range good {
		got, err := Parse(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %+v, %v\nwant %+v", tt.in, got, err, tt.want)
		}
	}
	bad := []struct{ in, msg string }{
		{"p99<5xs", `unknown time unit "xs" at column 5 (use us, ms, s or m)`},
		{"", "empty expression (e.g. p99<50ms)"},
		{"   ", "empty expression"},
		{"latency<5ms", `unknown metric "latency" at column 1 (use p50 p75`},
		{"p101<5ms", `invalid percentile "p101" at column 1 (use p0 to p100, e.g. p99.9)`},
		{"p99..9<5ms", `invalid percentile "p99..9"`},
		{"p99.<5ms", `invalid percentile`},
		{"p99 5ms", `expected a comparison after "p99" at column 5 (use <, <=, >, >=, == or !=)`},
		{"p99=5ms", `expected a comparison`},
		{"p99<", `missing value after "<" at column 5`},
		{"p99< ms", `expected a number, got 'm' at column 6`},
		{"p99<-5ms", `expected a number, got '-'`},
		{"p99<.5ms", `invalid number ".5" at column 5`},
		{"p99<1.2.3ms", `invalid number "1.2.3"`},
		{"p99<50", `p99 needs a time unit at column 5 (e.g. 50ms; use us, ms, s or m)`},
		{"p99<50%", `unknown time unit "%"`},
		{"errors<5ms", `unknown unit "ms" for errors at column 8 (use a count, optionally with k, M or G, or a percentage)`},
		{"rps>5%", `unknown unit "%" for rps at column 5 (use a count, optionally with k, M or G)`},
		{"requests>5%", `unknown unit "%" for requests`},
		{"errors<101%", "a percentage above 100 at column 8"},
		{"p99<5ms x", `unexpected 'x' after the value at column 9`},
		{"p99<5ms\x1b[31m", `unknown time unit "ms\x1b[31m"`},
		{"<5ms", `expected a metric, got '<' at column 1 (use p50`},
		{"\xff<5ms", `expected a metric`},
		{"p99\t<5ms", `expected a comparison`},
		{strings.Repeat("p", MaxLen+1), "longer than 200 bytes"},
	}
	for _, tt := range bad {
		got, err := Parse(tt.in)
		var se *SyntaxError
		if err == nil || !errors.As(err, &se) {
			t.Errorf("Parse(%q) = %+v, %v; want a *SyntaxError", tt.in, got, err)
			continue
		}
		if !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("Parse(%q) error\n %s\nwant it to contain\n %s", tt.in, err, tt.msg)
		}
	}
}

// result is a small run: latencies 1..1000 ms in µs, 1000 responses of
// which 10 had a 5xx status, 5 timeouts and 5 connect errors, over 2 s.
func result() *stats.Result {
	rec := stats.NewRecorder()
	for i := 1; i <= 1000; i++ {
		status := 200
		if i%100 == 0 {
			status = 503
		}
		rec.Response(status, int64(i)*1000)
	}
	for range 5 {
		rec.Errors.Add(stats.KindTimeout, "")
		rec.Errors.Add(stats.KindConnect, "refused")
	}
	res := stats.Merge(rec)
	res.Elapsed = 2 * time.Second
	return res
}

func TestEval(t *testing.T) {
	res := result()
	tests := []struct {
		expr   string
		pass   bool
		actual float64
	}{
		// Percentiles carry HDR's 0.1%: the 990th of 1000 values is 991 ms.
		{"p99<1s", true, 991231},
		{"p99<990ms", false, 991231},
		{"p50 == 501ms", false, 501247},
		{"p0 == 1ms", true, 1000}, // exact below 2048 µs
		{"p100<=1000ms", true, 1e6},
		{"max>999999us", true, 1e6},
		{"min>=1ms", true, 1000},
		{"mean!=500ms", true, 500500},
		{"stdev<300ms", true, 288819.4360957494},
		{"rps>=500", true, 500},
		{"rps>0.5k", false, 500},
		{"requests>=1k", true, 1000},
		{"errors<10", false, 10},
		{"errors<1%", true, 1000.0 / 1010},
		{"non2xx<=1%", true, 1},
		{"non2xx<1%", false, 1},
		{"timeouts==5", true, 5},
		{"connect_errors>0", true, 5},
		{"read_errors==0%", true, 0},
		{"write_errors>0", false, 0},
	}
	var exprs []Expr
	for _, tt := range tests {
		e, err := Parse(tt.expr)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.expr, err)
		}
		exprs = append(exprs, e)
		o := e.Eval(res)
		if o.Pass != tt.pass || o.Actual != tt.actual {
			t.Errorf("%s: pass %v, actual %v; want %v, %v", tt.expr, o.Pass, o.Actual, tt.pass, tt.actual)
		}
	}
	outs, failed := EvalAll(exprs, res)
	if len(outs) != len(tests) || !failed {
		t.Errorf("EvalAll: %d outcomes, failed %v", len(outs), failed)
	}
	if _, failed := EvalAll(exprs[:1], res); failed {
		t.Error("EvalAll failed with every expression passing")
	}
}

func TestEvalWithoutResponses(t *testing.T) {
	res := stats.NewResult()
	for _, s := range []string{"p99<1s", "mean<1s", "max<1s"} {
		e, _ := Parse(s)
		o := e.Eval(res)
		if o.Pass || !o.Undefined {
			t.Errorf("%s on an empty run: %+v", s, o)
		}
	}
	e, _ := Parse("errors<1%")
	if o := e.Eval(res); !o.Pass || o.Actual != 0 {
		t.Errorf("errors%% of nothing: %+v", o)
	}
}
