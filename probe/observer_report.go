package probe

import "github.com/bridgescope/bridgescope/metrics"

// instanceReport turns a decoded stats report into the registry's terms,
// decoding its latency histogram (validated by metrics.DecodeHistogram).
func instanceReport(r StatsReport) (metrics.InstanceReport, error) {
	rep := metrics.InstanceReport{
		Role: r.Role, Final: r.Final, State: r.State, DisconnectedMs: r.DisconnectedMs,
		SelfReceived: r.SelfReceived, Collisions: r.Collisions, Errors: r.Errors,
		Reconnects: r.Reconnects, Drops: r.Drops, Malformed: r.Malformed,
		Received: r.Received, Published: r.Published,
		Matrix:   r.Streams != nil || r.Channels != nil,
		Channels: r.Channels,
	}
	if r.Latency != "" {
		h, err := metrics.DecodeHistogram(r.Latency)
		if err != nil {
			return metrics.InstanceReport{}, err
		}
		rep.Latency = h
	}
	for _, c := range r.PublishedChannels {
		rep.PublishedChannels = append(rep.PublishedChannels, metrics.ChannelCount{Channel: c.Channel, Published: c.Published})
	}
	for _, s := range r.Streams {
		sc := metrics.StreamCount{Source: s.Source, Boot: s.Boot, Channel: s.Channel, MaxSeq: s.MaxSeq,
			Received: s.Received, Gaps: s.Gaps, Duplicates: s.Duplicates, Late: s.Late}
		if l := s.Latency; l != nil {
			sc.Latency = metrics.OneWay{Count: int64(l.Count), P50: l.P50, P95: l.P95, P99: l.P99, Max: l.Max}
		}
		rep.Streams = append(rep.Streams, sc)
	}
	if o := r.Other; o != nil {
		rep.Other = &metrics.OtherCount{Streams: o.Streams, Received: o.Received, Gaps: o.Gaps, Duplicates: o.Duplicates, Late: o.Late}
	}
	return rep, nil
}
