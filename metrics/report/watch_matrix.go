package report

import (
	"fmt"
	"math"
	"time"

	"github.com/bridgescope/bridgescope/metrics"
)

// matrixIDRunes caps an ID in the matrix tables, so that a row stays within
// 100 columns (a ticket's width): two IDs of 12 characters, the rest cut.
const matrixIDRunes = 12

// matrixNote says what the matrix tables' figures are.
const matrixNote = "Sender × receiver, channels summed, worst first. 10s, 1m, SESSION: delivery, received of " +
	"EXP (expected, session: the sender's seq range, or what it published); LOST: last 10 s; LEVEL: the pair_delivery " +
	"rule. P50, P99: one-way, last 10 s, corrected by both clocks' offsets (± what they may be off by; * raw, " +
	"clocks unknown), the highest per-second figures: an upper bound."

// matrixRows is the delivery matrix, one row per (sender, receiver).
func matrixRows(s metrics.Snapshot) [][]string {
	t := [][]string{{"FROM", "TO", "LEVEL", "10s", "LOST", "1m", "SESSION", "EXP", "P50", "P99", "±"}}
	for _, c := range metrics.WorstCells(s.Cells()) {
		p50, p99, unc := oneWayCells(c.Latency)
		t = append(t, []string{Sanitize(c.From, matrixIDRunes), Sanitize(c.To, matrixIDRunes), StateLabel(c.Status.Level, c.Status),
			fmtPct(c.W10s.DeliveryPct), itoa(c.W10s.Lost), fmtPct(c.W1m.DeliveryPct), fmtPct(c.Session.DeliveryPct),
			itoa(c.Session.Expected), p50, p99, unc})
	}
	return t
}

// oneWayCells are a pair's 10 s one-way P50 and P99, corrected where the
// clocks are known ("raw …*" where not), and the correction's uncertainty.
func oneWayCells(l metrics.PairLatency) (p50, p99, unc string) {
	us := metrics.FormatUsShort
	switch {
	case l.Corrected10s.Count > 0:
		return us(l.Corrected10s.P50), us(l.Corrected10s.P99), us(l.UncertaintyUs)
	case l.Raw10s.Count > 0:
		return signedUs(l.Raw10s.P50) + "*", signedUs(l.Raw10s.P99) + "*", "?"
	}
	return "-", "-", "-"
}

// signedUs is FormatUsShort for figures that may be negative (raw one-way
// between two clocks).
func signedUs(us float64) string {
	if us < 0 {
		return "-" + metrics.FormatUsShort(-us)
	}
	return metrics.FormatUsShort(us)
}

// oneWayRows is each instance's one-way latency of ordinary events.
func oneWayRows(rows []metrics.InstanceRow) [][]string {
	t := [][]string{{"ID", "RAW P50 10s", "RAW P99 10s", "RAW P99 sess", "CORR P50 10s", "CORR P99 10s", "±", "CLOCKS"}}
	for _, in := range rows {
		if in.Passive || in.OneWay.Session.Count == 0 {
			continue
		}
		clocks := clean(in.OneWayCorrection)
		if in.OneWaySkewed {
			clocks += "; raw skewed"
		}
		unc := "-"
		if !math.IsNaN(in.OneWayUncertaintyUs) {
			unc = metrics.FormatUsShort(in.OneWayUncertaintyUs)
		}
		c := in.OneWayCorrected.W10s
		corr50, corr99 := "-", "-"
		if c.Count > 0 {
			corr50, corr99 = metrics.FormatUsShort(c.P50), metrics.FormatUsShort(c.P99)
		}
		t = append(t, []string{Sanitize(in.ID, matrixIDRunes), signedUs(in.OneWay.W10s.P50), signedUs(in.OneWay.W10s.P99),
			signedUs(in.OneWay.Session.P99), corr50, corr99, unc, clocks})
	}
	return t
}

// subscriberRows is every connection subscribed, cooperating or passive.
func subscriberRows(s metrics.Snapshot) [][]string {
	t := [][]string{{"ADDR", "NAME", "NODE", "AGE", "IDLE", "SUBS", "OMEM", "INSTANCE"}}
	for _, r := range s.Subscribers {
		who := clean(r.Instance)
		if who == "" {
			who = "passive (" + metrics.PassiveRole + ")"
		}
		t = append(t, []string{clean(r.Addr), OrDash(Sanitize(r.Name, matrixIDRunes*2)), OrDash(clean(r.Node)),
			fmtDur(secs(r.AgeS)), fmtDur(secs(r.IdleS)), itoa(r.Subscriptions), fmtBytes(r.OmemBytes), who})
	}
	return t
}

// subscriberFact is the subscriber counts in one fact.
func subscriberFact(s metrics.Snapshot) string {
	out := fmt.Sprintf("%d connections listed", len(s.Subscribers))
	for _, c := range s.SubscriberCounts {
		out += fmt.Sprintf("; %s: %d (NUMSUB)", clean(c.Channel), c.Count)
	}
	return out
}

func fmtBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func secs(n int64) time.Duration { return time.Duration(n) * time.Second }
