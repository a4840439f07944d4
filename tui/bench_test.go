package tui

import "testing"

// BenchmarkView50 measures drawing a frame of 50 instances at 120×40. View
// itself returns the frame drawn by the last change; render is what a
// snapshot or key costs, so that is what is measured.
func BenchmarkView50(b *testing.B) {
	m, _ := newTestModel(b, 120, 40)
	m = withSnapshot(b, m, fixture50())
	b.ReportAllocs()
	for b.Loop() {
		m.frame = m.render()
		_ = m.View()
	}
}

// BenchmarkApply50 measures taking in a 50-instance snapshot (sanitize,
// filter, sort) and drawing it.
func BenchmarkApply50(b *testing.B) {
	m, _ := newTestModel(b, 120, 40)
	s := fixture50()
	b.ReportAllocs()
	for b.Loop() {
		m = m.apply(s).redraw()
	}
}
