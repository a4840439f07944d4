package bridge

import (
	"context"
	"net"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// maxReadBatch bounds the messages a reader holds before it hands them to
// the dispatcher even though go-redis has more buffered: a 32 KiB read
// buffer holds about 200 events of 150 bytes, and 128 keeps the first of a
// batch waiting for at most ~100 µs of decoding behind it.
const maxReadBatch = 128

// A reader delivers a batch itself only while handlers are quick: a batch
// that took longer than inlineBudget sends it back to the queue for
// cooldownFactor times as long as it took (at most maxCooldown), so a slow
// handler holds up the queue (QueueSize), not the socket, while one slow
// batch (a collection, a lock held for a moment) costs a few milliseconds
// of wake-ups rather than a second of them. deadlineSlack is the hold-up
// below which the read deadline (the liveness wait, seconds) is left as it
// was.
const (
	inlineBudget   = time.Millisecond
	cooldownFactor = 10
	maxCooldown    = time.Second
	deadlineSlack  = time.Millisecond
)

// readHookKey carries a subscription reader's readHook in the context its
// connection is dialled with.
type readHookKey struct{}

// readHook batches a subscription's hand-off to the dispatcher. go-redis
// reads the socket only when its buffer is empty, so the moment its
// connection's Read is called is the moment the reader has taken every
// message already received: the reader collects messages in pending and the
// connection hands them over right before it reads (or blocks) again. The
// dispatcher then wakes once per socket read, not once per message.
//
// A message's receive time is the end of the socket read that completed
// it: every message parsed from one read was in the process then, so one
// clock reading per read serves them all, and no message's time includes
// the parsing or handling of those before it.
//
// The hook is bound to the last connection dialled with it (the
// subscription's: nothing else is dialled with the reader's context). Until
// one is, or on any other connection, messages are queued one at a time and
// stamped with their own clock reading; a connection that is not the bound
// one never touches pending, so no other goroutine's read can race the
// reader's batch.
type readHook struct {
	b       *Bridge
	pending []rawMsg
	conn    atomic.Pointer[hookConn] // the connection it batches for; nil: none yet
	readNs  atomic.Int64             // when a socket read last returned data
	// flushedNs is when a hand-off that waited for room in the queue, or
	// ran the handlers, ended: a blocked queue is not a silent link.
	flushedNs int64
	slowUntil time.Time // no inline delivery before then
}

func newReadHook(b *Bridge) *readHook {
	return &readHook{b: b, pending: make([]rawMsg, 0, maxReadBatch)}
}

// withReadHook puts h in ctx for the dialer to find.
func withReadHook(ctx context.Context, h *readHook) context.Context {
	return context.WithValue(ctx, readHookKey{}, h)
}

// stamp is the receive time of the message go-redis just returned.
func (h *readHook) stamp() int64 {
	if h.conn.Load() != nil {
		if ns := h.readNs.Load(); ns != 0 {
			return ns
		}
	}
	return time.Now().UnixNano()
}

// add takes one message; it hands the batch over at once when the hook is
// bound to no connection or the batch is full.
func (h *readHook) add(m *redis.Message, recvNs int64) {
	raw := rawMsg{channel: m.Channel, pattern: m.Pattern, payload: m.Payload, recvNs: recvNs}
	h.b.bound(&raw)
	h.pending = append(h.pending, raw)
	switch {
	case h.conn.Load() == nil:
		h.flush()
	case len(h.pending) >= maxReadBatch:
		h.handOver(time.Now())
	}
}

// handOver delivers the batch on this goroutine when nothing is queued
// before it and handlers have been quick, else queues it. It returns how
// long that held the reader up (0 when it did not wait or deliver).
func (h *readHook) handOver(start time.Time) time.Duration {
	if h.inline(start) {
		end := time.Now()
		h.flushedNs = end.UnixNano()
		spent := end.Sub(start)
		if spent > inlineBudget {
			h.slowUntil = end.Add(min(cooldownFactor*spent, maxCooldown))
		}
		return spent
	}
	if h.flush() {
		return time.Since(start)
	}
	return 0
}

// inline delivers the batch itself: no goroutine to wake. Only when no
// message waits in the queue (order) and none is being delivered (dmu:
// one at a time), never with DropWhenFull (its drops need the queue).
func (h *readHook) inline(now time.Time) bool {
	b := h.b
	if b.cfg.DropWhenFull || now.Before(h.slowUntil) || b.queued.Load() != 0 || !b.dmu.TryLock() {
		return false
	}
	defer b.dmu.Unlock()
	if b.queued.Load() != 0 { // queued between the look and the lock
		return false
	}
	for _, raw := range h.pending {
		b.deliver(raw)
	}
	clear(h.pending)
	h.pending = h.pending[:0]
	return true
}

// flush hands every pending message to the dispatcher: blocking by default,
// or dropping and counting with DropWhenFull. It reports whether it had to
// wait for room.
func (h *readHook) flush() (waited bool) {
	if len(h.pending) == 0 {
		return false
	}
	b := h.b
	var drops uint64
	for _, raw := range h.pending {
		if b.trySend(raw) {
			continue
		}
		if b.cfg.DropWhenFull {
			drops++
			continue
		}
		waited = true
		b.send(raw)
	}
	clear(h.pending) // no payload stays reachable from here
	h.pending = h.pending[:0]
	if drops > 0 {
		b.mu.Lock()
		b.c.drops += drops
		b.mu.Unlock()
	}
	if waited {
		h.flushedNs = time.Now().UnixNano()
	}
	return waited
}

// lastActive is the later of the last socket read and the end of the last
// hand-off that waited: what the liveness check counts as "not silent".
func (h *readHook) lastActive() int64 {
	return max(h.readNs.Load(), h.flushedNs)
}

// hookDialer wraps dial: a connection dialled for a subscription reader
// (its readHook in ctx) hands the reader's batch over before each read.
func hookDialer(dial func(ctx context.Context, network, addr string) (net.Conn, error)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		h, _ := ctx.Value(readHookKey{}).(*readHook)
		if h == nil {
			return c, nil
		}
		hc := &hookConn{Conn: c, h: h}
		h.conn.Store(hc)
		return hc, nil
	}
}

// hookConn is a subscription connection that flushes its reader's batch
// before it reads. go-redis reads it from the reader's goroutine only.
type hookConn struct {
	net.Conn
	h        *readHook
	deadline time.Time // the read deadline go-redis last set
}

func (c *hookConn) Read(p []byte) (int, error) {
	if c.h.conn.Load() != c {
		return c.Conn.Read(p) // not (or no longer) the reader's connection
	}
	if len(c.h.pending) > 0 {
		if spent := c.h.handOver(time.Now()); spent > deadlineSlack && !c.deadline.IsZero() {
			// The deadline is go-redis's wait for the server; time spent
			// on our own queue or handlers is not the server's.
			c.deadline = c.deadline.Add(spent)
			_ = c.Conn.SetReadDeadline(c.deadline) // an error here fails the Read below
		}
	}
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.h.readNs.Store(time.Now().UnixNano())
	}
	return n, err
}

func (c *hookConn) SetReadDeadline(t time.Time) error {
	c.deadline = t
	return c.Conn.SetReadDeadline(t)
}

func (c *hookConn) SetDeadline(t time.Time) error {
	c.deadline = t
	return c.Conn.SetDeadline(t)
}
