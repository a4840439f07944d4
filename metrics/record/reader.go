package record

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/bridgescope/bridgescope/metrics"
)

// maxLine caps one frame's line: a keyframe of a full 50-instance
// snapshot is about 150 KB, and the registry's tables are capped, so 64 MiB
// is past anything the recorder writes; a longer line is damage.
const maxLine = 64 << 20

// Recording is a recording opened for reading: its header, the time of
// every frame, and where the damage stopped it, if any. Frames are decoded
// on demand from the segment that holds them.
type Recording struct {
	Header Header
	// Damage is set when the file ends early or is corrupt: the frames
	// before it are all there is.
	Damage *Damage

	path   string
	segs   []segIndex
	frames []time.Time // every frame's time, in order
	cur    cursor
}

// Damage says where reading a recording stopped.
type Damage struct {
	Offset int64     // the compressed byte offset of the segment it is in
	After  time.Time // the last good frame's time; zero when none
	Frames int       // good frames before it
	Err    error
}

func (d Damage) Error() string {
	after := "before its first frame"
	if !d.After.IsZero() {
		after = "after " + d.After.Format("2006-01-02 15:04:05.000 MST")
	}
	return fmt.Sprintf("recording damaged in the segment at byte %d, %s (%d frames readable): %v", d.Offset, after, d.Frames, d.Err)
}

type segIndex struct {
	off   int64 // where its gzip member starts
	first int   // its first frame's index
	n     int   // its frames
}

// cursor is the frame last decoded and the stream positioned after it.
type cursor struct {
	i    int // frame index, -1 when none
	t    tree
	f    *os.File
	gz   *gzip.Reader
	sc   *bufio.Scanner
	seg  int
	open bool
}

// Open reads path's header and indexes every frame. A truncated or corrupt
// file opens with Damage set and the frames before the damage; only a file
// that is not a recording at all (or unreadable) is an error.
func Open(path string) (*Recording, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	defer f.Close()
	cr := &countingReader{r: f}
	br := bufio.NewReaderSize(cr, 1<<16)
	pos := func() int64 { return cr.n - int64(br.Buffered()) }
	gz, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("record: %s is not a recording: %w", path, err)
	}
	gz.Multistream(false)
	rec := &Recording{path: path, cur: cursor{i: -1}}
	sc := scanner(gz)
	if !sc.Scan() {
		return nil, fmt.Errorf("record: %s is not a recording: no header", path)
	}
	if err := json.Unmarshal(sc.Bytes(), &rec.Header); err != nil || rec.Header.Format != FormatName {
		return nil, fmt.Errorf("record: %s is not a recording", path)
	}
	if rec.Header.Version != FormatVersion {
		return nil, fmt.Errorf("record: %s is format version %d; this bridgescope reads %d", path, rec.Header.Version, FormatVersion)
	}
	if _, err := io.Copy(io.Discard, gz); err != nil {
		return nil, fmt.Errorf("record: %s: header: %w", path, err)
	}
	for {
		off := pos()
		if err := gz.Reset(br); err != nil {
			if errors.Is(err, io.EOF) {
				return rec, nil // the end, cleanly between segments
			}
			rec.damage(off, err)
			return rec, nil
		}
		gz.Multistream(false)
		if err := rec.indexSegment(off, gz); err != nil {
			rec.damage(off, err)
			return rec, nil
		}
	}
}

func scanner(r io.Reader) *bufio.Scanner {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<16), maxLine)
	return sc
}

// indexSegment reads one segment, checking every frame decodes and applies.
func (rec *Recording) indexSegment(off int64, r io.Reader) error {
	seg := segIndex{off: off, first: len(rec.frames)}
	defer func() {
		if seg.n > 0 {
			rec.segs = append(rec.segs, seg)
		}
	}()
	sc := scanner(r)
	var t tree
	for sc.Scan() {
		l, next, err := readLine(sc.Bytes(), t, seg.n == 0)
		if err != nil {
			return err
		}
		if len(rec.frames) > 0 && l.At.Before(rec.frames[len(rec.frames)-1]) {
			return fmt.Errorf("record: frame at %v goes back in time", l.At)
		}
		t = next
		rec.frames = append(rec.frames, l.At)
		seg.n++
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return nil
}

// readLine decodes a frame and applies it to t.
func readLine(raw []byte, t tree, first bool) (line, tree, error) {
	var l line
	lt, err := decodeTree(raw)
	if err != nil {
		return l, nil, err
	}
	m, ok := lt.(map[string]any)
	if !ok {
		return l, nil, fmt.Errorf("record: a frame is not an object")
	}
	at, _ := m["t"].(string)
	if l.At, err = time.Parse(time.RFC3339Nano, at); err != nil {
		return l, nil, fmt.Errorf("record: frame time %q: %w", at, err)
	}
	key, isKey := m["k"]
	d, isDelta := m["d"]
	switch {
	case first && isKey:
		return l, key, nil
	case !first && isDelta:
		if p, ok := d.(map[string]any); ok && len(p) == 0 {
			return l, t, nil
		}
		next, err := apply(t, d)
		return l, next, err
	}
	return l, nil, fmt.Errorf("record: frame at %v is neither a segment's keyframe nor a delta", l.At)
}

func (rec *Recording) damage(off int64, err error) {
	d := &Damage{Offset: off, Frames: len(rec.frames), Err: err}
	if n := len(rec.frames); n > 0 {
		d.After = rec.frames[n-1]
	}
	rec.Damage = d
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// Len is the number of frames.
func (rec *Recording) Len() int { return len(rec.frames) }

// Time is frame i's time.
func (rec *Recording) Time(i int) time.Time { return rec.frames[i] }

// Start and End are the first and last frames' times (zero when empty).
func (rec *Recording) Start() time.Time { return rec.at(0) }
func (rec *Recording) End() time.Time   { return rec.at(len(rec.frames) - 1) }

func (rec *Recording) at(i int) time.Time {
	if i < 0 || i >= len(rec.frames) {
		return time.Time{}
	}
	return rec.frames[i]
}

// Index is the frame on show at t: the last one at or before t, or 0 when
// t is before the first.
func (rec *Recording) Index(t time.Time) int {
	i := sort.Search(len(rec.frames), func(i int) bool { return rec.frames[i].After(t) })
	return max(i-1, 0)
}

// Snapshot decodes frame i. Reading forward from the last frame decoded
// continues the stream; anything else starts from i's segment keyframe.
func (rec *Recording) Snapshot(i int) (metrics.Snapshot, error) {
	if i < 0 || i >= len(rec.frames) {
		return metrics.Snapshot{}, fmt.Errorf("record: frame %d of %d", i, len(rec.frames))
	}
	seg := sort.Search(len(rec.segs), func(s int) bool { return rec.segs[s].first > i }) - 1
	c := &rec.cur
	if !c.open || c.seg != seg || c.i > i {
		if err := rec.openSegment(seg); err != nil {
			return metrics.Snapshot{}, err
		}
	}
	for c.i < i {
		if !c.sc.Scan() {
			err := c.sc.Err()
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			return metrics.Snapshot{}, fmt.Errorf("record: reread frame %d: %w", c.i+1, err)
		}
		_, next, err := readLine(c.sc.Bytes(), c.t, c.i+1 == rec.segs[seg].first)
		if err != nil {
			return metrics.Snapshot{}, err
		}
		c.t = next
		c.i++
	}
	return fromTree(c.t)
}

func (rec *Recording) openSegment(seg int) error {
	rec.Close()
	c := &rec.cur
	f, err := os.Open(rec.path)
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	if _, err := f.Seek(rec.segs[seg].off, io.SeekStart); err != nil {
		f.Close()
		return fmt.Errorf("record: %w", err)
	}
	gz, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<16))
	if err != nil {
		f.Close()
		return fmt.Errorf("record: reopen segment: %w", err)
	}
	gz.Multistream(false)
	*c = cursor{i: rec.segs[seg].first - 1, f: f, gz: gz, sc: scanner(gz), seg: seg, open: true}
	return nil
}

// Close releases the file the cursor holds; the Recording stays usable.
func (rec *Recording) Close() error {
	c := &rec.cur
	if !c.open {
		return nil
	}
	c.open = false
	return c.f.Close()
}
