package record

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/bridgescope/bridgescope/metrics"
)

const (
	// DefaultMaxBytes is --record-max's default: 256 MiB holds days of a
	// 50-instance session (README: a few MB an hour) and fits any disk.
	DefaultMaxBytes = 256 << 20
	// MinMaxBytes is the smallest cap: below it a few 50-instance
	// keyframes would not fit, and the recorder would do nothing but drop.
	MinMaxBytes = 256 << 10
	// DefaultEvery is how often a frame is kept: once a second. The
	// observer refreshes four times a second, but at 50 instances each
	// refresh brings about a kilobyte of new float digits (the averages
	// and clock offsets) that no compression removes: 15 MB an hour at
	// every refresh, a few at one a second, which is also what the screen's
	// per-second charts and the flush promise resolve.
	DefaultEvery = time.Second
	// DistEvery is how often an instance's latency distribution (the
	// detail view's bars, 16 buckets whose bounds move with every new
	// minimum or maximum) is kept; between, a replay shows the last one
	// kept. It is a third of a 50-instance frame otherwise, and the bars
	// of a whole session barely move in 10 s.
	DistEvery = 10 * time.Second
	// FlushEvery bounds what a kill -9 loses: frames are flushed to the
	// file at least this often.
	FlushEvery = time.Second
	// SegmentEvery starts a new segment (a gzip member opening with a
	// whole snapshot) this often: what seeking replays at most, what the
	// cap drops at least, and what damage loses at most before the end.
	SegmentEvery = 5 * time.Minute
	// segmentShare: a segment also ends once it is this share of the cap,
	// so the cap can always drop something old and keep the rest.
	segmentShare = 8
	// keepShare: when the cap is passed, the oldest segments go until the
	// file is at most this share (3/4) of it, so the rewrite is rare.
	keepNum, keepDen = 3, 4
)

// Recorder writes a recording. Write and Close are safe to call from one
// goroutine at a time; a failed write makes every later call return the
// same error.
type Recorder struct {
	path   string
	header Header
	max    int64
	now    func() time.Time

	mu       sync.Mutex
	f        *os.File
	size     int64     // bytes in the file
	segs     []segMark // the segments in the file, oldest first
	gz       *gzip.Writer
	prev     tree // the last frame written, nil at a segment's start
	segStart time.Time
	pending  time.Time // when the oldest frame not yet flushed was written
	wrote    time.Time // when the last frame was written
	every    time.Duration
	segment  time.Duration
	last     time.Time // the last frame's time
	distAt   time.Time // when the distributions were last kept
	err      error
	onDrop   func(Dropped)
}

// segMark is where a segment starts in the file and its first frame's time.
type segMark struct {
	off int64
	at  time.Time
}

// Options are a Recorder's settings beyond the header.
type Options struct {
	MaxBytes int64 // DefaultMaxBytes when 0; at least MinMaxBytes
	// OnDrop is told each time the cap drops old data (all of it dropped
	// so far); it must not block.
	OnDrop func(Dropped)
	// Segment is how long a segment runs (SegmentEvery when 0).
	Segment time.Duration
	// Every keeps a frame only when it is this far past the one before
	// (DefaultEvery when 0; under the observer's refresh, every one).
	Every time.Duration
	// Now is the clock for flushing and segments; time.Now when nil.
	Now func() time.Time
}

// Create starts a recording at path, replacing what was there.
func Create(path string, h Header, o Options) (*Recorder, error) {
	if o.MaxBytes == 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxBytes < MinMaxBytes {
		return nil, fmt.Errorf("record: cap %d bytes is under the least, %d", o.MaxBytes, MinMaxBytes)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Every == 0 {
		o.Every = DefaultEvery
	}
	if o.Segment == 0 {
		o.Segment = SegmentEvery
	}
	h.Format, h.Version, h.MaxBytes = FormatName, FormatVersion, o.MaxBytes
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	r := &Recorder{path: path, header: h, max: o.MaxBytes, now: o.Now, f: f, onDrop: o.OnDrop, every: o.Every, segment: o.Segment}
	hdr, err := headerMember(h)
	if err == nil {
		err = r.put(hdr)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return r, nil
}

// headerMember is the header as a whole gzip member.
func headerMember(h Header) ([]byte, error) {
	raw, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("record: encode header: %w", err)
	}
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(append(raw, '\n')) // into a buffer: cannot fail
	zw.Close()
	return b.Bytes(), nil
}

// put writes p at the end of the file.
func (r *Recorder) put(p []byte) error {
	n, err := r.f.Write(p)
	r.size += int64(n)
	if err != nil {
		return fmt.Errorf("record: write %s: %w", r.path, err)
	}
	return nil
}

// fileWriter is the gzip members' sink: the recorder's file as it is now
// (the cap's rewrite replaces it).
type fileWriter struct{ r *Recorder }

func (w fileWriter) Write(p []byte) (int, error) {
	if err := w.r.put(p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Write records one snapshot, unless it is less than Options.Every after
// the last one kept (or not after it at all).
func (r *Recorder) Write(s metrics.Snapshot) error { return r.keep(s, false) }

func (r *Recorder) keep(s metrics.Snapshot, always bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	// Within an eighth: the refresh ticker's jitter must not make a frame
	// a second into one every 1.25 s.
	if !r.last.IsZero() && (!s.At.After(r.last) || (!always && s.At.Sub(r.last) < r.every-r.every/8)) {
		return nil
	}
	r.last = s.At
	r.err = r.write(s)
	return r.err
}

func (r *Recorder) write(s metrics.Snapshot) error {
	t, err := toTree(s)
	if err != nil {
		return err
	}
	now := r.now()
	if r.gz != nil && (now.Sub(r.segStart) >= r.segment || r.size-r.segs[len(r.segs)-1].off >= r.max/segmentShare) {
		if err := r.endSegment(); err != nil {
			return err
		}
	}
	if r.gz != nil && s.At.Sub(r.distAt) < DistEvery {
		keepDists(r.prev, t)
	} else {
		r.distAt = s.At
	}
	l := line{At: s.At}
	if r.gz == nil {
		r.segs = append(r.segs, segMark{off: r.size, at: s.At})
		r.gz, _ = gzip.NewWriterLevel(fileWriter{r}, gzip.BestCompression) // a valid level: no error
		r.segStart = now
		l.Key = t
	} else if d, changed := diff(r.prev, t); changed {
		l.Delta = d
	} else {
		l.Delta = map[string]any{}
	}
	raw, err := json.Marshal(l)
	if err != nil {
		return fmt.Errorf("record: encode frame: %w", err)
	}
	if _, err := r.gz.Write(append(raw, '\n')); err != nil {
		return err
	}
	r.prev = t
	// A frame that comes after a pause (a frame a second) is flushed at
	// once; frames that come fast are flushed when the oldest of them is
	// half the promise old, leaving the other half for scheduling.
	last := r.wrote
	r.wrote = now
	if r.pending.IsZero() {
		r.pending = now
	}
	if now.Sub(last) >= FlushEvery/2 || now.Sub(r.pending) >= FlushEvery/2 {
		return r.flush(now)
	}
	return nil
}

// Flush writes what is buffered to the file; the recording's owner calls
// it when no snapshot came for FlushEvery.
func (r *Recorder) Flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil || r.gz == nil || r.pending.IsZero() {
		return r.err
	}
	r.err = r.flush(r.now())
	return r.err
}

func (r *Recorder) flush(time.Time) error {
	r.pending = time.Time{}
	if err := r.gz.Flush(); err != nil {
		return err
	}
	return r.capSize()
}

func (r *Recorder) endSegment() error {
	err := r.gz.Close()
	r.gz, r.prev = nil, nil
	if err != nil {
		return err
	}
	return r.capSize()
}

// capSize drops the oldest segments, never the one being written, once the
// file passes the cap: it writes the header (saying what went) and the
// segments kept to a new file and renames it over the old, so a kill -9
// mid-way leaves the old file whole.
func (r *Recorder) capSize() error {
	if r.size <= r.max || len(r.segs) < 2 {
		return nil
	}
	drop := 1
	for drop < len(r.segs)-1 && r.size-(r.segs[drop].off-r.segs[0].off) > r.max*keepNum/keepDen {
		drop++
	}
	from := r.segs[drop].off
	d := Dropped{Before: r.segs[drop].at, Segments: drop, Bytes: from - r.segs[0].off}
	if p := r.header.Dropped; p != nil {
		d.Segments += p.Segments
		d.Bytes += p.Bytes
	}
	h := r.header
	h.Dropped = &d
	hdr, err := headerMember(h)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(r.path), filepath.Base(r.path)+".cap-*")
	if err != nil {
		return fmt.Errorf("record: cap: %w", err)
	}
	defer os.Remove(tmp.Name()) // gone once renamed; left over only on failure
	if _, err := tmp.Write(hdr); err != nil {
		tmp.Close()
		return fmt.Errorf("record: cap: %w", err)
	}
	if _, err := r.f.Seek(from, io.SeekStart); err != nil {
		tmp.Close()
		return fmt.Errorf("record: cap: %w", err)
	}
	if _, err := io.Copy(tmp, r.f); err != nil {
		tmp.Close()
		return fmt.Errorf("record: cap: %w", err)
	}
	if err := os.Rename(tmp.Name(), r.path); err != nil {
		tmp.Close()
		return fmt.Errorf("record: cap: %w", err)
	}
	r.f.Close()
	r.f = tmp // positioned at its end: the next write appends
	shift := from - int64(len(hdr))
	r.segs = r.segs[drop:]
	for i := range r.segs {
		r.segs[i].off -= shift
	}
	r.size -= shift
	r.header = h
	if r.onDrop != nil {
		r.onDrop(d)
	}
	return nil
}

// Close records final (the state a headless run prints at its end, so a
// replay at that moment shows the same) unless it is zero, ends the
// segment and closes the file.
func (r *Recorder) Close(final *metrics.Snapshot) error {
	var errs []error
	if final != nil {
		errs = append(errs, r.keep(*final, true))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil && r.gz != nil {
		errs = append(errs, r.endSegment())
	}
	errs = append(errs, r.f.Close())
	if r.err != nil && !errors.Is(errors.Join(errs...), r.err) {
		errs = append(errs, r.err)
	}
	r.err = errors.New("record: closed")
	return errors.Join(errs...)
}

// Size is the file's size now.
func (r *Recorder) Size() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.size
}

// keepDists gives every instance of t the distribution it had in prev, so
// the frame's delta carries none.
func keepDists(prev, t tree) {
	old := map[any]any{}
	for _, row := range instanceRows(prev) {
		old[row["id"]] = row["~dist"]
	}
	for _, row := range instanceRows(t) {
		if d, ok := old[row["id"]]; ok {
			row["~dist"] = d
		}
	}
}

func instanceRows(t tree) []map[string]any {
	m, _ := t.(map[string]any)
	rows, _ := m["instances"].([]any)
	out := make([]map[string]any, 0, len(rows))
	for _, r := range rows {
		if row, ok := r.(map[string]any); ok {
			out = append(out, row)
		}
	}
	return out
}
