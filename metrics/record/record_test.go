package record

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/metrics/report"
)

func watchJSON(t *testing.T, s metrics.Snapshot) string {
	t.Helper()
	var b bytes.Buffer
	if err := report.WatchJSON(s)(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// fakeClock moves with the synthetic snapshots.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

// record writes n synthetic frames of k instances and returns them.
func record(t *testing.T, path string, k, n int, max int64) []metrics.Snapshot {
	return recordEvery(t, path, k, n, max, refresh)
}

func recordEvery(t *testing.T, path string, k, n int, max int64, every time.Duration) []metrics.Snapshot {
	t.Helper()
	s := newSynth(k)
	clock := &fakeClock{t: s.start}
	r, err := Create(path, Header{Bridgescope: "test", Started: s.start, Command: "watch", Redis: "redis://:xxxxx@10.0.0.1:6379",
		Config: map[string]string{"probe-rate": "10"}, Thresholds: metrics.DefaultThresholds()}, Options{MaxBytes: max, Now: clock.now, Every: every, Segment: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	var out []metrics.Snapshot
	for range n {
		snap := s.next()
		clock.t = snap.At
		if err := r.Write(snap); err != nil {
			t.Fatal(err)
		}
		out = append(out, snap)
	}
	if err := r.Close(nil); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRoundTrip: every frame reads back as the snapshot that was written,
// to the byte of watch --json and with the detail view's fields, in order
// and out of order.
func TestRoundTrip(t *testing.T) {
	t.Parallel() // CPU only, on a fake clock: one at a time the package took 111 s under -race
	path := filepath.Join(t.TempDir(), "s.rec")
	want := record(t, path, 5, 4*150, 0) // 150 s: three one-minute segments
	rec, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	if rec.Damage != nil {
		t.Fatalf("damage in a clean file: %v", rec.Damage)
	}
	if rec.Len() != len(want) || rec.Header.Command != "watch" || rec.Header.Config["probe-rate"] != "10" {
		t.Fatalf("%d frames, header %+v", rec.Len(), rec.Header)
	}
	check := func(i int) {
		got, err := rec.Snapshot(i)
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		if g, w := watchJSON(t, got), watchJSON(t, want[i]); g != w {
			t.Fatalf("frame %d differs:\n%s", i, cmp.Diff(w, g))
		}
		for k := range got.Instances {
			g, w := got.Instances[k], want[i].Instances[k]
			if !cmp.Equal(g.Recent, w.Recent) || watchJSON(t, metrics.Snapshot{Chart: g.Chart}) != watchJSON(t, metrics.Snapshot{Chart: w.Chart}) {
				t.Fatalf("frame %d instance %d: the detail view's fields differ", i, k)
			}
			// The distribution is kept every DistEvery: it is one of the
			// last DistEvery's.
			found := false
			for j := i; j >= 0 && want[i].At.Sub(want[j].At) <= DistEvery; j-- {
				found = found || cmp.Equal(g.Dist, want[j].Instances[k].Dist)
			}
			if !found {
				t.Fatalf("frame %d instance %d: the distribution is none of the last %v's", i, k, DistEvery)
			}
		}
	}
	for i := range want {
		check(i)
	}
	for _, i := range []int{599, 3, 250, 240, 239, 0, 480} {
		check(i)
	}
	if got := rec.Index(want[300].At.Add(100 * time.Millisecond)); got != 300 {
		t.Errorf("Index between frames 300 and 301 = %d", got)
	}
}

// TestSize50 records 5 minutes of 50 synthetic instances, as noisy as the
// demo's, at the default frame rate and checks an hour's worth.
func TestSize50(t *testing.T) {
	t.Parallel() // CPU only, on a fake clock
	if testing.Short() {
		t.Skip("5 minutes of frames")
	}
	path := filepath.Join(t.TempDir(), "s.rec")
	start := time.Now()
	recordEvery(t, path, 50, 4*300, 0, DefaultEvery)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	mb := 12 * float64(fi.Size()) / (1 << 20)
	t.Logf("an hour at 50 instances, a frame a second: %.2f MiB (5 minutes written in %v)", mb, time.Since(start).Round(time.Millisecond))
	// The synthetic figures are noisier than the demo's (every percentile
	// moves every second); README has the demo's. The cap is where a
	// regression of the encoding would show (the deltas' charts going
	// whole, say: 40 MiB).
	if mb > 14 {
		t.Errorf("an hour at 50 instances takes %.1f MiB, over a few", mb)
	}
}

func BenchmarkWrite50(b *testing.B) {
	s := newSynth(50)
	var snaps []metrics.Snapshot
	for range 100 {
		snaps = append(snaps, s.next())
	}
	r, err := Create(filepath.Join(b.TempDir(), "s.rec"), Header{}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		if err := r.Write(snaps[i%len(snaps)]); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCapDropsOldest drives a recording past its cap: the file stays under
// it, the oldest segments go, the header says what went, and what is left
// reads back.
func TestCapDropsOldest(t *testing.T) {
	t.Parallel() // CPU only, on a fake clock
	path := filepath.Join(t.TempDir(), "s.rec")
	const max = MinMaxBytes
	want := record(t, path, 10, 1200, max) // 5 minutes of 10 instances: 3 times the cap
	fi, _ := os.Stat(path)
	if fi.Size() > max {
		t.Fatalf("file %d bytes, over the cap %d", fi.Size(), max)
	}
	rec, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	d := rec.Header.Dropped
	if d == nil || d.Segments == 0 || !rec.Start().Equal(d.Before) || rec.Damage != nil {
		t.Fatalf("dropped %+v, first frame %v, damage %v", d, rec.Start(), rec.Damage)
	}
	if !rec.End().Equal(want[len(want)-1].At) {
		t.Fatalf("last frame %v, want the last written %v", rec.End(), want[len(want)-1].At)
	}
	got, err := rec.Snapshot(rec.Len() - 1)
	if err != nil || watchJSON(t, got) != watchJSON(t, want[len(want)-1]) {
		t.Fatalf("the newest frame does not read back: %v", err)
	}
}

// TestTruncatedAndCorrupt: a file cut anywhere, or with a byte changed,
// reads up to the damage and says where it stopped.
func TestTruncatedAndCorrupt(t *testing.T) {
	t.Parallel() // CPU only, on a fake clock
	dir := t.TempDir()
	path := filepath.Join(dir, "s.rec")
	want := record(t, path, 5, 4*200, 0) // 200 s: four one-minute segments to cut across
	raw, _ := os.ReadFile(path)
	for _, cut := range []int{len(raw) - 1, len(raw) * 2 / 3, len(raw) / 3} {
		p := filepath.Join(dir, "cut.rec")
		os.WriteFile(p, raw[:cut], 0o644)
		rec, err := Open(p)
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		// The last byte is the gzip trailer's: every frame is there, and
		// the damage is still said.
		if rec.Damage == nil || rec.Len() == 0 || rec.Len() > len(want) || (cut < len(raw)-8 && rec.Len() == len(want)) {
			t.Fatalf("cut at %d: %d frames, damage %v", cut, rec.Len(), rec.Damage)
		}
		last, err := rec.Snapshot(rec.Len() - 1)
		if err != nil || watchJSON(t, last) != watchJSON(t, want[rec.Len()-1]) {
			t.Fatalf("cut at %d: the last readable frame differs: %v", cut, err)
		}
		rec.Close()
	}
	bad := append([]byte(nil), raw...)
	bad[len(bad)/2] ^= 0xff
	p := filepath.Join(dir, "bad.rec")
	os.WriteFile(p, bad, 0o644)
	rec, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Damage == nil || rec.Len() >= len(want) {
		t.Fatalf("a corrupt byte went unnoticed: %d frames", rec.Len())
	}
	if msg := rec.Damage.Error(); !strings.Contains(msg, "damaged") || !strings.Contains(msg, "after") {
		t.Errorf("damage says %q", msg)
	}
	rec.Close()
	if _, err := Open(filepath.Join(dir, "nope.rec")); err == nil {
		t.Error("a missing file opened")
	}
	os.WriteFile(p, []byte("not a recording"), 0o644)
	if _, err := Open(p); err == nil {
		t.Error("a text file opened as a recording")
	}
}

// TestCapsRefused: a cap under MinMaxBytes is refused, and a frame line
// past maxLine is damage, not a read of unbounded memory.
func TestCapsRefused(t *testing.T) {
	t.Parallel() // CPU only, on a fake clock
	dir := t.TempDir()
	if _, err := Create(filepath.Join(dir, "small.rec"), Header{}, Options{MaxBytes: MinMaxBytes - 1}); err == nil {
		t.Error("a cap under MinMaxBytes was accepted")
	}
	path := filepath.Join(dir, "long.rec")
	hdr, _ := headerMember(Header{Format: FormatName, Version: FormatVersion})
	var seg bytes.Buffer
	zw := gzip.NewWriter(&seg)
	zw.Write([]byte(`{"t":"2026-03-04T03:00:00Z","k":{"at":"`))
	zw.Write(bytes.Repeat([]byte("x"), maxLine+10))
	zw.Write([]byte("\"}}\n"))
	zw.Close()
	os.WriteFile(path, append(hdr, seg.Bytes()...), 0o644)
	rec, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	if rec.Damage == nil || rec.Len() != 0 {
		t.Fatalf("a %d-byte line read as %d frames, damage %v", maxLine+10, rec.Len(), rec.Damage)
	}
}
