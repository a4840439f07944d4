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
	// MaxReportStreams is how many streams a stats report lists (DESIGN.md:
	// the top 64 sources; the rest are summed in Other). A bot hears one
	// stream per publisher and channel: 64 covers a fleet of dozens, and 64
	// entries of about 200 bytes keep a report, which every instance
	// receives every second, near 13 KiB.
	MaxReportStreams = 64
	// MaxReportChannels bounds the channels a report names (subscribed, and
	// published per channel): bots use a handful; a report must stay small.
	MaxReportChannels = 64
	// maxLatencyUs bounds a one-way figure either way: an hour, past which
	// the bridge refuses an envelope's timestamp anyway.
	maxLatencyUs = 3600e6
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
	// An empty list is no list: "streams":[] and no streams read the same.
	if len(r.Channels) == 0 {
		r.Channels = nil
	}
	if len(r.PublishedChannels) == 0 {
		r.PublishedChannels = nil
	}
	if len(r.Streams) == 0 {
		r.Streams = nil
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
	errs = append(errs, r.checkMatrix())
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

// checkMatrix validates what the delivery matrix is built from: counts,
// lengths and latency figures, each with its cap.
func (r *StatsReport) checkMatrix() error {
	errs := []error{
		maxCount("streams", len(r.Streams), MaxReportStreams), maxCount("channels", len(r.Channels), MaxReportChannels),
		maxCount("publishedChannels", len(r.PublishedChannels), MaxReportChannels),
	}
	for _, ch := range r.Channels {
		errs = append(errs, maxLen("channel", ch, bridge.MaxChannelLen))
	}
	for _, c := range r.PublishedChannels {
		errs = append(errs, maxLen("published channel", c.Channel, bridge.MaxChannelLen), counter("published", c.Published))
	}
	for _, s := range r.Streams {
		errs = append(errs, maxLen("stream source", s.Source, bridge.MaxIDLen), maxLen("stream boot", s.Boot, bridge.MaxIDLen),
			maxLen("stream channel", s.Channel, bridge.MaxChannelLen), counter("maxSeq", s.MaxSeq), counter("stream received", s.Received),
			counter("stream gaps", s.Gaps), counter("stream duplicates", s.Duplicates), counter("stream late", s.Late))
		if l := s.Latency; l != nil {
			errs = append(errs, l.check())
		}
	}
	if o := r.Other; o != nil {
		errs = append(errs, counter("other streams", o.Streams), counter("other received", o.Received),
			counter("other gaps", o.Gaps), counter("other duplicates", o.Duplicates), counter("other late", o.Late))
	}
	return firstErr(errs...)
}

// check refuses a latency summary out of order or out of range.
func (l *LatencySummary) check() error {
	if err := counter("latency n", l.Count); err != nil {
		return err
	}
	for _, v := range []float64{l.P50, l.P95, l.P99, l.Max} {
		if !(v >= -maxLatencyUs && v <= maxLatencyUs) {
			return fmt.Errorf("latency figure %g µs is outside ±1h", v)
		}
	}
	if !(l.P50 <= l.P95 && l.P95 <= l.P99 && l.P99 <= l.Max) {
		return fmt.Errorf("latency figures out of order: p50 %g, p95 %g, p99 %g, max %g", l.P50, l.P95, l.P99, l.Max)
	}
	return nil
}

func maxCount(name string, n, limit int) error {
	if n > limit {
		return fmt.Errorf("%d %s, above the %d accepted", n, name, limit)
	}
	return nil
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
