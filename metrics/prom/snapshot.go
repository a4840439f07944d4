package prom

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bridgescope/bridgescope/metrics"
)

// observerRules are the rules the registry evaluates for the observer
// itself (an alert with no instance): their gauges exist from the start.
var observerRules = []string{"redis_disconnected", "observer_stalled", "collision"}

// instanceCounters are the per-instance counters, read from a Snapshot row.
var instanceCounters = []struct {
	name, help string
	get        func(*metrics.InstanceRow) int64
}{
	{"instance_probes_sent_total", "Probes resolved for the instance since it joined: acked in time or lost.",
		func(r *metrics.InstanceRow) int64 { return r.ProbesSent }},
	{"instance_probes_acked_total", "Probes the instance acked in time.",
		func(r *metrics.InstanceRow) int64 { return r.Acked }},
	{"instance_probes_lost_total", "Probes the instance did not ack in time.",
		func(r *metrics.InstanceRow) int64 { return r.Lost }},
	{"instance_probes_late_total", "Acks that arrived after their probe had been counted lost.",
		func(r *metrics.InstanceRow) int64 { return r.Late }},
	{"instance_duplicates_total", "Duplicate acks: the instance received one probe more than once.",
		func(r *metrics.InstanceRow) int64 { return r.Duplicates }},
	{"instance_self_received_total", "Events bearing the instance's own ID that reached its handlers (its stats reports).",
		func(r *metrics.InstanceRow) int64 { return r.SelfReceived }},
	{"instance_collisions_total", "Messages with the instance's ID but another boot: two processes share the ID.",
		func(r *metrics.InstanceRow) int64 { return r.Collisions }},
	{"instance_errors_total", "Publish errors, failed subscriptions and handler panics in the instance.",
		func(r *metrics.InstanceRow) int64 { return r.Errors }},
	{"instance_reconnects_total", "Resubscriptions of the instance after a lost connection.",
		func(r *metrics.InstanceRow) int64 { return r.Reconnects }},
	{"instance_drops_total", "Events the instance dropped because its queue was full.",
		func(r *metrics.InstanceRow) int64 { return r.Drops }},
	{"instance_malformed_total", "Messages the instance refused as malformed.",
		func(r *metrics.InstanceRow) int64 { return r.Malformed }},
}

// sourceCounters are the per-source counters of passively watched traffic.
var sourceCounters = []struct {
	name, help string
	get        func(*metrics.SourceRow) int64
}{
	{"source_events_total", "Events seen from the source on the data channels.",
		func(r *metrics.SourceRow) int64 { return r.Events }},
	{"source_gaps_total", "Sequence numbers of the source never seen: events lost on the way to the observer.",
		func(r *metrics.SourceRow) int64 { return r.Gaps }},
	{"source_duplicates_total", "Events of the source seen more than once.",
		func(r *metrics.SourceRow) int64 { return r.Duplicates }},
	{"source_reorders_total", "Events of the source that arrived after a later one.",
		func(r *metrics.SourceRow) int64 { return r.Reorders }},
	{"source_malformed_total", "Malformed messages attributed to the source.",
		func(r *metrics.SourceRow) int64 { return r.Malformed }},
}

// SnapshotCollector is a prometheus.Collector over the observer's Snapshot:
// each scrape takes one snapshot and turns it into metrics; nothing is kept
// between scrapes and no goroutine runs.
type SnapshotCollector struct {
	snap     func() metrics.Snapshot
	rules    []string
	counters []*prometheus.Desc // parallel to instanceCounters
	sources  []*prometheus.Desc // parallel to sourceCounters

	info, delivery, rtt, rttWindow, lastSeen, offset, left, level *prometheus.Desc
	sourceBoots, connected, malformed, alert, probeRate, paused   *prometheus.Desc
	baselineRTT, baselineSent, baselineLost, shardConnected       *prometheus.Desc
	blind, unknown, tableRows, tableEvicted, tableRefused         *prometheus.Desc
	rttHist, baselineHist, oneWayHist, transitions                *prometheus.Desc
	matrix                                                        matrixDescs
}

// NewSnapshotCollector returns a collector that calls snap at every scrape,
// e.g. probe.Observer.Snapshot.
func NewSnapshotCollector(snap func() metrics.Snapshot) *SnapshotCollector {
	c := &SnapshotCollector{snap: snap}
	for _, r := range metrics.DefaultThresholds().Rules() {
		// observer_stalled is the observer's own, pair_delivery a pair's
		// (bridgescope_pair_delivery_ratio): never an instance's.
		if r.Name != "observer_stalled" && r.Name != "pair_delivery" {
			c.rules = append(c.rules, r.Name)
		}
	}
	c.matrix = newMatrixDescs()
	in := InstanceLabel
	for _, s := range instanceCounters {
		c.counters = append(c.counters, newDesc(s.name, s.help, in))
	}
	for _, s := range sourceCounters {
		c.sources = append(c.sources, newDesc(s.name, s.help, "source"))
	}
	c.info = newDesc("instance_info", "A cooperating instance the observer knows, with its current boot and role; always 1.", in, "boot", "role")
	c.delivery = newDesc("instance_delivery_ratio", "Fraction of probes the instance acked in time (0..1), over the session, the last 10 s or the last minute; absent until a probe resolves.", in, "window")
	c.rtt = newDesc("instance_rtt_seconds", "Probe round trip observer → instance → observer over the session, on the observer's clock.", in)
	// Not "quantile": that label belongs to summaries, and a window's
	// sample count is no counter.
	c.rttWindow = newDesc("instance_rtt_window_seconds", "Probe round-trip percentiles (50, 95, 99) over a recent window, as the p99 alert rule sees them; absent without samples.", in, "window", "percentile")
	c.lastSeen = newDesc("instance_last_seen_seconds", "Seconds since the instance was last heard from (ack or stats report).", in)
	c.offset = newDesc("instance_clock_offset_seconds", "Estimated clock offset of the instance: its clock minus the observer's.", in)
	c.left = newDesc("instance_left", "1 when the instance said it stopped gracefully (a final stats report), else 0.", in)
	c.level = newDesc("instance_alert_level", "The instance's worst alert level: 0 OK, 1 WARN, 2 CRIT.", in)
	c.sourceBoots = newDesc("source_live_boots", "Distinct boots of the source heard in the last 3 s: more than 1 means two processes share its ID.", "source")
	c.connected = newDesc("redis_connected", "1 when the Redis subscription is connected, else 0.")
	c.malformed = newDesc("malformed_total", "Messages refused as malformed, by reason.", "reason")
	c.alert = newDesc("alert", "1 while the built-in alert rule is at this level for the instance (instance_id empty: the observer itself), else 0; at most one level is 1.", "rule", in, "level")
	c.probeRate = newDesc("probe_rate", "Probes per second sent on each probe channel.")
	c.paused = newDesc("probes_paused", "1 while probing is paused from the dashboard, else 0.")
	c.baselineRTT = newDesc("baseline_rtt_window_seconds", "Raw-Redis lane (--baseline): plain PUBLISH to SUBSCRIBE latency percentiles (50, 95, 99) over the last 10 s, timed as the probes are; absent when the lane is off or without samples.", "percentile")
	c.baselineSent = newDesc("baseline_sent_total", "Raw-Redis lane (--baseline): events published.")
	c.baselineLost = newDesc("baseline_lost_total", "Raw-Redis lane (--baseline): events not read back in time.")
	c.shardConnected = newDesc("redis_shard_connected", "Sentinel and Cluster: 1 when the observer's subscription on this node is connected, else 0.", "addr")
	c.blind = newDesc("observer_blind", "1 while the observer cannot judge instances (disconnected, its own loop stalled, or the grace after either), else 0.")
	c.unknown = newDesc("instance_unknown", "1 while the instance's levels are held, not judged: the observer is blind, or the instance has not been heard since the observer's outage.", in)
	c.tableRows = newDesc("table_rows", "Rows in the observer's bounded tables (instances, sources).", "table")
	c.tableEvicted = newDesc("table_evicted_total", "Rows evicted from a full table to make room (least recently heard, unproven first).", "table")
	c.tableRefused = newDesc("table_refused_total", "Newcomers refused by a full table of proven, recently heard rows.", "table")
	c.rttHist = newDesc("instance_round_trip_seconds", "Probe round trip observer → instance → observer over the session, as a histogram from the observer's HDR histogram: classic buckets from 100 µs to 10 s, and native buckets for a protobuf scrape.", in)
	c.baselineHist = newDesc("baseline_round_trip_seconds", "Raw-Redis lane (--baseline): plain PUBLISH to SUBSCRIBE latency over the session, as a histogram (classic and native buckets).")
	c.oneWayHist = newDesc("source_one_way_seconds", "One-way latency of the source's events, its clock to the observer's (skew-prone), over the session, as a histogram (classic and native buckets); absent without timestamps.", "source")
	c.transitions = newDesc("alert_transitions_total", "Times the built-in alert rule entered this level (ok, warn, crit) for the instance (instance_id empty: the observer itself), since the observer started or was reset.", "rule", in, "level")
	return c
}

// Describe sends every descriptor the collector can emit.
func (c *SnapshotCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range append(append([]*prometheus.Desc{}, c.counters...), c.sources...) {
		ch <- d
	}
	for _, d := range []*prometheus.Desc{c.info, c.delivery, c.rtt, c.rttWindow, c.lastSeen, c.offset,
		c.left, c.level, c.sourceBoots, c.connected, c.malformed, c.alert, c.probeRate, c.paused,
		c.baselineRTT, c.baselineSent, c.baselineLost, c.shardConnected,
		c.blind, c.unknown, c.tableRows, c.tableEvicted, c.tableRefused,
		c.rttHist, c.baselineHist, c.oneWayHist, c.transitions} {
		ch <- d
	}
	for _, d := range c.matrix.all() {
		ch <- d
	}
}

// Collect takes one snapshot and sends its metrics.
func (c *SnapshotCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.snap()
	e := emitter{ch}
	e.gauge(c.connected, boolValue(s.Conn == "connected"))
	e.gauge(c.probeRate, s.ProbeRate)
	e.gauge(c.paused, boolValue(s.Paused))
	e.gauge(c.blind, boolValue(s.Blind != ""))
	for name, t := range map[string]metrics.TableStat{"instances": s.Tables.Instances, "sources": s.Tables.Sources, "pairs": s.Tables.Pairs} {
		e.gauge(c.tableRows, float64(t.Rows), name)
		e.counter(c.tableEvicted, float64(t.Evicted), name)
		e.counter(c.tableRefused, float64(t.Refused), name)
	}
	for reason, n := range s.MalformedByReason {
		e.counter(c.malformed, float64(n), reason)
	}
	for i := range s.Instances {
		c.collectInstance(e, &s.Instances[i])
	}
	for i := range s.Sources {
		src := &s.Sources[i]
		for j, spec := range sourceCounters {
			e.counter(c.sources[j], float64(spec.get(src)), src.ID)
		}
		e.gauge(c.sourceBoots, float64(src.Boots), src.ID)
		if src.OneWayDist.Count > 0 {
			e.ch <- latencyHistogram(c.oneWayHist, src.OneWayDist, src.ID)
		}
	}
	c.collectAlerts(e, s)
	c.collectDeployment(e, s)
	c.matrix.collect(e, s)
}

// collectDeployment sends the raw lane's figures and the shards' states.
func (c *SnapshotCollector) collectDeployment(e emitter, s metrics.Snapshot) {
	if b := s.Baseline; b != nil {
		e.counter(c.baselineSent, float64(b.Sent))
		e.counter(c.baselineLost, float64(b.Lost))
		e.ch <- latencyHistogram(c.baselineHist, b.LatencyDist)
		if b.RTT10s.Count > 0 {
			for _, q := range quantiles(b.RTT10s) {
				e.gauge(c.baselineRTT, q.seconds, q.pct)
			}
		}
	}
	for _, sh := range s.Shards {
		e.gauge(c.shardConnected, boolValue(sh.State == "connected"), sh.Addr)
	}
}

func (c *SnapshotCollector) collectInstance(e emitter, r *metrics.InstanceRow) {
	id := r.ID
	e.gauge(c.info, 1, id, r.Boot, r.Role)
	for i, spec := range instanceCounters {
		e.counter(c.counters[i], float64(spec.get(r)), id)
	}
	// Snapshot delivery is a percentage, NaN before any probe resolved.
	e.gauge(c.delivery, r.Delivery/100, id, "session")
	e.gauge(c.delivery, r.Delivery10s/100, id, "10s")
	e.gauge(c.delivery, r.Delivery1m/100, id, "1m")
	e.ch <- rttSummary(c.rtt, r.RTT, id)
	e.ch <- latencyHistogram(c.rttHist, r.LatencyDist, id)
	if r.RTT10s.Count > 0 {
		for _, q := range quantiles(r.RTT10s) {
			e.gauge(c.rttWindow, q.seconds, id, "10s", q.pct)
		}
	}
	e.gauge(c.lastSeen, float64(r.LastSeenMs)/1e3, id)
	e.gauge(c.offset, r.ClockOffsetUs/1e6, id)
	e.gauge(c.left, boolValue(r.Left), id)
	e.gauge(c.level, float64(r.State), id)
	e.gauge(c.unknown, boolValue(r.Status.Unknown), id)
}

// collectAlerts sends every rule × level for every known instance and the
// observer, so a 0 means "not at this level" rather than "not reported".
func (c *SnapshotCollector) collectAlerts(e emitter, s metrics.Snapshot) {
	type key struct{ rule, instance string }
	active := map[key]metrics.Level{}
	var keys []key
	add := func(k key) {
		if _, ok := active[k]; !ok {
			active[k] = metrics.OK
			keys = append(keys, k)
		}
	}
	for _, r := range observerRules {
		add(key{r, ""})
	}
	for _, r := range s.Thresholds.Rules() {
		if strings.HasPrefix(r.Name, "subscribers") { // --expect-subscribers: the observer's
			add(key{r.Name, ""})
		}
	}
	for _, in := range s.Instances {
		for _, r := range c.rules {
			add(key{r, in.ID})
		}
	}
	for _, a := range s.Alerts {
		k := key{a.Rule, a.Instance}
		add(k)
		active[k] = max(active[k], a.Level)
	}
	for _, k := range keys {
		e.gauge(c.alert, boolValue(active[k] == metrics.Warn), k.rule, k.instance, "warn")
		e.gauge(c.alert, boolValue(active[k] == metrics.Crit), k.rule, k.instance, "crit")
	}
	for _, t := range s.Transitions {
		e.counter(c.transitions, float64(t.Count), t.Rule, t.Instance, levelLabel(t.To))
	}
}

// levelLabel is a level as the level label spells it: "ok", "warn", "crit".
func levelLabel(l metrics.Level) string {
	return strings.ToLower(l.String())
}
