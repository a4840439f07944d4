package cli

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/metrics/record"
	"github.com/bridgescope/bridgescope/probe"
)

// recordFlags are watch's and demo's --record and --record-max.
type recordFlags struct {
	path  string
	max   sizeValue
	every time.Duration
}

func (f *recordFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.path, "record", "", "record the session to `file` (gzip, a snapshot delta per refresh) for 'bridgescope replay' and 'report'")
	f.max = sizeValue(record.DefaultMaxBytes)
	fs.Var(typed(&f.max, "size"), "record-max", "cap the recording at this size (e.g. 256MiB, 2GiB); the oldest data is dropped, and the file says so")
	durationVar(fs, &f.every, "record-every", record.DefaultEvery, "keep a snapshot this often (250ms: every refresh, about 4× the size)")
}

func (f *recordFlags) check() error {
	if f.every < 0 || f.every > time.Minute {
		return fmt.Errorf("--record-every must be within 0..1m, got %v", f.every)
	}
	if int64(f.max) < record.MinMaxBytes {
		return fmt.Errorf("--record-max must be at least %s, got %s", sizeValue(record.MinMaxBytes), f.max)
	}
	return nil
}

// sizeValue is a byte size flag: a number with an optional KiB, MiB, GiB
// (or KB, MB, GB, also powers of 1024, as disks are read) suffix.
type sizeValue int64

func (v sizeValue) String() string {
	for _, u := range []struct {
		name string
		n    int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if int64(v) >= u.n && int64(v)%u.n == 0 {
			return strconv.FormatInt(int64(v)/u.n, 10) + u.name
		}
	}
	return strconv.FormatInt(int64(v), 10)
}

func (v *sizeValue) Set(s string) error {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		n      int64
	}{{"GiB", 1 << 30}, {"GB", 1 << 30}, {"G", 1 << 30}, {"MiB", 1 << 20}, {"MB", 1 << 20}, {"M", 1 << 20},
		{"KiB", 1 << 10}, {"KB", 1 << 10}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.n
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return fmt.Errorf("want a size like 256MiB or 2GiB, got %q", s)
	}
	*v = sizeValue(n * mult)
	return nil
}

// recording is a running --record: the recorder, fed from the observer's
// snapshots by one goroutine that also hands them on to the dashboard.
type recording struct {
	rec  *record.Recorder
	out  chan metrics.Snapshot
	done chan struct{}
	wg   sync.WaitGroup

	mu      sync.Mutex
	err     error // the first write error; the session goes on without the file
	dropped *record.Dropped
}

// startRecording creates the file and starts recording from in. Out gets
// every snapshot, newest first when the dashboard is slow, and closes
// when in does.
func startRecording(f recordFlags, h record.Header, in <-chan metrics.Snapshot, logger *slog.Logger) (*recording, error) {
	r := &recording{out: make(chan metrics.Snapshot, 1), done: make(chan struct{})}
	every := f.every
	if every == 0 {
		every = time.Nanosecond // every refresh
	}
	rec, err := record.Create(f.path, h, record.Options{MaxBytes: int64(f.max), Every: every, OnDrop: func(d record.Dropped) {
		r.mu.Lock()
		r.dropped = &d
		r.mu.Unlock()
		logger.Warn("recording: oldest data dropped to stay under --record-max", "before", d.Before.Format(time.RFC3339), "segments", d.Segments)
	}})
	if err != nil {
		return nil, err
	}
	r.rec = rec
	r.wg.Add(1)
	go r.loop(in, logger)
	return r, nil
}

func (r *recording) loop(in <-chan metrics.Snapshot, logger *slog.Logger) {
	defer r.wg.Done()
	defer close(r.out)
	flush := time.NewTicker(record.FlushEvery)
	defer flush.Stop()
	for {
		select {
		case <-r.done:
			return
		case <-flush.C:
			r.fail(r.rec.Flush(), logger)
		case s, ok := <-in:
			if !ok {
				return
			}
			r.fail(r.rec.Write(s), logger)
			select { // replace an unread snapshot, as the observer does
			case <-r.out:
			default:
			}
			r.out <- s
		}
	}
}

func (r *recording) fail(err error, logger *slog.Logger) {
	if err == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil {
		r.err = err
		logger.Error("recording stopped", "err", err)
	}
}

// finish stops the loop, records final (what a headless run prints) and
// closes the file; it returns what went wrong and a line that says what
// the cap dropped, if anything.
func (r *recording) finish(final metrics.Snapshot) (string, error) {
	close(r.done)
	r.wg.Wait()
	r.mu.Lock()
	werr, dropped := r.err, r.dropped
	r.mu.Unlock()
	var snap *metrics.Snapshot
	if werr == nil {
		snap = &final
	}
	err := errors.Join(werr, r.rec.Close(snap))
	if dropped == nil {
		return "", err
	}
	return fmt.Sprintf("recording: data before %s dropped (%d segments) to stay under --record-max",
		dropped.Before.Format("2006-01-02 15:04:05"), dropped.Segments), err
}

// recordHeader is the recording's header for this session: its settings by
// flag name, never a secret (the URL is redacted, the password file only
// named).
func (f *watchFlags) recordHeader(oc probe.ObserverConfig, o *probe.Observer) record.Header {
	cfg := map[string]string{
		"channels":       strings.Join(oc.Channels, ","),
		"probe-channels": strings.Join(oc.ProbeChannels, ","),
		"probe-rate":     strconv.FormatFloat(f.probeRate, 'g', -1, 64),
		"late-after":     f.lateAfter.String(),
		"forget-after":   f.forgetAfter.String(),
		"transport":      f.transport.String(),
		"baseline":       strconv.FormatBool(f.baseline),
		"theme":          f.theme,
	}
	if cfg["channels"] == "" {
		cfg["channels"] = "bridge:events"
	}
	return record.Header{Bridgescope: Version(), Started: time.Now(), Command: f.cmd, Redis: oc.Conn.Redacted(),
		Observer: o.ID(), Config: cfg, Thresholds: f.th}
}
