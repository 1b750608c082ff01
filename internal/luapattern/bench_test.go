package luapattern

import (
	"strings"
	"testing"
)

const header = "application/json; charset=utf-8"

func BenchmarkFindHeader(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		budget := DefaultSteps
		if _, _, _, ok, err := Find(header, "charset=[%w-]+", 1, false, &budget); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

func BenchmarkFindHeaderCaptures(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		budget := DefaultSteps
		if _, _, _, ok, err := Find(header, "^(%w+)/(%w+)", 1, false, &budget); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

func BenchmarkGsubSimple(b *testing.B) {
	s := strings.Repeat("hello   world ", 8)
	b.ReportAllocs()
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		budget := DefaultSteps
		if _, n, err := Gsub(s, "%s+", " ", len(s)+1, 1<<20, &budget); n == 0 || err != nil {
			b.Fatal(n, err)
		}
	}
}
