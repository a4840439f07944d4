package report

import (
	"bytes"
	"fmt"
	"strings"
)

// mdEscaper escapes what would end a table cell or start markup.
var mdEscaper = strings.NewReplacer(
	"|", `\|`, "\\", `\\`, "*", `\*`, "_", `\_`, "`", "\\`",
	"<", `\<`, ">", `\>`, "\r\n", " ", "\n", " ", "\r", " ",
)

// MarkdownEscape makes s safe inside a Markdown table cell or list item:
// | * _ \ ` < > are escaped and line breaks become spaces, so text from the
// wire can neither break the table nor open a tag or emphasis.
func MarkdownEscape(s string) string { return mdEscaper.Replace(s) }

// MarkdownTable writes rows as a GitHub table, the first row the header.
// Every cell is escaped; a trailing ":" (a text report's label) is dropped.
func MarkdownTable(b *bytes.Buffer, rows [][]string) {
	for i, row := range rows {
		cells := make([]string, len(row))
		for j, c := range row {
			cells[j] = MarkdownEscape(strings.TrimSuffix(c, ":"))
		}
		fmt.Fprintf(b, "| %s |\n", strings.Join(cells, " | "))
		if i == 0 {
			b.WriteString("|" + strings.Repeat(" --- |", len(row)) + "\n")
		}
	}
}

// markdownList writes a titled bullet list; nothing when items is empty.
func markdownList(b *bytes.Buffer, title string, items []string) {
	if len(items) == 0 {
		return
	}
	fmt.Fprintf(b, "\n%s:\n\n", title)
	for _, it := range items {
		fmt.Fprintf(b, "- %s\n", MarkdownEscape(clean(it)))
	}
}

// textList is markdownList for a text report.
func textList(b *bytes.Buffer, title string, items []string) {
	if len(items) == 0 {
		return
	}
	b.WriteString(title + "\n")
	for _, it := range items {
		fmt.Fprintf(b, "  - %s\n", clean(it))
	}
}
