package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/bridgescope/bridgescope/metrics/report"
)

// TestSanitize is the one sanitizer's table of nasty wire text.
func TestSanitize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"bot-1", "bot-1"},
		{"\x1b[2Jbot", "bot"},                  // a whole escape sequence goes, not just ESC
		{"\x1b]0;title\x07bot", "bot"},         // OSC with BEL
		{"a\tb\nc\r\nd", "a b c  d"},           // breaks become spaces
		{"evil\u202eoverride", "eviloverride"}, // bidi override
		{"zero\u200bwidth", "zerowidth"},       // format character
		{"bad\xffutf8", "badutf8"},             // invalid UTF-8
		{"\x00\x01nul", "nul"},                 // C0 controls
		{"\u0085next", "next"},                 // C1 control
		{"  padded  ", "padded"},
		{strings.Repeat("x", 300), strings.Repeat("x", 256) + "…"},
		{"日本語", "日本語"},
	} {
		if got := report.Sanitize(tc.in, report.MaxText); got != tc.want {
			t.Errorf("Sanitize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestMarkdownEscape is the one Markdown escaper's table of nasty cells.
func TestMarkdownEscape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"a|b", `a\|b`},
		{"*bold* _em_", `\*bold\* \_em\_`},
		{"back\\slash", `back\\slash`},
		{"`code`", "\\`code\\`"},
		{"<script>", `\<script\>`},
		{"< 95%", `\< 95%`},
		{"line\nbreak\r\nand\rcr", "line break and cr"},
	} {
		if got := report.MarkdownEscape(tc.in); got != tc.want {
			t.Errorf("MarkdownEscape(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	var b bytes.Buffer
	report.MarkdownTable(&b, [][]string{{"Name:", "V"}, {"a|b\nc", "<x>"}})
	want := "| Name | V |\n| --- | --- |\n| a\\|b c | \\<x\\> |\n"
	if b.String() != want {
		t.Errorf("MarkdownTable = %q, want %q", b.String(), want)
	}
}

// TestJSONOneSetting: every JSON output is indented, one object that
// begins with its schema version, and keeps "<" and "&" readable; a JSON
// line is the same object on one line.
func TestJSONOneSetting(t *testing.T) {
	var b bytes.Buffer
	if err := report.JSON(map[string]string{"warn": "< 95% & more"})(&b); err != nil {
		t.Fatal(err)
	}
	if want := "{\n  \"schemaVersion\": 3,\n  \"warn\": \"< 95% & more\"\n}\n"; b.String() != want {
		t.Errorf("JSON = %q, want %q", b.String(), want)
	}
	b.Reset()
	if err := report.JSONLine(struct {
		A []int `json:"a"`
	}{[]int{1, 2}})(&b); err != nil {
		t.Fatal(err)
	}
	if want := `{"schemaVersion":3,"a":[1,2]}` + "\n"; b.String() != want {
		t.Errorf("JSONLine = %q, want %q", b.String(), want)
	}
	b.Reset()
	if err := report.JSON(struct{}{})(&b); err != nil || b.String() != "{\n  \"schemaVersion\": 3\n}\n" {
		t.Errorf("empty object: %q, %v", b.String(), err)
	}
	if err := report.JSON([]int{1})(&b); err == nil || !strings.Contains(err.Error(), "not a JSON object") {
		t.Errorf("a list: err %v, want one saying it is not an object", err)
	}
}
