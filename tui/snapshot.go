package tui

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/metrics/report"
	"github.com/bridgescope/bridgescope/metrics/report/frameimage"
)

// snapshotWrittenMsg reports the files written by `s`: base is the path
// without extension, or err says why not.
type snapshotWrittenMsg struct {
	base string
	err  error
}

// snapshotExts are the files `s` writes, in the order it writes them.
var snapshotExts = []string{".txt", ".ans", ".md", ".json", ".png", ".svg"}

// snapshotJob is what a snapshot Cmd needs, copied out of the model.
type snapshotJob struct {
	dir     string
	at      time.Time // names the files
	frame   string
	snap    metrics.Snapshot
	colours frameimage.Colours // the image's page
	replay  bool
}

// writeSnapshot writes the frame as plain text (.txt: no trailing spaces,
// then the full text of every alert, note and info the frame had to cut),
// as drawn (.ans) and as images (.png and .svg, under a title bar), and the
// snapshot as Markdown (.md) and JSON (.json), named
// bridgescope-YYYYMMDD-HHMMSS in dir. It runs in a tea.Cmd, never in
// Update, and never overwrites: a second snapshot in the same second gets
// a -2, -3… suffix.
func writeSnapshot(job snapshotJob) snapshotWrittenMsg {
	dir, at, frame, s := job.dir, job.at, job.frame, job.snap
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return snapshotWrittenMsg{err: fmt.Errorf("tui: snapshot dir: %w", err)}
	}
	stem := filepath.Join(dir, "bridgescope-"+at.Format("20060102-150405"))
	base := stem
	for i := 2; ; i++ {
		if !anyExists(base) {
			break
		}
		if i > 99 {
			return snapshotWrittenMsg{err: fmt.Errorf("tui: snapshot %s: too many in one second", stem)}
		}
		base = fmt.Sprintf("%s-%d", stem, i)
	}
	files := []struct {
		ext   string
		write func(io.Writer) error
	}{
		{".txt", plainFrame(frame, s)},
		{".ans", text(frame + "\n")},
		{".md", report.WatchMarkdown(s)},
		{".json", report.WatchJSON(s)},
		{".png", frameimage.PNG(frameImage(frame, s, job.colours, job.replay))},
		{".svg", frameimage.SVG(frameImage(frame, s, job.colours, job.replay))},
	}
	for _, f := range files {
		if err := writeFile(base+f.ext, f.write); err != nil {
			return snapshotWrittenMsg{err: err}
		}
	}
	return snapshotWrittenMsg{base: base}
}

// plainFrame is the frame without colour or padding, then a blank line
// and report.WatchActive.
func plainFrame(frame string, s metrics.Snapshot) func(io.Writer) error {
	return func(w io.Writer) error {
		plain := string(report.TrimLines([]byte(ansi.Strip(frame))))
		if _, err := io.WriteString(w, plain+"\n\n"); err != nil {
			return err
		}
		return report.WatchActive(s)(w)
	}
}

func text(s string) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := io.WriteString(w, s)
		return err
	}
}

func anyExists(base string) bool {
	for _, ext := range snapshotExts {
		if _, err := os.Stat(base + ext); !errors.Is(err, fs.ErrNotExist) {
			return true
		}
	}
	return false
}

// writeFile creates path exclusively and reports write and close errors.
func writeFile(path string, write func(io.Writer) error) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("tui: snapshot: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("tui: snapshot %s: %w", path, cerr)
		}
	}()
	if err := write(f); err != nil {
		return fmt.Errorf("tui: snapshot %s: %w", path, err)
	}
	return nil
}
