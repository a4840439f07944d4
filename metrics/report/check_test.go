package report_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/metrics/report"
)

func checkSnap() metrics.Snapshot {
	return metrics.Snapshot{
		At: time.Date(2025, 11, 26, 14, 2, 11, 0, time.UTC), Redis: "redis://127.0.0.1:6390", Observer: "obs",
		Channels: []string{"bridge:events"}, Thresholds: metrics.DefaultThresholds(),
		Instances: []metrics.InstanceRow{
			{ID: "bot-1", Role: "agent", Delivery10s: 100, ProbesSent: 40, RTT: metrics.Percentiles{Count: 40},
				RTT10s: metrics.Percentiles{Count: 40, P99: 3140}},
			{ID: "bot 2|x", Role: "agent", Delivery10s: 50, ProbesSent: 40, Lost: 20, State: metrics.Crit,
				RTT: metrics.Percentiles{Count: 20}, RTT10s: metrics.Percentiles{Count: 20, P99: 1200}},
		},
	}
}

func TestCheckVerdicts(t *testing.T) {
	ok := checkSnap()
	ok.Instances = ok.Instances[:1]
	warn := checkSnap()
	warn.Instances = warn.Instances[:1]
	warn.Instances[0].State = metrics.Warn
	warn.Alerts = []metrics.Alert{{Rule: "p99", Instance: "bot-1", Level: metrics.Warn, Message: "p99 150ms > 100ms"}}
	crit := checkSnap()
	crit.Alerts = []metrics.Alert{{Rule: "delivery", Instance: "bot 2|x", Level: metrics.Crit, Message: "delivery 50% < 90%"}}
	blind := checkSnap()
	blind.Blind = "observer disconnected from Redis"
	none := checkSnap()
	none.Instances = nil
	for _, c := range []struct {
		name   string
		s      metrics.Snapshot
		exp    report.CheckExpect
		code   int
		reason string
	}{
		{"ok", ok, report.CheckExpect{}, report.CheckOK, ""},
		{"ok expecting it", ok, report.CheckExpect{Count: 1, IDs: []string{"bot-1"}}, report.CheckOK, ""},
		{"warn", warn, report.CheckExpect{}, report.CheckWarning, "bot-1: p99 150ms > 100ms"},
		{"crit", crit, report.CheckExpect{}, report.CheckCritical, "bot 2/x: delivery 50% < 90%"},
		{"missing by name", ok, report.CheckExpect{IDs: []string{"bot-1", "bot-9"}}, report.CheckCritical, "expected instance bot-9 did not answer"},
		{"missing by count", ok, report.CheckExpect{Count: 3}, report.CheckCritical, "1 of 3 expected instances answered"},
		{"nobody, nothing expected", none, report.CheckExpect{}, report.CheckWarning, "no cooperating instance answered on bridge:events"},
		{"blind", blind, report.CheckExpect{}, report.CheckUnknown, "observer disconnected from Redis — instances not judged"},
	} {
		r := report.BuildCheckReport(c.s, c.exp, 3*time.Second, false)
		out := render(t, report.CheckNagios(r))
		if r.Code != c.code || (c.reason != "" && !strings.Contains(out, c.reason)) {
			t.Errorf("%s: code %d, want %d and %q in\n%s", c.name, r.Code, c.code, c.reason, out)
		}
		status := []string{"OK", "WARNING", "CRITICAL", "UNKNOWN"}[c.code]
		if !strings.HasPrefix(out, "BRIDGESCOPE "+status+" - ") || strings.Count(strings.SplitN(out, "\n", 2)[0], "|") != 1 {
			t.Errorf("%s: first line is not a status line with one |:\n%s", c.name, out)
		}
	}
}

func TestCheckNagiosPerfdata(t *testing.T) {
	r := report.BuildCheckReport(checkSnap(), report.CheckExpect{Count: 2}, 2*time.Second, true)
	out := render(t, report.CheckNagios(r))
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	want := "BRIDGESCOPE CRITICAL - 2 instances answered; bot 2/x: CRIT | instances=2;;2:;0 " +
		"delivery=50%;95:;90:;0;100 p99=3.14ms;100;500;0 lost=20;;;0 alerts=0;;;0"
	if lines[0] != want {
		t.Errorf("first line\n got %s\nwant %s", lines[0], want)
	}
	// A line per instance, then the instances' perfdata after the last one's "|".
	rest := []string{
		"bot-1 OK delivery 100.0% p99 3.14ms lost 0",
		"bot 2/x CRIT delivery 50.0% p99 1.20ms lost 20 | 'bot-1 delivery'=100%;95:;90:;0;100",
		"'bot-1 p99'=3.14ms;100;500;0", "'bot-1 lost'=0;;;0",
		"'bot 2_x delivery'=50%;95:;90:;0;100", "'bot 2_x p99'=1.2ms;100;500;0", "'bot 2_x lost'=20;;;0",
	}
	if strings.Join(lines[1:], "\n") != strings.Join(rest, "\n") {
		t.Errorf("long text and perfdata:\n%s\nwant\n%s", strings.Join(lines[1:], "\n"), strings.Join(rest, "\n"))
	}
	none := checkSnap()
	none.Instances = nil
	out = render(t, report.CheckNagios(report.BuildCheckReport(none, report.CheckExpect{}, time.Second, false)))
	if !strings.Contains(out, " delivery=U;95:;90:;0;100 p99=U;100;500;0") {
		t.Errorf("no data is U:\n%s", out)
	}
}

func TestCheckJSONAndText(t *testing.T) {
	s := checkSnap()
	s.Instances[0].RTT10s = metrics.Percentiles{}
	s.Instances[0].Delivery10s = math.NaN()
	r := report.BuildCheckReport(s, report.CheckExpect{}, 2*time.Second, false)
	var got map[string]any
	if err := json.Unmarshal([]byte(render(t, report.CheckJSON(r))), &got); err != nil {
		t.Fatal(err)
	}
	in := got["instances"].([]any)[0].(map[string]any)
	if got["status"] != "CRITICAL" || got["code"] != 2.0 || got["schemaVersion"] != 3.0 || in["delivery"] != nil || in["p99Us"] != nil {
		t.Errorf("json: %v", got)
	}
	perf := got["perfdata"].([]any)[1].(map[string]any)
	if perf["label"] != "delivery" || perf["value"] != 50.0 || perf["warn"] != "95:" {
		t.Errorf("json perfdata: %v", perf)
	}
	text := render(t, report.CheckText(r))
	for _, want := range []string{"bridgescope check: CRITICAL - ", "bot 2|x  agent  CRIT", "checked 2s on redis://127.0.0.1:6390"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	u := report.CheckUnknownReport(report.CheckReport{}, s.At, time.Second, "cannot use Redis: connection refused")
	if out := render(t, report.CheckNagios(u)); out != "BRIDGESCOPE UNKNOWN - cannot use Redis: connection refused\n" {
		t.Errorf("unknown: %q", out)
	}
}

func TestCheckReasonsCapped(t *testing.T) {
	s := checkSnap()
	for i := range report.MaxCheckReasons + 5 {
		s.Alerts = append(s.Alerts, metrics.Alert{Rule: "errors", Instance: "bot-1", Level: metrics.Warn, Message: "errors " + string(rune('a'+i))})
	}
	r := report.BuildCheckReport(s, report.CheckExpect{}, time.Second, false)
	if n := len(r.Reasons); n != report.MaxCheckReasons || r.Reasons[n-1] != "and 7 more" {
		t.Errorf("%d reasons, last %q; want %d ending in the count of the rest", n, r.Reasons[n-1], report.MaxCheckReasons)
	}
}
