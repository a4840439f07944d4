package bridge

import (
	"sort"
	"time"
)

// ConnState is the state of the subscription connection.
type ConnState string

// The subscription states.
const (
	StateConnecting   ConnState = "connecting"
	StateConnected    ConnState = "connected"
	StateDisconnected ConnState = "disconnected"
	StateClosed       ConnState = "closed"
)

// Stats is a copy of a bridge's counters. All counts are since New.
type Stats struct {
	InstanceID string
	Boot       string

	State      ConnState
	StateSince time.Time
	LastError  string // the last connection or subscription error, redacted
	Reconnects uint64 // successful resubscriptions after a loss

	Published     map[string]uint64 // per channel
	PublishErrors uint64

	Received       uint64 // ordinary events handed to handlers
	Control        uint64 // bridgescope control messages handed to control handlers
	Echoes         uint64 // our own messages, filtered (normal in pub/sub)
	SelfReceived   uint64 // events bearing our instance ID handed to handlers
	Collisions     uint64 // messages with our instance ID but another boot
	CollidingBoots []string

	Duplicates uint64 // seq seen already (dropped unless DeliverDuplicates)
	Late       uint64 // arrived after a higher seq
	Gaps       uint64 // seqs still missing across all streams: loss
	// Trimmed counts stream entries trimmed (MAXLEN) before this instance read them:
	// loss with Transport streams, also seen as Gaps where the entries had a seq.
	// Counted on Redis ≥ 7.0 (XINFO STREAM entries-added); 0 elsewhere.
	Trimmed uint64

	Malformed          uint64
	MalformedByReason  map[Reason]uint64
	MalformedByChannel map[string]map[Reason]uint64

	Drops          uint64 // queue full with DropWhenFull
	HandlerPanics  uint64
	SubscribeFails uint64 // failed (re)subscription attempts and dead links
	QueueLen       int
	QueueCap       int
	SetNameRefused bool // CLIENT SETNAME was refused (ACL): CLIENT LIST cannot name us

	Streams []StreamStats
	// StreamsEvicted counts streams dropped from the full tracker (maxStreams,
	// probationary ones first) to make room for new ones: a full table is
	// counted, never silent. An evicted stream's outstanding gaps leave Gaps.
	StreamsEvicted uint64

	// Shards are the subscription connections, one per node carrying some: one row
	// for a server, a Sentinel master or a cluster's broadcast subscription, one per
	// shard for sharded pub/sub.
	Shards []ShardStats
}

// Errors is the seed's "errors" figure: everything that went wrong in this
// instance's own machinery.
func (s Stats) Errors() uint64 {
	return s.PublishErrors + s.SubscribeFails + s.HandlerPanics
}

// StreamStats is the accounting of one (source, boot, channel) stream.
type StreamStats struct {
	StreamKey
	MaxSeq     uint64
	Received   uint64
	Gaps       uint64
	Duplicates uint64
	Late       uint64
	// Control counts the control messages among Received: probes travel on
	// data channels, so a stream of them is an observer's, not a publisher's.
	Control  uint64
	LastSeen time.Time
}

// counters is the mutable side of Stats, guarded by Bridge.mu.
type counters struct {
	state              ConnState
	stateSince         time.Time
	lastError          string
	reconnects         uint64
	received           uint64
	control            uint64
	echoes             uint64
	selfReceived       uint64
	collisions         uint64
	collidingBoots     map[string]struct{}
	duplicates         uint64
	late               uint64
	malformed          uint64
	malformedByChannel map[string]map[Reason]uint64
	drops              uint64
	handlerPanics      uint64
	subscribeFails     uint64
	trimmed            uint64
	book               shardBook
}

func (c *counters) countMalformed(channel string, r Reason) {
	c.malformed++
	m := c.malformedByChannel[channel]
	if m == nil {
		if len(c.malformedByChannel) >= maxMalformedChannels {
			channel = otherChannels
			m = c.malformedByChannel[channel]
		}
		if m == nil {
			m = make(map[Reason]uint64)
			c.malformedByChannel[channel] = m
		}
	}
	m[r]++
}

// Stats returns a copy of the bridge's counters.
func (b *Bridge) Stats() Stats {
	s := Stats{
		InstanceID:     b.cfg.InstanceID,
		Boot:           b.boot,
		QueueLen:       len(b.queue),
		QueueCap:       cap(b.queue),
		SetNameRefused: b.setNameRefused.Load(),
	}
	s.Published, s.PublishErrors = b.pub.counts()
	b.mu.Lock()
	defer b.mu.Unlock()
	c := &b.c
	s.State, s.StateSince, s.LastError, s.Reconnects = c.state, c.stateSince, c.lastError, c.reconnects
	s.Received, s.Control, s.Echoes = c.received, c.control, c.echoes
	s.SelfReceived, s.Collisions = c.selfReceived, c.collisions
	for boot := range c.collidingBoots {
		s.CollidingBoots = append(s.CollidingBoots, boot)
	}
	sort.Strings(s.CollidingBoots)
	s.Duplicates, s.Late, s.Malformed = c.duplicates, c.late, c.malformed
	s.Drops, s.HandlerPanics, s.SubscribeFails = c.drops, c.handlerPanics, c.subscribeFails
	s.Trimmed = c.trimmed
	s.Shards = c.book.stats(c.state == StateClosed)
	s.MalformedByReason = make(map[Reason]uint64)
	s.MalformedByChannel = make(map[string]map[Reason]uint64, len(c.malformedByChannel))
	for ch, m := range c.malformedByChannel {
		cp := make(map[Reason]uint64, len(m))
		for r, n := range m {
			cp[r] = n
			s.MalformedByReason[r] += n
		}
		s.MalformedByChannel[ch] = cp
	}
	for _, tr := range []*seqTracker{b.tracker, b.signedTracker} {
		s.StreamsEvicted += tr.evicted
		for k, st := range tr.streams {
			s.Gaps += st.gaps
			s.Streams = append(s.Streams, StreamStats{
				StreamKey: k, MaxSeq: st.max, Received: st.received, Gaps: st.gaps,
				Duplicates: st.dups, Late: st.late, Control: st.control, LastSeen: st.lastSeen,
			})
		}
	}
	sort.Slice(s.Streams, func(i, j int) bool { return lessKey(s.Streams[i].StreamKey, s.Streams[j].StreamKey) })
	return s
}

func lessKey(a, b StreamKey) bool {
	if a.Source != b.Source {
		return a.Source < b.Source
	}
	if a.Channel != b.Channel {
		return a.Channel < b.Channel
	}
	return a.Boot < b.Boot
}
