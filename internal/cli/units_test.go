package cli

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseCount(t *testing.T) {
	good := []struct {
		in   string
		want int64
	}{
		{"0", 0}, {"1", 1}, {"10", 10}, {"007", 7}, {"+4", 4}, {" 12 ", 12}, {"\t3", 3},
		{"1k", 1000}, {"1K", 1000}, {"2m", 2_000_000}, {"2M", 2_000_000}, {"1g", 1_000_000_000}, {"3G", 3_000_000_000},
		{"1.5k", 1500}, {"0.001k", 1}, {"2.50k", 2500}, {"1.000", 1}, {"0.000001M", 1},
		{"9223372036854775807", 1<<63 - 1},
	}
	for _, tt := range good {
		got, err := parseCount(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("parseCount(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	bad := []struct{ in, msg string }{
		{"", "empty value"}, {"  ", "empty value"},
		{"abc", "not a number"}, {"k", "not a number"}, {"NaN", "not a number"}, {"Inf", "not a number"},
		{"-inf", "must not be negative"}, {"-1", "must not be negative"}, {"-0", "must not be negative"},
		{"1.5", "not a whole number"}, {"0.0001k", "not a whole number"},
		{"1.", "not a number"}, {".5", "not a number"}, {"1..2", "not a number"}, {"0x10", `unknown unit "x10"`},
		{"10x", `unknown unit "x" (use k, M or G)`}, {"1kk", `unknown unit "kk"`}, {"1e400", `unknown unit "e400"`},
		{"1 k", `unknown unit " k"`}, {"1T", `unknown unit "T"`}, {"1ki", `unknown unit "ki"`},
		{"99999999999999999999", "too large"}, {"9223372036854775808", "too large"}, {"10000000000G", "too large"},
		{strings.Repeat("1", 65), "too long"},
	}
	for _, tt := range bad {
		got, err := parseCount(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("parseCount(%q) = %d, %v; want error %q", tt.in, got, err, tt.msg)
		}
	}
	if _, err := parseCount("1e400"); errors.Is(err, errTooLarge) {
		t.Error("1e400 reported as too large, but it is an unknown unit")
	}
}

func TestParseBytes(t *testing.T) {
	good := []struct {
		in   string
		want int64
	}{
		{"1024", 1024}, {"1k", 1024}, {"64K", 65536}, {"1.5k", 1536}, {"0.5k", 512}, {"16M", 16 << 20}, {"1g", 1 << 30},
	}
	for _, tt := range good {
		got, err := parseBytes(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, in := range []string{"0.1k", "1kb", "1KiB", "x"} {
		if got, err := parseBytes(in); err == nil {
			t.Errorf("parseBytes(%q) = %d, want error", in, got)
		}
	}
}

func TestParseDuration(t *testing.T) {
	good := []struct {
		in   string
		want time.Duration
	}{
		{"10", 10 * time.Second}, {"0", 0}, {"2s", 2 * time.Second}, {"2S", 2 * time.Second},
		{"2m", 2 * time.Minute}, {"2M", 2 * time.Minute}, {"2h", 2 * time.Hour}, {"2H", 2 * time.Hour},
		{"100ms", 100 * time.Millisecond}, {"100MS", 100 * time.Millisecond}, {"50us", 50 * time.Microsecond},
		{"50µs", 50 * time.Microsecond}, {"50μs", 50 * time.Microsecond},
		{"1.5s", 1500 * time.Millisecond}, {"0.5m", 30 * time.Second}, {"1.5", 1500 * time.Millisecond},
		{"0.25h", 15 * time.Minute}, {"1.0000000001s", time.Second}, {"0.0000000019s", 1}, {"+3s", 3 * time.Second},
		{"720h", 720 * time.Hour}, {"2562047h", 2562047 * time.Hour},
	}
	for _, tt := range good {
		got, err := parseDuration(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	bad := []struct{ in, msg string }{
		{"", "empty value"}, {"s", "not a number"}, {"NaN", "not a number"}, {"inf", "not a number"},
		{"-1s", "must not be negative"}, {"10x", `unknown unit "x" (use us, ms, s, m or h)`},
		{"1ns", `unknown unit "ns"`}, {"1d", `unknown unit "d"`}, {"1sec", `unknown unit "sec"`}, {"1m30s", `unknown unit "m30s"`},
		{"99999999999h", "too large"}, {"2562048h", "too large"}, {"1e400", `unknown unit "e400"`},
	}
	for _, tt := range bad {
		got, err := parseDuration(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("parseDuration(%q) = %v, %v; want error %q", tt.in, got, err, tt.msg)
		}
	}
}
