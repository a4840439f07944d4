package harness

import (
	"sync"
	"time"

	"github.com/bridgescope/bridgescope/metrics/report"
)

// maxOutages bounds the outage windows a run keeps: a flapping link past 32
// windows is summed into the last one, so a long run's report stays short
// and this log's memory fixed.
const maxOutages = 32

// outageJoin: a publish failing less than a second after a window closed
// reopens it. After the server is back, a client's pool fails its stale
// connections one by one for a moment (about 170 ms measured here, after a
// kill -9 and restart), and those failures are the same outage, not new ones.
const outageJoin = time.Second

// outage is one window of failing publishes on the run's time axis (since
// publishing began): from the start of the first failing publish to the start
// of the first publish begun after it that succeeded, failures within
// outageJoin of that success included.
type outage struct {
	from, to time.Duration
	closed   bool
	failed   int64
}

// outageLog turns the publishers' results, in the order they return, into
// outage windows. Publishes run on several workers, so a result may come
// back after one begun later: a success begun before a window opened does not
// close it, and a failure begun before the success that closed the last
// window belongs to that window.
type outageLog struct {
	mu      sync.Mutex
	windows []outage
}

// failed books a publish begun at began that failed.
func (l *outageLog) failed(began time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := len(l.windows)
	var last *outage
	if n > 0 {
		last = &l.windows[n-1]
	}
	switch {
	case last != nil && !last.closed:
		last.from = min(last.from, began)
	case last != nil && began < last.to: // a straggler of the last window
	case last != nil && began < last.to+outageJoin:
		last.closed = false // the same outage, failing on
	case n >= maxOutages:
		last.closed = false // summed into the last: it runs on
	default:
		l.windows = append(l.windows, outage{from: began})
		last = &l.windows[n]
	}
	last.failed++
}

// ok books a publish begun at began that succeeded: it closes the open
// window when it began after the window did.
func (l *outageLog) ok(began time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.windows); n > 0 && !l.windows[n-1].closed && began >= l.windows[n-1].from {
		l.windows[n-1].to, l.windows[n-1].closed = began, true
	}
}

// report returns the windows as the report shows them; one still open has
// no end.
func (l *outageLog) report() []report.Outage {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]report.Outage, len(l.windows))
	for i, w := range l.windows {
		out[i] = report.Outage{FromMs: w.from.Milliseconds(), Failed: w.failed}
		if w.closed {
			to := w.to.Milliseconds()
			out[i].ToMs = &to
		}
	}
	return out
}
