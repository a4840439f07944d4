package cli

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/bridgescope/bridgescope/tui"
)

// DefaultMaxSessions is --max-sessions: a rotation and its escalation
// watching one incident, with room; each session is a dashboard drawn up
// to 10 times a second on the observer's host.
const DefaultMaxSessions = 16

// maxMaxSessions bounds --max-sessions: past it the observer's host
// spends more on drawing than on probing.
const maxMaxSessions = 256

// maxUserRunes caps the SSH user name kept for the screen and the log:
// the client chooses it, and names are short.
const maxUserRunes = 64

// endReason is why the server ended a session; its text is the line the
// session is left with.
type endReason struct{ text string }

func (e endReason) Error() string { return e.text }

// viewerSession is one dashboard over SSH.
type viewerSession struct {
	id          uint64
	user, addr  string
	key         gossh.PublicKey
	fp, comment string
	since       time.Time
	// ctx ends when the server ends the session (end's cause says why)
	// or when the client goes.
	ctx       context.Context
	end       context.CancelCauseFunc
	audience  chan tui.Audience // newest wins; closed by leave
	lastInput atomic.Int64      // unix ns of the last byte typed
}

// sessionTable is the sessions open, at most max, and what each may know
// of the others.
type sessionTable struct {
	max        int
	isOperator func(gossh.PublicKey) bool

	mu     sync.Mutex
	live   map[uint64]*viewerSession
	nextID uint64
	closed error // set by endAll: why new sessions are refused
	wg     sync.WaitGroup
}

func newSessionTable(max int, isOperator func(gossh.PublicKey) bool) *sessionTable {
	return &sessionTable{max: max, isOperator: isOperator, live: map[uint64]*viewerSession{}}
}

var errSessionsFull = errors.New("sessions full")

// join adds vs, or says why not: the table is full or closed.
func (t *sessionTable) join(vs *viewerSession) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed != nil {
		return t.closed
	}
	if len(t.live) >= t.max {
		return fmt.Errorf("%w: %d sessions open (--max-sessions %d); try again later", errSessionsFull, len(t.live), t.max)
	}
	t.nextID++
	vs.id = t.nextID
	vs.audience = make(chan tui.Audience, 1)
	t.live[vs.id] = vs
	t.wg.Add(1)
	t.publishLocked()
	return nil
}

// leave removes vs and closes its audience channel; the others learn it.
func (t *sessionTable) leave(vs *viewerSession) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.live[vs.id]; !ok {
		return
	}
	delete(t.live, vs.id)
	close(vs.audience)
	t.wg.Done()
	t.publishLocked()
}

// publishLocked gives every session its audience: the count for all, who
// is connected for operators only.
func (t *sessionTable) publishLocked() {
	ids := make([]uint64, 0, len(t.live))
	for id := range t.live {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] }) // oldest first
	who := make([]tui.Viewer, len(ids))
	for i, id := range ids {
		vs := t.live[id]
		who[i] = tui.Viewer{User: vs.user, Key: vs.fp, Comment: vs.comment, Operator: t.isOperator(vs.key), Since: vs.since}
	}
	for i, id := range ids {
		vs := t.live[id]
		a := tui.Audience{Viewers: len(ids)}
		if who[i].Operator {
			a.Who = append([]tui.Viewer(nil), who...)
			a.Who[i].You = true
		}
		offer(vs.audience, a)
	}
}

// refresh sends every session its audience again (roles may have
// changed).
func (t *sessionTable) refresh() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.publishLocked()
}

// count is how many sessions are open.
func (t *sessionTable) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.live)
}

// endWhere ends the sessions for which pred holds, with why.
func (t *sessionTable) endWhere(pred func(*viewerSession) bool, why error) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, vs := range t.live {
		if pred(vs) {
			vs.end(why)
			n++
		}
	}
	return n
}

// endAll refuses new sessions from now on and ends every open one, with
// why; wait then waits for them to be gone.
func (t *sessionTable) endAll(why error) {
	t.mu.Lock()
	if t.closed == nil {
		t.closed = why
	}
	t.mu.Unlock()
	t.endWhere(func(*viewerSession) bool { return true }, why)
}

// wait waits until every session has left, at most d; it reports whether
// they all did.
func (t *sessionTable) wait(d time.Duration) bool {
	done := make(chan struct{})
	go func() { t.wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}
