package tui

import (
	"fmt"
	"testing"

	"github.com/bridgescope/bridgescope/metrics"
)

// BenchmarkView50 measures drawing a frame of 50 instances at 120×40. View
// itself returns the frame drawn by the last change; render is what a
// snapshot or key costs, so that is what is measured.
func BenchmarkView50(b *testing.B) { benchView(b, fixture50()) }

// BenchmarkApply50 measures taking in a 50-instance snapshot (sanitize,
// filter, sort) and drawing it.
func BenchmarkApply50(b *testing.B) { benchApply(b, fixture50()) }

// BenchmarkView1000 is a frame of 1,000 instances at 120×40 (issue 15:
// ≤ 5 ms): the table shows a screenful, but sorting, filtering and the
// header's counts see all of them.
func BenchmarkView1000(b *testing.B) { benchView(b, fixture1000()) }

// BenchmarkApply1000 takes in a 1,000-instance snapshot and draws it: what
// each refresh costs the screen.
func BenchmarkApply1000(b *testing.B) { benchApply(b, fixture1000()) }

func benchView(b *testing.B, s metrics.Snapshot) {
	m, _ := newTestModel(b, 120, 40)
	m = withSnapshot(b, m, s)
	b.ReportAllocs()
	for b.Loop() {
		m.frame = m.render()
		_ = m.View()
	}
}

func benchApply(b *testing.B, s metrics.Snapshot) {
	m, _ := newTestModel(b, 120, 40)
	b.ReportAllocs()
	for b.Loop() {
		m = m.apply(s).redraw()
	}
}

// fixture1000 is fixture50's mix of levels and IDs, twenty times over.
func fixture1000() metrics.Snapshot {
	s := fixture50()
	base := s.Instances
	s.Instances = nil
	for r := range 20 {
		for _, in := range base {
			in.ID = fmt.Sprintf("%s-%02d", in.ID, r)
			s.Instances = append(s.Instances, in)
		}
	}
	return s
}
