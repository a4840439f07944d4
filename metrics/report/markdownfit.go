package report

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// PasteWidth is the widest line a pasted report may have: chat tools and
// GitHub comments wrap or scroll past 100 columns, and tables then break.
const PasteWidth = 100

// MarkdownFit writes rows as MarkdownTable does when every line fits in
// width columns, else as a list: one item per row, its first cell in bold,
// then "HEADER value" pairs, wrapped at width with an indent.
func MarkdownFit(b *bytes.Buffer, rows [][]string, width int) {
	var t bytes.Buffer
	MarkdownTable(&t, rows)
	if widest(t.String()) <= width || len(rows) < 2 {
		b.Write(t.Bytes())
		return
	}
	head := rows[0]
	for _, row := range rows[1:] {
		var parts []string
		for j := 1; j < len(row) && j < len(head); j++ {
			parts = append(parts, MarkdownEscape(head[j])+" "+MarkdownEscape(strings.TrimSuffix(row[j], ":")))
		}
		text := ""
		if len(row) > 0 {
			text = "**" + MarkdownEscape(row[0]) + "**"
		}
		if len(parts) > 0 {
			text += " — " + strings.Join(parts, " · ")
		}
		wrapWords(b, "- ", text, width)
	}
}

// wrapWords writes first and then text, breaking lines before width;
// continuation lines are indented two spaces, as a Markdown list item's. A
// single word longer than a line is cut hard.
func wrapWords(b *bytes.Buffer, first string, text string, width int) {
	line := first
	emit := func() {
		b.WriteString(strings.TrimRight(line, " ") + "\n")
		line = "  "
	}
	for _, w := range strings.Fields(text) {
		for utf8.RuneCountInString(w) > width-2 {
			r := []rune(w)
			if strings.TrimSpace(line) != "" && line != "- " {
				emit()
			}
			line += string(r[:width-3])
			emit()
			w = string(r[width-3:])
		}
		if utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) > width {
			emit()
		}
		if strings.HasSuffix(line, " ") {
			line += w
		} else {
			line += " " + w
		}
	}
	emit()
}

// MarkdownParagraph writes text as a paragraph wrapped at width.
func MarkdownParagraph(b *bytes.Buffer, text string, width int) {
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) > width {
			b.WriteString(line + "\n")
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	if line != "" {
		b.WriteString(line + "\n")
	}
}

// widest is the widest line of s, in runes.
func widest(s string) int {
	n := 0
	for _, l := range strings.Split(s, "\n") {
		n = max(n, utf8.RuneCountInString(l))
	}
	return n
}

// paragraph wraps text into lines of at most width columns (a word longer
// than a line stands alone), for prose that a chat tool or a 100-column
// ticket shows as it is.
func paragraph(text string, width int) string {
	var b strings.Builder
	n := 0
	for _, w := range strings.Fields(text) {
		l := utf8.RuneCountInString(w)
		switch {
		case n == 0:
		case n+1+l > width:
			b.WriteByte('\n')
			n = 0
		default:
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += l
	}
	return b.String()
}
