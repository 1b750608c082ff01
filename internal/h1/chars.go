package h1

import "encoding/binary"

// Character classes, one table lookup per byte on the hot path.
const (
	cToken  = 1 << iota // RFC 9110 tchar
	cValue              // allowed in a field value: VCHAR, obs-text, SP, HT
	cTarget             // allowed in a request-target: VCHAR, obs-text
)

var class = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case c == '\t' || c == ' ':
			t[c] = cValue
		case c > ' ' && c < 0x7f, c >= 0x80:
			t[c] = cValue | cTarget
		}
	}
	for _, c := range []byte("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
		t[c] |= cToken
	}
	return t
}()

// ValidToken reports whether s is an RFC 9110 token (a method or a header name).
func ValidToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if class[s[i]]&cToken == 0 {
			return false
		}
	}
	return true
}

// ValidFieldValue reports whether s may be sent as a header value: no CR, LF, NUL or other control
// byte except HT.
func ValidFieldValue(s string) bool { return badValueByte(s) < 0 }

// badValueByte returns the index of the first byte not allowed in a field value, or -1.
func badValueByte[T ~string | ~[]byte](v T) int {
	for i := 0; i < len(v); i++ {
		if class[v[i]]&cValue == 0 {
			return i
		}
	}
	return -1
}

// badValueBytes is badValueByte for the response hot path: it skips 8 bytes at a time while a word
// has no byte below 0x20 and no DEL (the usual case: HT is rare), using the exact "has a byte less
// than n" and "has a zero byte" word tests.
func badValueBytes(v []byte) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(v); i += 8 {
		w := binary.LittleEndian.Uint64(v[i:])
		del := w ^ ones*0x7f
		if (w-ones*0x20)&^w&highs != 0 || (del-ones)&^del&highs != 0 {
			break
		}
	}
	if j := badValueByte(v[i:]); j >= 0 {
		return i + j
	}
	return -1
}

func isOWS(c byte) bool { return c == ' ' || c == '\t' }

// trimOWS removes optional whitespace (SP, HT) around a field value or list element.
func trimOWS(v []byte) []byte {
	for len(v) > 0 && isOWS(v[0]) {
		v = v[1:]
	}
	for len(v) > 0 && isOWS(v[len(v)-1]) {
		v = v[:len(v)-1]
	}
	return v
}

// eqFold reports whether s equals lower, a lower-case token, ignoring ASCII case. For token bytes
// c|0x20 only maps upper-case letters onto lower-case ones, so the test is exact.
func eqFold[T ~string | ~[]byte](s T, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i]|0x20 != lower[i] {
			return false
		}
	}
	return true
}
