package tui

import (
	"slices"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/metrics/report"
)

// maxWireRunes caps text from the wire: nothing on screen needs more, and
// a megabyte-long instance ID must not cost a megabyte per frame.
const maxWireRunes = 200

// sanitize makes text from the wire safe to draw (metrics.SanitizeText),
// capped: nothing on screen needs more, and a megabyte-long instance ID must
// not cost a megabyte per frame.
func sanitize(s string) string { return report.Sanitize(s, maxWireRunes) }

// sanitizeMessage is sanitize for the texts the screen shows whole,
// wrapped: alerts, notes, info (report.MaxMessage).
func sanitizeMessage(s string) string { return report.Sanitize(s, report.MaxMessage) }

func sanitizeAll(in []string, clean func(string) string) []string {
	if in == nil {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = clean(s)
	}
	return out
}

// cleanSnapshot returns a copy of s with every wire string sanitized. The
// received snapshot is shared and immutable, so slices are copied, never
// edited in place.
func cleanSnapshot(s metrics.Snapshot) metrics.Snapshot {
	s.Observer, s.Redis = sanitize(s.Observer), sanitize(s.Redis) // redacted at the source (bridge.ConnConfig.Redacted)
	s.Transport, s.Conn = sanitize(s.Transport), sanitize(s.Conn)
	s.ProbeChannels, s.Channels = sanitizeAll(s.ProbeChannels, sanitize), sanitizeAll(s.Channels, sanitize)
	s.Notes, s.Info = sanitizeAll(s.Notes, sanitizeMessage), sanitizeAll(s.Info, sanitizeMessage)
	s.Blind = sanitizeMessage(s.Blind)
	s.Instances = slices.Clone(s.Instances)
	for i := range s.Instances {
		in := &s.Instances[i]
		in.ID, in.Boot, in.Role = sanitize(in.ID), sanitize(in.Boot), sanitize(in.Role)
		in.OneWayCorrection = sanitize(in.OneWayCorrection)
		in.Recent = cleanChanges(in.Recent)
	}
	s.Sources = slices.Clone(s.Sources)
	for i := range s.Sources {
		s.Sources[i].ID = sanitize(s.Sources[i].ID)
	}
	s.Matrix = slices.Clone(s.Matrix)
	for i := range s.Matrix {
		m := &s.Matrix[i]
		m.From, m.To, m.Channel = sanitize(m.From), sanitize(m.To), sanitize(m.Channel)
		m.Latency.Correction = sanitize(m.Latency.Correction)
	}
	s.Subscribers = slices.Clone(s.Subscribers)
	for i := range s.Subscribers {
		sub := &s.Subscribers[i]
		sub.Addr, sub.Name, sub.Node, sub.Instance = sanitize(sub.Addr), sanitize(sub.Name), sanitize(sub.Node), sanitize(sub.Instance)
	}
	s.Alerts = slices.Clone(s.Alerts)
	for i := range s.Alerts {
		a := &s.Alerts[i]
		a.Rule, a.Instance, a.Condition = sanitize(a.Rule), sanitize(a.Instance), sanitize(a.Condition)
		a.Message = sanitizeMessage(a.Message)
	}
	s.History = cleanChanges(s.History)
	s.Shards = slices.Clone(s.Shards)
	for i := range s.Shards {
		sh := &s.Shards[i]
		sh.Addr, sh.State, sh.LastError = sanitize(sh.Addr), sanitize(sh.State), sanitize(sh.LastError)
	}
	if s.Baseline != nil {
		b := *s.Baseline
		b.Channel = sanitize(b.Channel)
		s.Baseline = &b
	}
	if s.MalformedByReason != nil {
		m := make(map[string]int64, len(s.MalformedByReason))
		for k, v := range s.MalformedByReason {
			m[sanitize(k)] += v
		}
		s.MalformedByReason = m
	}
	return s
}

func cleanChanges(in []metrics.AlertChange) []metrics.AlertChange {
	if in == nil {
		return nil
	}
	out := slices.Clone(in)
	for i := range out {
		out[i].Rule, out[i].Instance = sanitize(out[i].Rule), sanitize(out[i].Instance)
		out[i].Note = sanitizeMessage(out[i].Note)
	}
	return out
}
