package probe

import "github.com/bridgescope/bridgescope/bridge"

// The control message types (DESIGN.md, "Wire format").
const (
	TypeProbe = bridge.ControlTypePrefix + "probe"
	TypeAck   = bridge.ControlTypePrefix + "ack"
	TypeStats = bridge.ControlTypePrefix + "stats"
)

// ProbeData is the data of a probe: the observer's running number.
type ProbeData struct {
	ID uint64 `json:"id"`
}

// ProbeRef names the probe an ack answers: the probe's envelope identity.
type ProbeRef struct {
	Source  string `json:"source"`
	Boot    string `json:"boot"`
	Seq     uint64 `json:"seq"`
	Channel string `json:"channel"`
}

// AckData is the data of an ack: which probe, and when this instance read it
// (its own clock, for the clock-offset estimate).
type AckData struct {
	Probe  ProbeRef `json:"probe"`
	RecvNs int64    `json:"recvNs"`
}

// StatsReport is what a cooperating instance reports every interval. Counts
// are cumulative since the instance started; Latency is a delta histogram of
// the one-way latencies of ordinary events since the previous report.
type StatsReport struct {
	Role       string `json:"role"`
	Final      bool   `json:"final,omitempty"`
	IntervalMs int64  `json:"intervalMs"`

	State          string `json:"state"` // the instance's own subscription state
	DisconnectedMs int64  `json:"disconnectedMs,omitempty"`
	LastError      string `json:"lastError,omitempty"`

	Published     uint64 `json:"published"`
	PublishErrors uint64 `json:"publishErrors"`
	Received      uint64 `json:"received"`
	SelfReceived  uint64 `json:"selfReceived"`
	Collisions    uint64 `json:"collisions"`
	Errors        uint64 `json:"errors"`
	Reconnects    uint64 `json:"reconnects"`
	Drops         uint64 `json:"drops"`
	Malformed     uint64 `json:"malformed"`
	Gaps          uint64 `json:"gaps"`
	Duplicates    uint64 `json:"duplicates"`
	Late          uint64 `json:"late"`
	Acks          uint64 `json:"acks"`

	Latency string `json:"latency,omitempty"` // metrics.Histogram.Encode of one-way latencies

	// What it listens to and what it sent, for the delivery matrix: the
	// channels (and patterns) it subscribes to, and per channel what it
	// published (cumulative since its boot). At most MaxReportChannels each.
	Channels          []string       `json:"channels,omitempty"`
	PublishedChannels []ChannelCount `json:"publishedChannels,omitempty"`
	// Streams is what it received per (source, boot, channel) stream of
	// ordinary events, the MaxReportStreams busiest by events received;
	// Other sums the rest. Reports of older agents have neither: the
	// observer then knows only their totals.
	Streams []StreamReport `json:"streams,omitempty"`
	Other   *OtherStreams  `json:"other,omitempty"`
}

// StreamReport is what an instance received of one (source, boot, channel)
// stream: counters cumulative since its own boot (as bridge.StreamStats),
// and the one-way latency of the stream's events since the previous report.
type StreamReport struct {
	Source     string `json:"source"`
	Boot       string `json:"boot"`
	Channel    string `json:"channel"`
	MaxSeq     uint64 `json:"maxSeq"`
	Received   uint64 `json:"received"`
	Gaps       uint64 `json:"gaps"`
	Duplicates uint64 `json:"duplicates"`
	Late       uint64 `json:"late"`
	// Latency is nil when no event of the stream arrived with a send time
	// in the interval.
	Latency *LatencySummary `json:"latencyUs,omitempty"`
}

// LatencySummary is one interval's raw one-way latency of one stream in
// microseconds: the receiver's clock at receipt minus the sender's at send,
// at 1 % precision of the latency itself (recorded above the stream's lowest
// figure, so clocks seconds apart cost no precision). Negative when the
// receiver's clock is behind the sender's by more than the latency; the
// observer corrects it with both clocks' offsets.
type LatencySummary struct {
	Count uint64  `json:"n"`
	P50   float64 `json:"p50"`
	P95   float64 `json:"p95"`
	P99   float64 `json:"p99"`
	Max   float64 `json:"max"`
}

// OtherStreams sums the streams a report leaves out (beyond
// MaxReportStreams): how many, and their counters.
type OtherStreams struct {
	Streams    uint64 `json:"streams"`
	Received   uint64 `json:"received"`
	Gaps       uint64 `json:"gaps"`
	Duplicates uint64 `json:"duplicates"`
	Late       uint64 `json:"late"`
}

// ChannelCount is what an instance published on one channel since its boot.
type ChannelCount struct {
	Channel   string `json:"channel"`
	Published uint64 `json:"published"`
}
