package luapattern

// Character classes follow C's <ctype.h> in the "C" locale, as Lua 5.1 does:
// only ASCII bytes belong to any class.
const (
	cAlpha = 1 << iota
	cCntrl
	cDigit
	cLower
	cPunct
	cSpace
	cUpper
	cXdigit
)

var ctype = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		var f uint8
		switch {
		case c >= 'a' && c <= 'z':
			f |= cAlpha | cLower
		case c >= 'A' && c <= 'Z':
			f |= cAlpha | cUpper
		case c >= '0' && c <= '9':
			f |= cDigit
		}
		if c < 32 || c == 127 {
			f |= cCntrl
		}
		if c == ' ' || (c >= '\t' && c <= '\r') {
			f |= cSpace
		}
		if c > 32 && c < 127 && f&(cAlpha|cDigit) == 0 {
			f |= cPunct
		}
		if f&cDigit != 0 || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') {
			f |= cXdigit
		}
		t[c] = f
	}
	return t
}()

func isDigit(c byte) bool { return ctype[c]&cDigit != 0 }

// matchClass reports whether c belongs to the class %cl; an upper-case class
// letter is the complement, and any other byte after '%' stands for itself.
func matchClass(c, cl byte) bool {
	var res bool
	switch cl | 0x20 {
	case 'a':
		res = ctype[c]&cAlpha != 0
	case 'c':
		res = ctype[c]&cCntrl != 0
	case 'd':
		res = ctype[c]&cDigit != 0
	case 'l':
		res = ctype[c]&cLower != 0
	case 'p':
		res = ctype[c]&cPunct != 0
	case 's':
		res = ctype[c]&cSpace != 0
	case 'u':
		res = ctype[c]&cUpper != 0
	case 'w':
		res = ctype[c]&(cAlpha|cDigit) != 0
	case 'x':
		res = ctype[c]&cXdigit != 0
	case 'z':
		res = c == 0
	default:
		return cl == c
	}
	if ctype[cl]&cLower != 0 {
		return res
	}
	return !res
}
