package report

import (
	"math"
	"strings"
	"testing"
	"time"
)

// The expected strings are what wrk's format_units prints on x86-64, computed
// with its algorithm in C long double. Cases marked "tie" are decimal ties
// that long double and float64 round differently (float64 would print
// 22.54ms, 1.01ms, 1000.00ms and 64.55k).
func TestFormatTimeUs(t *testing.T) {
	for _, c := range []struct {
		us   float64
		want string
	}{
		{0, "0.00us"},
		{849.99, "849.99us"},
		{850, "0.85ms"}, // 85% of the scale climbs a unit
		{999, "1.00ms"},
		{1000, "1.00ms"},
		{1005, "1.00ms"}, // tie
		{1015, "1.01ms"},
		{22535, "22.53ms"}, // tie
		{22545, "22.55ms"},
		{999994, "999.99ms"},
		{999995, "999.99ms"},  // tie
		{999999, "1000.00ms"}, // wrk switches to seconds only at 1 s
		{1e6, "1.00s"},
		{1005000, "1.00s"},
		{50_990_000, "50.99s"},
		{51e6, "0.85m"},
		{3.6e9, "60.00m"}, // wrk never reaches hours
		{1e12, "16666.67m"},
		{math.NaN(), "0.00us"},
		{math.Inf(1), "0.00us"},
	} {
		if got := FormatTimeUs(c.us); got != c.want {
			t.Errorf("FormatTimeUs(%v) = %q, want %q", c.us, got, c.want)
		}
	}
}

func TestFormatTimeS(t *testing.T) {
	for _, c := range []struct {
		s    float64
		want string
	}{
		{0, "0s"}, {1, "1s"}, {50, "50s"},
		{51, "1m"}, {89, "1m"}, {90, "2m"}, // minutes from 51 s, rounded
		{150, "2m"}, {210, "4m"}, // ties round to even, as printf does
		{3600, "60m"}, {7200, "120m"},
	} {
		if got := FormatTimeS(c.s); got != c.want {
			t.Errorf("FormatTimeS(%v) = %q, want %q", c.s, got, c.want)
		}
	}
}

func TestFormatBinary(t *testing.T) {
	for _, c := range []struct {
		n    float64
		want string
	}{
		{0, "0.00"},
		{870, "870.00"},
		{870.4, "0.85K"}, // 1024·0.85 in double is 870.39999999999997726, as is 870.4
		{871, "0.85K"},
		{1023, "1.00K"},
		{1024, "1.00K"},
		{1029, "1.00K"},
		{1 << 20, "1.00M"},
		{1 << 30, "1.00G"},
		{1 << 40, "1.00T"},
		{1 << 50, "1024.00T"}, // wrk never reaches P
		{math.MaxUint64, "16777216.00T"},
	} {
		if got := FormatBinary(c.n); got != c.want {
			t.Errorf("FormatBinary(%v) = %q, want %q", c.n, got, c.want)
		}
	}
}

func TestFormatMetric(t *testing.T) {
	for _, c := range []struct {
		n    float64
		want string
	}{
		{0, "0.00"},
		{849.99, "849.99"},
		{850, "0.85k"},
		{1005, "1.00k"}, // tie
		{35500, "35.50k"},
		{64545, "64.54k"}, // tie
		{1e6, "1.00M"},
		{1e15, "1000.00T"},
	} {
		if got := FormatMetric(c.n); got != c.want {
			t.Errorf("FormatMetric(%v) = %q, want %q", c.n, got, c.want)
		}
	}
}

// Integers above 2^53 must not lose their low bits before formatting, as
// they would in float64: wrk's long double holds any uint64.
func TestExtPrecision(t *testing.T) {
	if got := binaryU.format(extUint(1<<53+1), 2); got != "8192.00T" {
		t.Errorf("2^53+1 bytes = %q", got)
	}
	if got := extQuo(extUint(1<<63+1), extUint(1)).Text('f', 0); got != "9223372036854775809" {
		t.Errorf("2^63+1 in extended precision = %s", got)
	}
}

func TestFormatDuration(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{10 * time.Second, "10s"}, // as wrk
		{50 * time.Second, "50s"},
		{time.Minute, "1m"},
		{2 * time.Hour, "120m"},
		{51 * time.Second, "51s"}, // wrk: 1m
		{90 * time.Second, "90s"}, // wrk: 2m
		{1500 * time.Millisecond, "1.5s"},
		{250 * time.Millisecond, "0.25s"},
		{61500 * time.Millisecond, "61.5s"},
		{time.Nanosecond, "0.000000001s"},
		{-time.Second, "0s"},
	} {
		if got := FormatDuration(c.d); got != c.want {
			t.Errorf("FormatDuration(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

func TestWriteCell(t *testing.T) {
	for _, c := range []struct {
		s     string
		width int
		want  string
	}{
		{"1.23ms", 8, "  1.23ms"},          // two-letter unit: flush right
		{"35.50k", 8, " 35.50k "},          // one letter: one space after
		{"12.00", 8, " 12.00  "},           // bare number: two spaces after
		{"849.99us", 8, "849.99us"},        // exactly the width
		{"16666.67m", 9, " 16666.67m "},    // wrk would cut the unit: "16666.67 "
		{"123456.78ms", 8, " 123456.78ms"}, // wider than the column: widen, never truncate
	} {
		var b strings.Builder
		writeCell(&b, c.s, c.width)
		if got := b.String(); got != c.want {
			t.Errorf("writeCell(%q, %d) = %q, want %q", c.s, c.width, got, c.want)
		}
	}
}
