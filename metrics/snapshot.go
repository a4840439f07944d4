package metrics

import "time"

// Snapshot is one immutable view of everything the observer knows, taken on a
// refresh tick. The dashboard, the headless printer and the JSON/Markdown
// reporters all read this one value, so they can never disagree.
type Snapshot struct {
	At        time.Time `json:"at"`
	Started   time.Time `json:"started"`
	Observer  string    `json:"observer"`
	Redis     string    `json:"redis"` // always redacted
	Transport string    `json:"transport"`

	// Conn is the observer's own subscription state: "connected",
	// "connecting" or "disconnected"; ConnSince is when it entered it.
	Conn      string    `json:"conn"`
	ConnSince time.Time `json:"connSince"`

	// Control is "signed" when control messages must carry the shared
	// key's HMAC (unsigned and wrongly signed ones are refused and counted
	// in MalformedByReason), else "unsigned".
	Control string `json:"control"`

	ProbeRate     float64  `json:"probeRate"` // probes per second per probed channel
	Paused        bool     `json:"paused"`
	ProbeChannels []string `json:"probeChannels"`
	Channels      []string `json:"channels"`

	Instances []InstanceRow `json:"instances"`
	Sources   []SourceRow   `json:"sources"`
	// Matrix is sender × receiver: every publisher that numbers its events
	// (cooperating or not) and every cooperating receiver that reports its
	// streams, per channel. See MatrixRow.
	Matrix []MatrixRow `json:"matrix"`
	// Subscribers are the connections subscribed on every node (CLIENT
	// LIST TYPE pubsub), the observer's own left out; SubscriberCounts the
	// watched channels' PUBSUB NUMSUB. Where CLIENT LIST is refused only
	// the counts are known (Info or Notes say why).
	Subscribers      []SubscriberRow      `json:"subscribers"`
	SubscriberCounts []ChannelSubscribers `json:"subscriberCounts,omitempty"`

	Alerts  []Alert       `json:"alerts"`  // active (level > OK), worst first
	History []AlertChange `json:"history"` // recent state changes, newest first
	// Transitions count every rule's level changes by subject and the level
	// entered, since the start or the last reset: History is a bounded
	// ring, these never lose one (a forgotten instance's go with it).
	Transitions []TransitionCount `json:"transitions"`

	// Chart holds the per-second RTT of all instances together over the
	// last 60 s, oldest first; NaN marks a second without samples.
	Chart Series `json:"chart"`

	Malformed         int64            `json:"malformed"`
	MalformedByReason map[string]int64 `json:"malformedByReason"`

	// Notes are troubles the user must see and may have to act on, e.g.
	// "cannot use Redis at 10.0.0.1:6379: permission denied by the server's
	// ACL (NOPERM …)". Info are facts about what this observer can and
	// cannot do that call for no action, e.g. "output-buffer
	// warnings off: CLIENT LIST refused" on the embedded Redis.
	Notes []string `json:"notes,omitempty"`
	Info  []string `json:"info,omitempty"`

	// Blind says why the observer cannot judge instances right now: it is
	// disconnected from Redis, its own loop or clock stalled, or it is in
	// the grace period after either ("" when it can see). While blind,
	// every instance's rules are held (neither raised nor cleared) and
	// shown Unknown; only the observer's own rules move.
	Blind string `json:"blind,omitempty"`

	// Baseline is the raw-Redis lane beside the probes (watch --baseline);
	// nil when it is off or could not start (a note then says why).
	Baseline *BaselineRow `json:"baseline,omitempty"`
	// Shards are the observer's subscription connections, one per node,
	// in Sentinel and Cluster deployments; empty on a single server.
	Shards []ShardRow `json:"shards,omitempty"`

	// Tables says how full the instance and source tables are. A full
	// table makes room by evicting the least recently heard of the rows
	// that have not proven real, and refuses a newcomer when every row is
	// proven and recently heard; a note says so.
	Tables TableStats `json:"tables"`

	// Thresholds are the limits the rules judge by, for a view that draws
	// them (the chart's threshold lines) or explains them. Nothing
	// downstream judges by them: every level is in Rules and Alerts.
	Thresholds Thresholds `json:"thresholds"`
}

// TableStats are the instance and source tables' fill and turnover.
type TableStats struct {
	Instances TableStat `json:"instances"`
	Sources   TableStat `json:"sources"`
	Pairs     TableStat `json:"pairs"`
}

// TableStat is one bounded table: rows now, its cap, and the rows evicted
// and newcomers refused so far.
type TableStat struct {
	Rows    int   `json:"rows"`
	Cap     int   `json:"cap"`
	Proven  int   `json:"proven"`
	Evicted int64 `json:"evicted"`
	Refused int64 `json:"refused"`
}

// Judgement is the alert engine's verdict on one rule for one subject, as
// of the last tick: the only source of a level anywhere downstream.
type Judgement struct {
	Level Level `json:"level"`
	// Unknown is set while the observer is blind (Snapshot.Blind): Level is
	// the last one judged, held, not a verdict on the present.
	Unknown bool `json:"unknown,omitempty"`
	// Clearing is set while the value is back inside a better level's
	// threshold but the level holds until that has lasted the rule's
	// clear-hold: it falls ClearsInMs from the snapshot's time.
	Clearing   bool  `json:"clearing,omitempty"`
	ClearsInMs int64 `json:"clearsInMs,omitempty"`
	// Rising is the worse level the value is already past, held off by
	// the rule's hold: the level becomes Rising RisesInMs from the
	// snapshot's time unless the value comes back first. A p99 of 324 ms
	// beside an OK is then explained, not a contradiction.
	Rising    Level `json:"rising,omitempty"`
	RisesInMs int64 `json:"risesInMs,omitempty"`
}

// worst returns the worst of js: the highest level; among equal ones a
// judgement that is rising higher (then sooner), then one that is not
// clearing before one that is (then the one that clears later).
func worst(js map[string]Judgement) Judgement {
	var w Judgement
	first := true
	for _, j := range js {
		if first || worse(j, w) {
			w, first = j, false
		}
	}
	if w.Level == OK && w.Rising == OK {
		return Judgement{}
	}
	return w
}

// worse reports whether judgement a is worse than b (see worst).
func worse(a, b Judgement) bool {
	switch {
	case a.Level != b.Level:
		return a.Level > b.Level
	case a.Rising != b.Rising:
		return a.Rising > b.Rising
	case a.Rising > OK:
		return a.RisesInMs < b.RisesInMs
	}
	return b.Clearing && (!a.Clearing || a.ClearsInMs > b.ClearsInMs)
}

// BaselineRow is the raw lane's latency: a plain PUBLISH of a minimal
// payload on a private channel, read by a plain subscription and timed as
// the probes are, so Redis's own latency reads next to the bridge path's.
type BaselineRow struct {
	Channel string      `json:"channel"`
	RTT     Percentiles `json:"rttUs"`    // session
	RTT10s  Percentiles `json:"rtt10sUs"` // last 10 s
	Chart   Series      `json:"chart"`    // per-second latency over the last 60 s
	// LatencyDist is the session's distribution, from the same histogram
	// as RTT.
	LatencyDist LatencyDist `json:"latencyDist"`
	Sent        int64       `json:"sent"` // events published, session
	Lost        int64       `json:"lost"` // sent and not read back within LateAfter
}

// ShardRow is one subscription connection of the observer's bridge: to a
// cluster node or shard, or to the current Sentinel master.
type ShardRow struct {
	Addr       string    `json:"addr"`
	State      string    `json:"state"` // "connected", "connecting", "disconnected", "closed"
	Since      time.Time `json:"since"` // when it entered State
	Reconnects int64     `json:"reconnects"`
	LastError  string    `json:"lastError,omitempty"` // redacted
}

// Series is a per-second latency history in microseconds, oldest first.
type Series struct {
	P50 []float64 `json:"p50Us"`
	P99 []float64 `json:"p99Us"`
}

// Percentiles are latency percentiles in microseconds.
type Percentiles struct {
	Count int64   `json:"count"`
	Min   float64 `json:"min"`
	Avg   float64 `json:"avg"`
	P50   float64 `json:"p50"`
	P95   float64 `json:"p95"`
	P99   float64 `json:"p99"`
	Max   float64 `json:"max"`
}

// Bucket is one bar of a latency distribution: Count samples at or below
// UpToUs (and above the previous bucket's bound).
type Bucket struct {
	UpToUs float64 `json:"upToUs"`
	Count  int64   `json:"count"`
}

// InstanceRow is what the observer knows of one cooperating instance (one
// that acks probes and reports stats).
type InstanceRow struct {
	ID   string `json:"id"`
	Boot string `json:"boot"`
	Role string `json:"role"` // "agent", "publisher", "subscriber", "bridge"; PassiveRole
	// Passive marks a subscriber that does not cooperate (CLIENT LIST):
	// its delivery and latency are unknown, its output buffer and idle
	// time (IdleS, since its last command) known.
	Passive bool  `json:"passive,omitempty"`
	IdleS   int64 `json:"idleS,omitempty"`

	Delivery    float64 `json:"delivery"` // percent of probes acked, whole session
	Delivery10s float64 `json:"delivery10s"`
	Delivery1m  float64 `json:"delivery1m"`
	ProbesSent  int64   `json:"probesSent"` // probes resolved since the instance joined
	Acked       int64   `json:"acked"`

	RTT    Percentiles `json:"rttUs"`    // round trip, session
	RTT10s Percentiles `json:"rtt10sUs"` // round trip, last 10 s
	Dist   []Bucket    `json:"-"`        // RTT distribution for the detail view
	Chart  Series      `json:"-"`        // per-second RTT over the last 60 s
	// LatencyDist is the session's round-trip distribution at fixed bounds,
	// from the same HDR histogram as RTT and Dist: what the Prometheus
	// histogram and JSON consumers read (Dist's bounds follow the samples).
	LatencyDist LatencyDist `json:"latencyDist"`

	Lost       int64 `json:"lost"`    // probes not acked in time, session
	Lost10s    int64 `json:"lost10s"` // the same, last 10 s
	Duplicates int64 `json:"duplicates"`
	Late       int64 `json:"late"`

	// From the instance's own stats reports: the increases since its first
	// report (the baseline, taken at CountingSince), or since its last
	// restart; what happened before the observer saw it is not counted.
	CountingSince time.Time `json:"countingSince"`
	Restarts      int64     `json:"restarts"` // new boots seen after the first
	SelfReceived  int64     `json:"selfReceived"`
	Collisions    int64     `json:"collisions"`
	Errors        int64     `json:"errors"`
	Reconnects    int64     `json:"reconnects"`
	Drops         int64     `json:"drops"`
	Malformed     int64     `json:"malformed"`

	// Received and Published are its own totals of ordinary events since
	// the baseline (its reports), what the matrix's rows add up to.
	Received  int64 `json:"received"`
	Published int64 `json:"published"`

	// OneWay is the one-way latency of the ordinary events it received
	// (what a bot experiences), raw: its clock minus each sender's, so
	// skewed by both. OneWayCorrected combines its pairs' corrected
	// figures (MatrixRow.Latency); OneWayCorrection says whether every
	// sender's clock was known ("corrected") or not, OneWayUncertaintyUs
	// what the correction may be off by, OneWaySkewed that the raw figures
	// are moved by the clocks by more than that.
	OneWay              OneWayWindows `json:"oneWayUs"`
	OneWayCorrected     OneWayWindows `json:"oneWayCorrectedUs"`
	OneWayCorrection    string        `json:"oneWayCorrection"`
	OneWayUncertaintyUs float64       `json:"oneWayUncertaintyUs"`
	OneWaySkewed        bool          `json:"oneWaySkewed"`

	ClockOffsetUs float64 `json:"clockOffsetUs"`
	// OutputBufferPct is the largest Redis output buffer of the instance's
	// subscriptions in percent of the pubsub limit (CLIENT LIST omem).
	OutputBufferPct float64   `json:"outputBufferPct"`
	LastSeen        time.Time `json:"lastSeen"`
	LastSeenMs      int64     `json:"lastSeenMs"` // ms since LastSeen, at Snapshot.At
	Left            bool      `json:"left"`       // sent a final stats report

	// State is the instance's level: the worst of its rules. Status is
	// that rule's judgement (whether it is clearing), Rules every rule's.
	// A view colours a figure by the rule that judges it, never by a
	// threshold of its own.
	State  Level                `json:"state"`
	Status Judgement            `json:"status"`
	Rules  map[string]Judgement `json:"rules"`

	Recent []AlertChange `json:"-"` // this instance's recent state changes
}

// OneWayWindows are one-way latency figures over the table's windows. The
// 10 s and 1 min ones combine per-second figures as OneWay says (an upper
// bound); the session's, where kept, comes from a merged histogram (exact
// to 1 %); the corrected figures have a session window only when they are
// the raw ones shifted (every sender's clock known, all agreeing).
type OneWayWindows struct {
	W10s    OneWay `json:"10s"`
	W1m     OneWay `json:"1m"`
	Session OneWay `json:"session"`
}

// SourceRow is what the observer sees passively of one publisher on the
// data channels, cooperating or not.
type SourceRow struct {
	ID         string  `json:"id"`
	Events     int64   `json:"events"`
	RatePerSec float64 `json:"ratePerSec"`
	Gaps       int64   `json:"gaps"`
	Duplicates int64   `json:"duplicates"`
	Reorders   int64   `json:"reorders"`
	Malformed  int64   `json:"malformed"`
	Boots      int     `json:"boots"` // distinct boots seen: >1 live at once is a collision
	// OneWay is publisher-clock to observer-clock latency: skew-prone.
	OneWay Percentiles `json:"oneWayUs"`
	// OneWayDist is OneWay's distribution (session, 1 % precision).
	OneWayDist LatencyDist `json:"oneWayDist"`
	HasSeq     bool        `json:"hasSeq"` // false for the seed's plain envelopes
	LastSeen   time.Time   `json:"lastSeen"`
}

// Alert is an active alert.
type Alert struct {
	Rule     string    `json:"rule"`
	Instance string    `json:"instance"` // "" for observer-wide rules
	Level    Level     `json:"level"`
	Since    time.Time `json:"since"`
	Value    float64   `json:"value"`
	Message  string    `json:"message"`
	// Condition is the rule's threshold for Level, e.g. "< 95%".
	Condition string `json:"condition"`
	// Clearing and ClearsInMs: as Judgement's. Unknown: the observer is
	// blind and the alert is held, not judged.
	Clearing   bool  `json:"clearing,omitempty"`
	ClearsInMs int64 `json:"clearsInMs,omitempty"`
	Unknown    bool  `json:"unknown,omitempty"`
}

// AlertChange is one state change of one rule for one instance, or one
// event of the instance's record that is no rule's change (Note says what:
// "forgotten: silent for 10m", "counters went backwards: a restart, new
// baseline"); then Rule is the event's name and From and To are equal.
type AlertChange struct {
	At       time.Time `json:"at"`
	Rule     string    `json:"rule"`
	Instance string    `json:"instance"`
	From     Level     `json:"from"`
	To       Level     `json:"to"`
	Value    float64   `json:"value"`
	Note     string    `json:"note,omitempty"`
}
