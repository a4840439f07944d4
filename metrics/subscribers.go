package metrics

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SubscriberRow is one connection subscribed on a node, as CLIENT LIST TYPE
// pubsub shows it: cooperating instances' connections are matched to their
// rows (Instance, by client name), the rest are passive subscribers.
type SubscriberRow struct {
	Addr          string `json:"addr"`
	Name          string `json:"name"`
	Node          string `json:"node"`
	AgeS          int64  `json:"ageS"`
	IdleS         int64  `json:"idleS"`
	Subscriptions int64  `json:"subscriptions"` // channels and patterns, sharded ones too
	OmemBytes     int64  `json:"omemBytes"`
	// Instance is the cooperating instance the connection belongs to, ""
	// for a passive subscriber (its row in Instances is PassiveID's).
	Instance string `json:"instance"`
}

// PassiveID is the instance-table ID of a passive subscriber: its client
// name and address, or its address alone when it has no name.
func (s SubscriberRow) PassiveID() string {
	if s.Name == "" {
		return s.Addr
	}
	return s.Name + "@" + s.Addr
}

// ChannelSubscribers is PUBSUB NUMSUB (SHARDNUMSUB) of one watched channel,
// summed over the nodes, less the observer's own subscription.
type ChannelSubscribers struct {
	Channel string `json:"channel"`
	Count   int64  `json:"count"`
}

// SubscriberPoll is one reading of who is subscribed. Listed is false when
// CLIENT LIST was refused: only Counts are known then.
type SubscriberPoll struct {
	Listed bool
	Rows   []SubscriberRow
	Counts []ChannelSubscribers
	Limit  int64 // the pubsub output-buffer hard limit, bytes
}

// maxPassive bounds the passive subscriber rows: a Redis with thousands of
// subscribers is not this table's to list; the rest are counted in a note.
const maxPassive = 256

// passiveSub is the registry's record of one passive subscriber.
type passiveSub struct {
	row     SubscriberRow
	omemPct float64
	seen    time.Time
}

// Subscribers records a poll of the subscribers at now: cooperating
// instances get their output buffers, passive subscribers their rows (those
// no longer listed are dropped, with a note in the history), and the counts
// feed the subscribers rules.
func (r *Registry) Subscribers(p SubscriberPoll, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.subPoll, r.subAt = p, now
	if !p.Listed {
		return
	}
	seen := make(map[string]bool, len(p.Rows))
	matched := make(map[string]bool)
	over := 0
	for _, s := range p.Rows {
		if s.Instance != "" {
			matched[s.Addr] = true
		}
		if in := r.instances[s.Instance]; in != nil && p.Limit > 0 {
			in.omemPct = max(in.omemPct*boolF(in.omemAt.Equal(now)), 100*float64(s.OmemBytes)/float64(p.Limit))
			in.omemAt = now
			continue
		}
		if s.Instance != "" {
			continue
		}
		id := s.PassiveID()
		ps := r.passive[id]
		if ps == nil {
			if len(r.passive) >= maxPassive {
				over++
				continue
			}
			ps = &passiveSub{}
			r.passive[id] = ps
		}
		ps.row, ps.seen, seen[id] = s, now, true
		if p.Limit > 0 {
			ps.omemPct = 100 * float64(s.OmemBytes) / float64(p.Limit)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(r.passive)) {
		if seen[id] {
			continue
		}
		lvl := r.engine.Level(id)
		addr := r.passive[id].row.Addr
		delete(r.passive, id)
		r.engine.Forget(id)
		if matched[addr] {
			continue // the same connection, now known as a cooperating instance's: nothing went
		}
		r.engine.Record(AlertChange{At: now, Rule: "unsubscribed", Instance: id, From: lvl, To: lvl,
			Note: "passive subscriber gone from CLIENT LIST: disconnected or unsubscribed"})
	}
	setText(r.notes, "passive", "")
	if over > 0 {
		setText(r.notes, "passive", fmt.Sprintf("%d more passive subscribers than the %d listed", over, maxPassive))
	}
}

func boolF(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// subscriberRows and passiveRows are the snapshot's view of the last poll.
func (r *Registry) subscriberRows() ([]SubscriberRow, []ChannelSubscribers) {
	rows := slices.Clone(r.subPoll.Rows)
	if rows == nil {
		rows = []SubscriberRow{}
	}
	slices.SortFunc(rows, func(a, b SubscriberRow) int {
		return strings.Compare(a.Node+"\x00"+a.Addr, b.Node+"\x00"+b.Addr)
	})
	return rows, slices.Clone(r.subPoll.Counts)
}

// passiveRow is a passive subscriber as an instance row: role "sub?",
// delivery and latency unknown, its output buffer and idle time known.
func (r *Registry) passiveRow(id string, ps *passiveSub, now time.Time) InstanceRow {
	row := InstanceRow{
		ID: id, Role: PassiveRole, Passive: true, Delivery: nanF(), Delivery10s: nanF(), Delivery1m: nanF(),
		ClockOffsetUs: nanF(), OneWayUncertaintyUs: nanF(), OutputBufferPct: ps.omemPct,
		IdleS: ps.row.IdleS, LastSeen: ps.seen, LastSeenMs: now.Sub(ps.seen).Milliseconds(),
		OneWayCorrection: "unknown: a passive subscriber reports nothing",
		Rules:            r.engine.Judgements(id, now),
	}
	row.Status = worst(row.Rules)
	row.State = row.Status.Level
	return row
}

// PassiveRole is the role of a passive subscriber's row.
const PassiveRole = "sub?"

// subscriberCount is the subscribers rule's value: connections listed (less
// the observer's), or where CLIENT LIST was refused the busiest channel's
// NUMSUB; ok is false while nothing fresh is known.
func (r *Registry) subscriberCount(now time.Time) (float64, bool) {
	if r.subAt.IsZero() || now.Sub(r.subAt) > subscriberFresh {
		return 0, false
	}
	if r.subPoll.Listed {
		n := 0
		for _, s := range r.subPoll.Rows {
			if s.Subscriptions > 0 {
				n++
			}
		}
		return float64(n), true
	}
	var most int64
	for _, c := range r.subPoll.Counts {
		most = max(most, c.Count)
	}
	return float64(most), len(r.subPoll.Counts) > 0
}

// subscriberFresh is how old a poll may be for the rules: five polls at the
// default 2 s, past a slow CLIENT LIST on a busy server.
const subscriberFresh = 10 * time.Second

// evaluateSubscribers feeds the subscribers rules and the passive
// subscribers' output-buffer rule.
func (r *Registry) evaluateSubscribers(now time.Time) {
	e := r.engine
	if n, ok := r.subscriberCount(now); ok {
		e.Observe(now, "subscribers", "", n)
	} else {
		e.Skip("subscribers", "")
	}
	fresh := !r.subAt.IsZero() && now.Sub(r.subAt) <= subscriberFresh
	for _, c := range r.cfg.Thresholds.ExpectSubscribers.PerChannel {
		rule := "subscribers:" + c.Channel
		n, found := int64(0), false
		for _, got := range r.subPoll.Counts {
			if got.Channel == c.Channel {
				n, found = got.Count, true
			}
		}
		if fresh && found {
			e.Observe(now, rule, "", float64(n))
		} else {
			e.Skip(rule, "")
		}
	}
	for id, ps := range r.passive {
		if now.Sub(ps.seen) < subscriberFresh {
			e.Observe(now, "output_buffer", id, ps.omemPct)
		} else {
			e.Skip("output_buffer", id)
		}
	}
}

// SubscriberExpectation is how many subscribers the user expects
// (--expect-subscribers): Total connections subscribed, all watched
// channels together, and/or at least Min on each channel named. The zero
// value expects nothing.
type SubscriberExpectation struct {
	Total      int             `json:"total,omitempty"`
	PerChannel []ChannelExpect `json:"perChannel,omitempty"`
}

// ChannelExpect is one channel's expected subscribers.
type ChannelExpect struct {
	Channel string `json:"channel"`
	Min     int    `json:"min"`
}

// maxExpectSubscribers bounds an expectation: far above any fleet, below
// what would read as a typo.
const maxExpectSubscribers = 100_000

// String writes e as Set reads it: "3", "bridge:events=3,bridge:trades=2".
func (e SubscriberExpectation) String() string {
	var parts []string
	if e.Total > 0 {
		parts = append(parts, strconv.Itoa(e.Total))
	}
	for _, c := range e.PerChannel {
		parts = append(parts, c.Channel+"="+strconv.Itoa(c.Min))
	}
	return strings.Join(parts, ",")
}

// Set parses "N" (total) and "CHANNEL=N" items, comma-separated.
func (e *SubscriberExpectation) Set(s string) error {
	var out SubscriberExpectation
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		ch, num, per := strings.Cut(item, "=")
		if !per {
			num = ch
		}
		n, err := strconv.Atoi(strings.TrimSpace(num))
		if err != nil || n < 1 || n > maxExpectSubscribers {
			return fmt.Errorf("want N or CHANNEL=N with N within 1..%d, got %q", maxExpectSubscribers, item)
		}
		if !per {
			out.Total = n
			continue
		}
		if ch = strings.TrimSpace(ch); ch == "" {
			return errors.New("a channel name before = is missing")
		}
		out.PerChannel = append(out.PerChannel, ChannelExpect{Channel: ch, Min: n})
	}
	*e = out
	return nil
}

func nanF() float64 { return math.NaN() }
