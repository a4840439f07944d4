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
}
