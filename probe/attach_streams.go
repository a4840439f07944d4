package probe

import (
	"slices"
	"sort"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/metrics"
)

// streamLatency is one stream's one-way latencies in the current interval,
// recorded as the amount above the stream's floor (its lowest raw figure
// before this interval): a raw figure is the receiver's clock minus the
// sender's, and may be −250 ms between two machines whose clocks disagree,
// where a histogram of the raw figure would keep 1 % of 250 ms (2.5 ms) and
// nothing below zero. Above the floor it keeps 1 % of the latency itself.
// A figure below the floor (a new lowest) is recorded at the floor: the
// error is the floor's drop, on the fastest events only.
type streamLatency struct {
	floorNs int64
	lowNs   int64 // the lowest raw figure of this interval
	h       *metrics.Histogram
}

// recordStream books one event's raw one-way latency (ns) for its stream.
// At most MaxReportStreams streams are followed per interval: what a report
// can carry; the instance's histogram (StatsReport.Latency) has them all.
// Called with a.mu held.
func (a *Agent) recordStream(k bridge.StreamKey, rawNs int64) {
	s := a.streams[k]
	if s == nil {
		if len(a.streams) >= MaxReportStreams {
			return
		}
		s = &streamLatency{floorNs: rawNs, lowNs: rawNs}
		if n := len(a.free); n > 0 {
			s.h, a.free = a.free[n-1], a.free[:n-1]
		} else {
			s.h = metrics.NewCoarseHistogram()
		}
		a.streams[k] = s
	}
	s.lowNs = min(s.lowNs, rawNs)
	s.h.Record(time.Duration(rawNs - s.floorNs))
}

// takeLatency returns the interval's summary of stream k (nil without
// samples) and starts the next interval. Called with a.mu held.
func (a *Agent) takeLatency(k bridge.StreamKey) *LatencySummary {
	s := a.streams[k]
	if s == nil || s.h.Count() == 0 {
		return nil
	}
	us := func(d time.Duration) float64 {
		return float64(s.floorNs)/1e3 + float64(d)/float64(time.Microsecond)
	}
	l := &LatencySummary{Count: uint64(s.h.Count()), P50: us(s.h.Quantile(50)), P95: us(s.h.Quantile(95)),
		P99: us(s.h.Quantile(99)), Max: us(s.h.Max())}
	// The lowest figure may sit below the floor; the summary never reads
	// lower than what was recorded.
	l.P95, l.P99, l.Max = max(l.P95, l.P50), max(l.P99, l.P95), max(l.Max, l.P99)
	return l
}

// endInterval resets every stream's histogram, lowers floors, and forgets
// the streams silent for the whole interval (their histograms are reused).
// Called with a.mu held.
func (a *Agent) endInterval() {
	for k, s := range a.streams {
		if s.h.Count() == 0 {
			a.free = append(a.free, s.h)
			delete(a.streams, k)
			continue
		}
		s.h.Reset()
		s.floorNs = min(s.floorNs, s.lowNs)
		s.lowNs = s.floorNs
	}
}

// matrixReport fills in what the observer builds the delivery matrix from:
// the channels listened to, what was published per channel, and the
// busiest MaxReportStreams streams of ordinary events received (others
// summed). Streams of control messages (an observer's probes) and of this
// instance's own ID are left out, so the streams add up to Received.
// Called with a.mu held.
func (a *Agent) matrixReport(r *StatsReport, st bridge.Stats) {
	chans := a.b.Config().Channels
	r.Channels = slices.Clone(chans[:min(len(chans), MaxReportChannels)])
	for _, ch := range sortedKeys(st.Published) {
		if ch != a.ctl && len(r.PublishedChannels) < MaxReportChannels {
			r.PublishedChannels = append(r.PublishedChannels, ChannelCount{Channel: ch, Published: st.Published[ch]})
		}
	}
	var ss []bridge.StreamStats
	for _, s := range st.Streams {
		if s.Channel != a.ctl && s.Control == 0 && s.Source != st.InstanceID {
			ss = append(ss, s)
		}
	}
	sort.SliceStable(ss, func(i, j int) bool { return ss[i].Received > ss[j].Received })
	for i, s := range ss {
		if i < MaxReportStreams {
			r.Streams = append(r.Streams, StreamReport{Source: s.Source, Boot: s.Boot, Channel: s.Channel, MaxSeq: s.MaxSeq,
				Received: s.Received, Gaps: s.Gaps, Duplicates: s.Duplicates, Late: s.Late, Latency: a.takeLatency(s.StreamKey)})
			continue
		}
		if r.Other == nil {
			r.Other = &OtherStreams{}
		}
		o := r.Other
		o.Streams++
		o.Received, o.Gaps, o.Duplicates, o.Late = o.Received+s.Received, o.Gaps+s.Gaps, o.Duplicates+s.Duplicates, o.Late+s.Late
	}
	a.endInterval()
}

func sortedKeys(m map[string]uint64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
