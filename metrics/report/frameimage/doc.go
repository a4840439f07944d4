// Package frameimage draws a dashboard frame — a string of text and ANSI SGR
// sequences, as lipgloss renders it — as a PNG or an SVG, in-process.
//
// It owns the cell grid parsed from the frame (Parse), the colour rules that keep
// every glyph readable on the chosen page (Readable: WCAG contrast ≥ MinContrast),
// and the two writers. Box drawing, block elements and the few symbols the
// dashboard uses that Go Mono lacks are drawn as shapes, so lines join across
// cells as they do in a terminal. Nothing here knows the dashboard or its themes.
package frameimage
