package h1

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestBadValueBytes compares the word-at-a-time scan with the byte table for every byte value at
// every position of strings long enough to use whole words and a tail.
func TestBadValueBytes(t *testing.T) {
	for n := 0; n <= 19; n++ {
		for pos := 0; pos < n; pos++ {
			for c := 0; c < 256; c++ {
				v := bytes.Repeat([]byte{'a'}, n)
				v[pos] = byte(c)
				if got, want := badValueBytes(v), badValueByte(v); got != want {
					t.Fatalf("badValueBytes(%q) = %d, want %d", v, got, want)
				}
			}
		}
	}
	// Random words mixing the interesting bytes, for borrows between neighbours.
	alphabet := []byte{0, 1, '\t', 0x1f, ' ', 'a', 0x7e, 0x7f, 0x80, 0x9f, 0xfe, 0xff}
	rng := rand.New(rand.NewPCG(1, 2))
	v := make([]byte, 16)
	for range 200000 {
		for i := range v {
			v[i] = alphabet[rng.IntN(len(alphabet))]
			if rng.IntN(3) > 0 {
				v[i] = 'a' + byte(rng.IntN(26)) //nolint:gosec // G115: IntN(26) is in [0, 26)
			}
		}
		if got, want := badValueBytes(v), badValueByte(v); got != want {
			t.Fatalf("badValueBytes(%q) = %d, want %d", v, got, want)
		}
	}
	if got := badValueBytes([]byte("\t\xff\x80~ \x7f")); got != 5 {
		t.Errorf("DEL after HT and obs-text found at %d, want 5", got)
	}
}
