package report

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// Reporter writes one report to w and returns any write error.
type Reporter func(io.Writer) error

// MaxText caps text from the wire in a report: IDs, channels, errors. Nothing
// a reader needs is longer, and a megabyte-long ID must not make a megabyte report.
const MaxText = 256

// Sanitize makes text from the wire safe to draw or print: escape sequences
// are removed whole (so "\x1b[2J" leaves nothing, not "[2J"), line breaks and
// tabs become spaces, other control and format characters (bidi overrides
// included) and invalid UTF-8 are dropped, and the result is capped at max
// runes with a "…". The dashboard and every report share it.
func Sanitize(s string, max int) string {
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

// isPlain reports whether s is short printable ASCII without surrounding
// spaces, the common case,
// which Sanitize returns as is without allocating.
func isPlain(s string, max int) bool {
	if len(s) > max || (s != "" && (s[0] == ' ' || s[len(s)-1] == ' ')) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// clean is Sanitize at MaxText: every string a report prints from the wire.
func clean(s string) string { return Sanitize(s, MaxText) }

// OrDash returns s, or "-" when it is empty.
func OrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func msText(ms int64) string { return (time.Duration(ms) * time.Millisecond).String() }

// Aligned writes rows as space-aligned columns, each line starting with
// indent and without trailing spaces. b is a buffer: its only possible
// failure is running out of memory.
func Aligned(b *bytes.Buffer, indent string, rows [][]string) {
	var tb bytes.Buffer
	tw := tabwriter.NewWriter(&tb, 0, 8, 2, ' ', 0)
	for _, row := range rows {
		fmt.Fprintf(tw, "%s%s\n", indent, strings.Join(row, "\t"))
	}
	_ = tw.Flush()
	b.Write(TrimLines(tb.Bytes()))
}

// TrimLines drops the spaces at the end of every line: the padding
// tabwriter leaves after a short last cell.
func TrimLines(p []byte) []byte {
	lines := bytes.Split(p, []byte("\n"))
	for i, l := range lines {
		lines[i] = bytes.TrimRight(l, " ")
	}
	return bytes.Join(lines, []byte("\n"))
}

// write is how every reporter ends: the whole report in one Write, the
// error named after what was written.
func write(w io.Writer, what string, p []byte) error {
	if _, err := w.Write(p); err != nil {
		return fmt.Errorf("report: write %s: %w", what, err)
	}
	return nil
}
