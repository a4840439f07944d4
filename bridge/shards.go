package bridge

import (
	"fmt"
	"time"
)

// ShardStats is the state of one subscription connection: to the server (standalone),
// to the current master (Sentinel), to the node carrying the broadcast subscription
// (Cluster), or to one shard's master (Cluster with Config.Sharded).
type ShardStats struct {
	Addr       string
	State      ConnState
	StateSince time.Time
	LastError  string // redacted
	Reconnects uint64 // successful resubscriptions on this node after a loss
	Channels   int    // channels and patterns it carries
}

// shardBook is the per-connection side of counters, guarded by Bridge.mu.
type shardBook struct {
	rows  map[string]*shardRow
	order []string // the current targets' addresses, in resolve order
	ready bool     // Start's wait is over (subscribed, or failed for good)
}

type shardRow struct {
	ShardStats
	subscribed bool // at least once
}

// setTargets makes the current targets the rows of the book. A row that appears after
// Start is part of an outage until subscribed, so it starts disconnected.
func (b *Bridge) setTargets(targets []target) {
	b.mu.Lock()
	defer b.mu.Unlock()
	book := &b.c.book
	if book.rows == nil {
		book.rows = make(map[string]*shardRow)
	}
	keep := make(map[string]*shardRow, len(targets))
	book.order = book.order[:0]
	for _, t := range targets {
		row := book.rows[t.addr]
		if row == nil {
			st := StateConnecting
			if book.ready {
				st = StateDisconnected
			}
			row = &shardRow{ShardStats: ShardStats{Addr: t.addr, State: st, StateSince: time.Now()}}
		}
		row.Channels = t.count()
		keep[t.addr] = row
		book.order = append(book.order, t.addr)
	}
	book.rows = keep
	b.aggregateLocked()
}

// shardConnected records a confirmed subscription and reports whether Start may return.
func (b *Bridge) shardConnected(addr string) {
	b.mu.Lock()
	row := b.c.book.rows[addr]
	if row == nil { // replaced while subscribing; its exit follows
		b.mu.Unlock()
		return
	}
	if row.subscribed || b.c.book.ready {
		row.Reconnects++
		b.c.reconnects++
	}
	row.subscribed = true
	setRowState(row, StateConnected, "")
	b.aggregateLocked()
	open := !b.c.book.ready && b.c.state == StateConnected
	if open {
		b.c.book.ready = true
	}
	b.mu.Unlock()
	if open {
		close(b.ready)
	}
}

// shardLost records a failed subscription or a lost link, and whether it should end
// Start: at start, failures no retry can cure (see fatalAtStart) are reported at once.
func (b *Bridge) shardLost(addr string, err error) (stop bool) {
	msg := b.cfg.Conn.scrub(Explain(describeAt(err, addr)))
	b.mu.Lock()
	b.c.subscribeFails++
	b.c.lastError = msg
	if row := b.c.book.rows[addr]; row != nil {
		setRowState(row, StateDisconnected, msg)
	}
	b.aggregateLocked()
	b.mu.Unlock()
	b.cfg.Logger.Warn("bridge: subscription lost", "instance", b.cfg.InstanceID, "node", addr, "err", msg)
	return fatalAtStart(err) && b.failStart(err)
}

// resolveFailed records that the topology could not be read. Subscriptions that are up
// stay up; with none up, it is a failed subscription attempt.
func (b *Bridge) resolveFailed(err error) (stop bool) {
	msg := b.cfg.Conn.scrub(Explain(describe(err)))
	b.mu.Lock()
	b.c.lastError = msg
	up := false
	for _, addr := range b.c.book.order {
		up = up || b.c.book.rows[addr].State == StateConnected
	}
	if !up {
		b.c.subscribeFails++
		if b.c.state != StateClosed && b.c.state != StateDisconnected {
			b.c.state, b.c.stateSince = StateDisconnected, time.Now()
		}
	}
	b.mu.Unlock()
	b.cfg.Logger.Warn("bridge: topology unavailable", "instance", b.cfg.InstanceID, "err", msg)
	return fatalAtStart(err) && b.failStart(err)
}

// failStart ends Start's wait with err, if it is still waiting.
func (b *Bridge) failStart(err error) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.c.book.ready {
		return false
	}
	b.c.book.ready = true
	b.readyErr = b.cfg.Conn.redact(fmt.Errorf("bridge: start %s: %w", b.cfg.Conn.Redacted(), describe(err)))
	close(b.ready)
	return true
}

// aggregateLocked derives the bridge's state from its rows: connected when every
// current connection is, disconnected when any is.
func (b *Bridge) aggregateLocked() {
	book := &b.c.book
	if b.c.state == StateClosed || len(book.order) == 0 {
		return
	}
	st := StateConnected
	for _, addr := range book.order {
		switch book.rows[addr].State {
		case StateDisconnected:
			st = StateDisconnected
		case StateConnecting:
			if st == StateConnected {
				st = StateConnecting
			}
		}
	}
	if b.c.state != st {
		b.c.state, b.c.stateSince = st, time.Now()
	}
}

func setRowState(row *shardRow, st ConnState, lastError string) {
	if lastError != "" {
		row.LastError = lastError
	}
	if row.State != st {
		row.State, row.StateSince = st, time.Now()
	}
}

// stats copies the rows in order; after Close they all read closed.
func (book *shardBook) stats(closed bool) []ShardStats {
	out := make([]ShardStats, 0, len(book.order))
	for _, addr := range book.order {
		s := book.rows[addr].ShardStats
		if closed {
			s.State = StateClosed
		}
		out = append(out, s)
	}
	return out
}
