package probe

import (
	"encoding/json"
	"fmt"

	"github.com/bridgescope/bridgescope/bridge"
)

// What a stats report or an ack may carry. Anything beyond is refused whole
// at decode (the observer counts it as bad_stats or bad_ack): a counter the
// observer cannot hold exactly, or text it would keep or draw, must never
// reach its tables.
const (
	// MaxCounter is the largest count accepted, 2^53: the largest integer a
	// float64 (and JavaScript, the seed's language) holds exactly. No honest
	// counter gets there (2^53 events at a million a second take 285 years);
	// 2^64−1 is a bug or a forgery, and would read as −1 once signed.
	MaxCounter = 1 << 53
	// MaxRoleLen bounds the role, a word shown in a dashboard column
	// ("agent", "bot", "publisher").
	MaxRoleLen = 64
	// MaxStateLen bounds the subscription state ("connected", "disconnected").
	MaxStateLen = 32
	// MaxLastErrorLen bounds the instance's last error, one redacted line
	// (the bridge's own are under 300 bytes with the address and the hint).
	MaxLastErrorLen = 1024
	// MaxLatencyLen bounds the encoded delta histogram: the agent's coarse
	// histogram with every bucket from 1 µs to 60 s filled encodes to about
	// 3 KiB, a 3-digit one to about 11 KiB, a per-second delta to a few
	// hundred bytes; 64 KiB leaves room for any honest sender.
	MaxLatencyLen = 64 << 10
	// maxIntervalMs bounds the report interval: an hour between reports
	// is already no watching at all.
	maxIntervalMs = 3600_000
)

// DecodeStats parses and validates the data of a stats report.
func DecodeStats(data []byte) (StatsReport, error) {
	var r StatsReport
	if err := json.Unmarshal(data, &r); err != nil {
		return StatsReport{}, fmt.Errorf("probe: stats report: %w", err)
	}
	if err := r.check(); err != nil {
		return StatsReport{}, fmt.Errorf("probe: stats report: %w", err)
	}
	return r, nil
}

// DecodeAck parses and validates the data of an ack.
func DecodeAck(data []byte) (AckData, error) {
	var a AckData
	if err := json.Unmarshal(data, &a); err != nil {
		return AckData{}, fmt.Errorf("probe: ack: %w", err)
	}
	p := a.Probe
	err := firstErr(
		maxLen("probe source", p.Source, bridge.MaxIDLen), maxLen("probe boot", p.Boot, bridge.MaxIDLen),
		maxLen("probe channel", p.Channel, bridge.MaxChannelLen),
		counter("probe seq", p.Seq), nonNegative("recvNs", a.RecvNs, 1<<63-1),
	)
	if err != nil {
		return AckData{}, fmt.Errorf("probe: ack: %w", err)
	}
	return a, nil
}

func (r *StatsReport) check() error {
	errs := []error{
		maxLen("role", r.Role, MaxRoleLen), maxLen("state", r.State, MaxStateLen),
		maxLen("lastError", r.LastError, MaxLastErrorLen), maxLen("latency", r.Latency, MaxLatencyLen),
		nonNegative("intervalMs", r.IntervalMs, maxIntervalMs), nonNegative("disconnectedMs", r.DisconnectedMs, MaxCounter),
	}
	for _, c := range []struct {
		name string
		v    uint64
	}{
		{"published", r.Published}, {"publishErrors", r.PublishErrors}, {"received", r.Received},
		{"selfReceived", r.SelfReceived}, {"collisions", r.Collisions}, {"errors", r.Errors},
		{"reconnects", r.Reconnects}, {"drops", r.Drops}, {"malformed", r.Malformed}, {"gaps", r.Gaps},
		{"duplicates", r.Duplicates}, {"late", r.Late}, {"acks", r.Acks},
	} {
		errs = append(errs, counter(c.name, c.v))
	}
	return firstErr(errs...)
}

func counter(name string, v uint64) error {
	if v > MaxCounter {
		return fmt.Errorf("%s %d is beyond 2^53", name, v)
	}
	return nil
}

func nonNegative(name string, v, limit int64) error {
	if v < 0 || v > limit {
		return fmt.Errorf("%s %d is outside 0..%d", name, v, limit)
	}
	return nil
}

// maxLen refuses a string past limit bytes; the error quotes none of it.
func maxLen(name, s string, limit int) error {
	if len(s) > limit {
		return fmt.Errorf("%s is %d bytes long, above the %d accepted", name, len(s), limit)
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
