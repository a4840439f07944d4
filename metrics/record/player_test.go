package record

import (
	"path/filepath"
	"testing"
	"time"
)

func TestParseAt(t *testing.T) {
	start := time.Date(2026, 3, 4, 23, 50, 0, 0, time.UTC)
	end := start.Add(30 * time.Minute)
	for in, want := range map[string]time.Time{
		"23:55:00":                  start.Add(5 * time.Minute),
		"23:55:00.250":              start.Add(5*time.Minute + 250*time.Millisecond),
		"00:10:00":                  start.Add(20 * time.Minute), // past midnight: the next day
		"+1m30s":                    start.Add(90 * time.Second),
		"-30s":                      end.Add(-30 * time.Second),
		"2026-03-05T00:01:02.5Z":    time.Date(2026, 3, 5, 0, 1, 2, 5e8, time.UTC),
		"2026-03-05T01:01:02+01:00": time.Date(2026, 3, 5, 0, 1, 2, 0, time.UTC),
	} {
		got, err := ParseAt(in, start, end)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseAt(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "tomorrow", "+soon", "25:00:00"} {
		if _, err := ParseAt(bad, start, end); err == nil {
			t.Errorf("ParseAt(%q) accepted", bad)
		}
	}
}

// TestPlayerPlaysSeeksAndStops: the player sends the first frame, moves
// with a seek, stops at the end and closes its channel on Stop.
func TestPlayerPlaysSeeksAndStops(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.rec")
	want := record(t, path, 3, 4*60, 0)
	rec, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	p := NewPlayer(rec)
	next := func() time.Time {
		t.Helper()
		select {
		case s := <-p.Snapshots():
			return s.At
		case <-time.After(5 * time.Second):
			t.Fatal("no frame")
		}
		return time.Time{}
	}
	if at := next(); !at.Equal(want[0].At) {
		t.Fatalf("first frame %v, want %v", at, want[0].At)
	}
	p.TogglePause()
	pos := p.Seek(30 * time.Second)
	if at := next(); !at.Equal(want[rec.Index(pos.At)].At) || !pos.Paused {
		t.Fatalf("after a 30 s seek: frame %v at position %+v", at, pos)
	}
	pos = p.SeekTo(want[len(want)-1].At.Add(time.Hour)) // past the end: the end
	if at := next(); !at.Equal(want[len(want)-1].At) || !pos.At.Equal(rec.End()) {
		t.Fatalf("past the end: frame %v, position %v", at, pos.At)
	}
	p.TogglePause() // at the end, play starts over
	// At 1×, so the frame read is the start's even when this goroutine is
	// slow to read (at 100× a 30 ms delay under -race read frame 12).
	if at := next(); at.After(want[8].At) {
		t.Fatalf("play at the end did not start over: %v", at)
	}
	p.Stop()
	p.Stop()
	for range p.Snapshots() {
	}
}
