package report_test

import (
	"strings"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/metrics/report"
)

// screenSnapshot is wrSnapshot with the 10 s figures apart from the
// session's, a clearing state, a held alert, a long message and info.
func screenSnapshot() metrics.Snapshot {
	s := wrSnapshot()
	in := &s.Instances[1] // bot-2
	in.RTT.P99, in.RTT10s.P99 = 61_000, 77_800
	in.RTT.Max, in.RTT10s.Max = 300_000, 95_000
	in.Delivery, in.Delivery10s = 98.1, 97.7
	in.Lost, in.Lost10s = 41, 2
	in.State, in.Status = metrics.Crit, metrics.Judgement{Level: metrics.Crit, Clearing: true, ClearsInMs: 3200}
	s.Alerts[1] = metrics.Alert{Rule: "delivery", Instance: "bot-2", Level: metrics.Crit, Since: wrAt.Add(-40 * time.Second),
		Value: 97.7, Condition: "< 90%", Clearing: true, ClearsInMs: 3200,
		Message: "delivery 97.7%, recovering (CRIT at < 90%) " + strings.Repeat("and a long tail ", 30) + "END"}
	s.Alerts[0].Unknown, s.Alerts[0].Condition = true, "> 0"
	s.Notes = []string{"Redis: bridge: subscribe bridge:events: NOPERM this user has no permissions to access one of the channels"}
	s.Info = []string{"output-buffer warnings off: CLIENT LIST refused"}
	s.History = append(s.History, metrics.AlertChange{At: wrAt.Add(-5 * time.Second), Rule: "forgotten", Instance: "bot-9",
		From: metrics.Crit, To: metrics.Crit, Note: "forgotten by the user"})
	return s
}

func TestStateLabel(t *testing.T) {
	for _, c := range []struct {
		l    metrics.Level
		j    metrics.Judgement
		want string
	}{
		{metrics.OK, metrics.Judgement{}, "OK"},
		{metrics.Crit, metrics.Judgement{Level: metrics.Crit}, "CRIT"},
		{metrics.Crit, metrics.Judgement{Level: metrics.Crit, Clearing: true, ClearsInMs: 3200}, "CRIT↘ 4s"},
		{metrics.Warn, metrics.Judgement{Level: metrics.Warn, Clearing: true}, "WARN↘ 0s"},
		{metrics.Warn, metrics.Judgement{Level: metrics.Warn, Clearing: true, ClearsInMs: 59_001}, "WARN↘ 1m"},
		{metrics.Warn, metrics.Judgement{Level: metrics.Warn, Clearing: true, ClearsInMs: 150_000}, "WARN↘ 3m"},
		{metrics.Crit, metrics.Judgement{Level: metrics.Crit, Unknown: true, Clearing: true}, "?"},
		{metrics.Level(7), metrics.Judgement{}, "CRIT?"},
	} {
		if got := report.StateLabel(c.l, c.j); got != c.want {
			t.Errorf("StateLabel(%v, %+v) = %q, want %q", c.l, c.j, got, c.want)
		}
	}
	if got := report.AlertLabel(metrics.Alert{Level: metrics.Crit, Unknown: true}); got != "held CRIT" {
		t.Errorf("a held alert is labelled %q", got)
	}
}

// TestWatchReportsNameTheirWindows: the Markdown and text reports put the
// 10 s figures the screen showed in columns named "10s", with the session
// figures beside them named "session" (the Markdown's P99 was the session
// figure while the screen showed the 10 s one).
func TestWatchReportsNameTheirWindows(t *testing.T) {
	s := screenSnapshot()
	md := wrRender(t, report.WatchMarkdown(s))
	// The 22 columns are past report.PasteWidth: each instance is a list
	// item of "NAME value" pairs, wrapped.
	_, item, _ := strings.Cut(md, "- **bot-2** —")
	item, _, _ = strings.Cut(item, "\n- ")
	item = strings.Join(strings.Fields(item), " ")
	for name, v := range map[string]string{"P99 10s": "77.8ms", "P99 session": "61.0ms", "MAX 10s": "95.0ms", "MAX session": "300ms",
		"DELIV 10s": "97.7%", "DELIV session": "98.1%", "LOST 10s": "2", "LOST session": "41", "STATE": "CRIT↘ 4s"} {
		if !strings.Contains(" "+item+" ·", " "+name+" "+v+" ·") {
			t.Errorf("Markdown's bot-2 lacks %s %s: %q", name, v, item)
		}
	}
	if !strings.Contains(md, "10s: the last 10 s") {
		t.Error("Markdown does not say what the windows are")
	}
	txt := wrRender(t, report.WatchText(s))
	for _, want := range []string{"P99 10s", "P99 session", "77.8ms", "61.0ms", "CRIT↘ 4s", "THRESHOLD", "< 90%",
		"held CRIT", "forgotten by the user", "output-buffer warnings off: CLIENT LIST refused"} {
		if !strings.Contains(txt, want) {
			t.Errorf("text report lacks %q", want)
		}
	}
}

// TestWatchActiveIsWholeAndTrimmed: the appendix of a screen snapshot has
// every alert's whole message (past the 256-rune cap of other wire text),
// its threshold and since-time, then the notes and info, and no line ends
// in a space.
func TestWatchActiveIsWholeAndTrimmed(t *testing.T) {
	s := screenSnapshot()
	s.Blind = "observer disconnected"
	out := wrRender(t, report.WatchActive(s))
	for _, want := range []string{"ACTIVE ALERTS (2)", "held CRIT evil|pipe self-received since 14:00:11 (2m0s), threshold > 0",
		"CRIT↘ 4s bot-2 delivery since 14:01:31 (40s), threshold < 90%", "and a long tail END",
		"BLIND\n  observer disconnected — instances not judged",
		"NOTES (1)\n  Redis: bridge: subscribe bridge:events: NOPERM this user has no permissions to access one of the channels",
		"INFO (1)\n  output-buffer warnings off: CLIENT LIST refused"} {
		if !strings.Contains(out, want) {
			t.Errorf("WatchActive lacks %q:\n%s", want, out)
		}
	}
	for i, l := range strings.Split(out, "\n") {
		if strings.HasSuffix(l, " ") {
			t.Errorf("line %d ends in a space: %q", i+1, l)
		}
	}
	if strings.Contains(out, "pwn") || strings.ContainsAny(out, "\x1b\a\r") {
		t.Error("WatchActive holds escape sequences from the wire")
	}
	// Past the cap, a message is cut with an ellipsis, not without a trace.
	s.Alerts[1].Message = strings.Repeat("x", report.MaxMessage+50)
	out = wrRender(t, report.WatchActive(s))
	if !strings.Contains(out, strings.Repeat("x", report.MaxMessage)+"…") || strings.Contains(out, strings.Repeat("x", report.MaxMessage+1)) {
		t.Error("a message past MaxMessage is not capped with an ellipsis")
	}
	empty := wrRender(t, report.WatchActive(metrics.Snapshot{At: wrAt}))
	if empty != "ACTIVE ALERTS (0)\nnone\n" {
		t.Errorf("no alerts: %q", empty)
	}
}

func lineWith(t *testing.T, out, sub string) string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	t.Fatalf("no line with %q in\n%s", sub, out)
	return ""
}

func splitRow(row string) []string {
	parts := strings.Split(strings.Trim(row, "|"), " | ")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}
