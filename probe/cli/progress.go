package cli

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/bridgescope/bridgescope/probe/harness"
)

// plainProgressEvery is how often a run without a terminal prints a
// progress line, and only with --verbose.
const plainProgressEvery = 5 * time.Second

// maxHeld bounds the log lines held back while the run connects.
const maxHeld = 64 << 10

// progress shows a harness run on stderr: on a terminal one status line
// redrawn in place, otherwise (with verbose) a plain line every few
// seconds. It is also the writer of the verbose log and the headless
// logger, so their lines never tear the status line. Until the run reports
// its first progress it holds log lines back: if connecting fails, the one
// error line says it all, and go-redis's dial warnings are dropped.
type progress struct {
	mu        sync.Mutex
	w         io.Writer
	tty       bool
	verbose   bool
	line      string // the status line on screen, "" when none
	lastPlain time.Time
	now       func() time.Time
	holding   bool
	held      strings.Builder
}

func newProgress(w io.Writer, tty, verbose bool) *progress {
	p := &progress{w: w, tty: tty, verbose: verbose, now: time.Now, holding: true}
	p.lastPlain = p.now()
	return p
}

// update is the harness's Progress callback.
func (p *progress) update(hp harness.Progress) {
	line := progressLine(hp)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.release(true)
	switch {
	case p.tty:
		p.line = line
		p.write("\r" + line + "\x1b[K")
	case p.verbose && p.now().Sub(p.lastPlain) >= plainProgressEvery:
		p.lastPlain = p.now()
		p.write(line + "\n")
	}
}

// Write prints log lines above the status line.
func (p *progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.holding {
		if p.held.Len()+len(b) <= maxHeld {
			p.held.Write(b)
		}
		return len(b), nil
	}
	var s strings.Builder
	if p.line != "" {
		s.WriteString("\r\x1b[K")
	}
	s.Write(b)
	if p.line != "" {
		s.WriteString("\r" + p.line + "\x1b[K")
	}
	if _, err := io.WriteString(p.w, s.String()); err != nil {
		return 0, err
	}
	return len(b), nil
}

// finish erases the status line before the report, and prints the log
// lines still held back unless the run failed.
func (p *progress) finish(failed bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.line != "" {
		p.write("\r\x1b[K")
		p.line = ""
	}
	p.release(!failed)
}

// release stops holding log lines back, printing them or not.
func (p *progress) release(print bool) {
	if !p.holding {
		return
	}
	p.holding = false
	if print && p.held.Len() > 0 {
		p.write(p.held.String())
	}
	p.held.Reset()
}

// write ignores errors: a progress line that cannot be shown must not
// stop the run.
func (p *progress) write(s string) { _, _ = io.WriteString(p.w, s) }

// progressLine is e.g. "validate 3.2s/20s  published 32  received 64  delivery 100.00%".
func progressLine(hp harness.Progress) string {
	phase := fmt.Sprintf("%v/%v", hp.Elapsed.Truncate(100*time.Millisecond), hp.Duration)
	if hp.Elapsed >= hp.Duration {
		phase = "draining"
	}
	delivery := "-"
	if hp.Expected > 0 {
		// A delivery can be counted before its publish returns: cap at 100.
		delivery = fmt.Sprintf("%.2f%%", min(100, 100*float64(hp.Received)/float64(hp.Expected)))
	}
	return fmt.Sprintf("validate %s  published %d  received %d  delivery %s",
		phase, hp.Published, hp.Received, delivery)
}
