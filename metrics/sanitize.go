package metrics

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// SanitizeText makes text from the wire safe to draw or print: escape
// sequences are removed whole (so "\x1b[2J" leaves nothing, not "[2J"), line
// breaks and tabs become spaces, other control and format characters (bidi
// overrides included) and invalid UTF-8 are dropped, and the result is
// capped at max runes. The dashboard and the reports share it.
func SanitizeText(s string, max int) string {
	if isPlain(s, max) {
		return s
	}
	s = ansi.Strip(s)
	var b strings.Builder
	n := 0
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			r = ' '
		case r == utf8.RuneError, unicode.IsControl(r), unicode.Is(unicode.Cf, r):
			continue
		}
		if n == max {
			b.WriteRune('…')
			break
		}
		b.WriteRune(r)
		n++
	}
	return strings.TrimSpace(b.String())
}

// isPlain reports whether s is short printable ASCII, the common case,
// which SanitizeText returns as is without allocating.
func isPlain(s string, max int) bool {
	if len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return false
		}
	}
	return true
}
