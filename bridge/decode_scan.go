package bridge

import "strings"

// Results of the scanners below besides an end offset: the input is not
// JSON, or it nests deeper than the limit before any syntax error.
const (
	scanSyntax = -1
	scanDeep   = -2
)

// scanValue validates the JSON value starting at i and returns the offset
// just past it, or scanSyntax / scanDeep. depth is the nesting of the
// container holding the value (0 at the top level). It accepts exactly
// what encoding/json.Valid accepts, given valid UTF-8, in one pass and
// without allocating.
func scanValue(p string, i, depth, maxDepth int) int {
	if i >= len(p) {
		return scanSyntax
	}
	switch c := p[i]; {
	case c == '"':
		return scanString(p, i)
	case c == '{':
		return scanObject(p, i, depth+1, maxDepth)
	case c == '[':
		return scanArray(p, i, depth+1, maxDepth)
	case c == '-' || isDigit(c):
		return scanNumber(p, i)
	case c == 't':
		return scanLiteral(p, i, "true")
	case c == 'f':
		return scanLiteral(p, i, "false")
	case c == 'n':
		return scanLiteral(p, i, "null")
	}
	return scanSyntax
}

func scanObject(p string, i, depth, maxDepth int) int {
	if depth > maxDepth {
		return scanDeep
	}
	i = skipWS(p, i+1)
	if i < len(p) && p[i] == '}' {
		return i + 1
	}
	for {
		if i >= len(p) || p[i] != '"' {
			return scanSyntax
		}
		if i = scanString(p, i); i < 0 {
			return i
		}
		if i = skipWS(p, i); i >= len(p) || p[i] != ':' {
			return scanSyntax
		}
		if i = scanValue(p, skipWS(p, i+1), depth, maxDepth); i < 0 {
			return i
		}
		i = skipWS(p, i)
		switch {
		case i >= len(p):
			return scanSyntax
		case p[i] == ',':
			i = skipWS(p, i+1)
		case p[i] == '}':
			return i + 1
		default:
			return scanSyntax
		}
	}
}

func scanArray(p string, i, depth, maxDepth int) int {
	if depth > maxDepth {
		return scanDeep
	}
	i = skipWS(p, i+1)
	if i < len(p) && p[i] == ']' {
		return i + 1
	}
	for {
		if i = scanValue(p, i, depth, maxDepth); i < 0 {
			return i
		}
		i = skipWS(p, i)
		switch {
		case i >= len(p):
			return scanSyntax
		case p[i] == ',':
			i = skipWS(p, i+1)
		case p[i] == ']':
			return i + 1
		default:
			return scanSyntax
		}
	}
}

// plainByte marks the bytes a JSON string holds as they are: not the
// quote, not the backslash, not a control character.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// scanString validates the string whose opening quote is at i. Bytes from
// 0x80 up are accepted as they are: UTF-8 is checked once, beforehand.
func scanString(p string, i int) int {
	for i++; i < len(p); i++ {
		if plainByte[p[i]] {
			continue
		}
		switch p[i] {
		case '"':
			return i + 1
		case '\\':
			if i = scanEscape(p, i+1); i < 0 {
				return i
			}
		default:
			return scanSyntax // a control character
		}
	}
	return scanSyntax
}

// scanEscape validates the escape whose letter is at i and returns the
// offset of its last byte.
func scanEscape(p string, i int) int {
	if i >= len(p) {
		return scanSyntax
	}
	switch p[i] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return i
	case 'u':
		if i+4 < len(p) && isHex(p[i+1]) && isHex(p[i+2]) && isHex(p[i+3]) && isHex(p[i+4]) {
			return i + 4
		}
	}
	return scanSyntax
}

// scanNumber validates -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func scanNumber(p string, i int) int {
	if p[i] == '-' {
		i++
	}
	switch {
	case i >= len(p):
		return scanSyntax
	case p[i] == '0':
		i++
	case isDigit(p[i]):
		i = skipDigits(p, i)
	default:
		return scanSyntax
	}
	if i < len(p) && p[i] == '.' {
		if i++; i >= len(p) || !isDigit(p[i]) {
			return scanSyntax
		}
		i = skipDigits(p, i)
	}
	if i < len(p) && (p[i] == 'e' || p[i] == 'E') {
		if i++; i < len(p) && (p[i] == '+' || p[i] == '-') {
			i++
		}
		if i >= len(p) || !isDigit(p[i]) {
			return scanSyntax
		}
		i = skipDigits(p, i)
	}
	return i
}

func scanLiteral(p string, i int, lit string) int {
	if !strings.HasPrefix(p[i:], lit) {
		return scanSyntax
	}
	return i + len(lit)
}

func skipDigits(p string, i int) int {
	for i < len(p) && isDigit(p[i]) {
		i++
	}
	return i
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHex(c byte) bool {
	return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f')
}

// validJSON reports whether p is one JSON value with optional surrounding
// whitespace, nested at most maxDepth deep.
func validJSON(p string, maxDepth int) bool {
	end := scanValue(p, skipWS(p, 0), 0, maxDepth)
	return end >= 0 && skipWS(p, end) == len(p)
}

func skipWS(p string, i int) int {
	for i < len(p) && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r') {
		i++
	}
	return i
}

// tooDeep reports whether objects and arrays nest deeper than max, without
// parsing: a 10k-deep message must cost no more than its length. It reads
// any input, valid JSON or not.
func tooDeep(p string, max int) bool {
	depth := 0
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '"':
			i = skipQuoted(p, i) - 1
		case '{', '[':
			depth++
			if depth > max {
				return true
			}
		case '}', ']':
			depth--
		}
	}
	return false
}

// skipQuoted returns the index just past the closing quote of the string
// at i, or len(p) when it is not closed.
func skipQuoted(p string, i int) int {
	for i++; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}
