package report

import (
	"fmt"

	"github.com/bridgescope/bridgescope/metrics"
)

// StateLabel is an instance's state as the dashboard and every report write
// it: "CRIT"; "CRIT↘ 4s" while the rule that holds it is clearing (its value
// is back, the level falls in 4 s); "OK↗ 2s" while the value is past a worse
// level the hold has not raised yet; "?" while the observer is blind and the
// level is held, not judged.
func StateLabel(l metrics.Level, j metrics.Judgement) string {
	switch {
	case j.Unknown:
		return "?"
	case j.Clearing:
		return levelName(l) + "↘ " + ClearsIn(j.ClearsInMs)
	case j.Rising > l:
		return levelName(l) + "↗ " + ClearsIn(j.RisesInMs)
	}
	return levelName(l)
}

// AlertLabel is an alert's level as StateLabel writes it, except that a
// held alert keeps its level in view: "held CRIT".
func AlertLabel(a metrics.Alert) string {
	if a.Unknown {
		return "held " + levelName(a.Level)
	}
	return StateLabel(a.Level, metrics.Judgement{Level: a.Level, Clearing: a.Clearing, ClearsInMs: a.ClearsInMs})
}

// ClearsIn is the time left in a clear-hold, rounded up and at most 3
// cells: "4s", "59s", "2m".
func ClearsIn(ms int64) string {
	s := (max(ms, 0) + 999) / 1000
	if s < 60 {
		return fmt.Sprintf("%ds", s)
	}
	return fmt.Sprintf("%dm", (s+59)/60)
}

// BlindText says what Snapshot.Blind means for the instances, e.g.
// "observer disconnected — instances not judged".
func BlindText(blind string) string { return message(blind) + " — instances not judged" }

func levelName(l metrics.Level) string {
	if l < metrics.OK || l > metrics.Crit {
		return "CRIT?" // a level added later is never written as healthy
	}
	return l.String()
}

// message is Sanitize for the texts shown whole: alerts, notes, info.
func message(s string) string { return Sanitize(s, MaxMessage) }
