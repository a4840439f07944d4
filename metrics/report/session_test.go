package report_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/metrics/report"
)

// sessionOf builds a session from 120 frames of wrSnapshot, bot-2 going
// CRIT on delivery for 30 s in the middle.
func sessionOf(t *testing.T) report.Session {
	t.Helper()
	b := report.NewSessionBuilder(report.Session{Command: "watch", Redis: "redis://:xxxxx@h:6379", Observer: "obs",
		Config: map[string]string{"probe-rate": "10"}, Thresholds: metrics.DefaultThresholds(), SHA256: "ab12"})
	for i := range 120 {
		s := wrSnapshot()
		s.At = wrAt.Add(time.Duration(i) * time.Second)
		s.Alerts = nil
		if i >= 40 && i < 70 {
			s.Instances[1].State = metrics.Crit
			s.Instances[1].Rules = map[string]metrics.Judgement{"delivery": {Level: metrics.Crit}}
			s.Alerts = []metrics.Alert{{Rule: "delivery", Instance: s.Instances[1].ID, Level: metrics.Crit, Since: wrAt, Message: "delivery 80% < 90%"}}
		}
		b.Add(s)
	}
	return b.Build()
}

func TestSessionSpansAndChecks(t *testing.T) {
	s := sessionOf(t)
	if s.Frames != 120 || s.Verdict != metrics.OK || s.Worst != metrics.Crit {
		t.Fatalf("frames %d verdict %v worst %v", s.Frames, s.Verdict, s.Worst)
	}
	if len(s.Alerts) != 1 || s.Alerts[0].Open || s.Alerts[0].To.Sub(s.Alerts[0].From) != 30*time.Second {
		t.Fatalf("alert spans %+v", s.Alerts)
	}
	var deliv *report.SessionCheck
	for i := range s.Checks {
		if s.Checks[i].Rule == "delivery" {
			deliv = &s.Checks[i]
		}
	}
	if deliv == nil || deliv.Worst != metrics.Crit || deliv.CritMs != 30000 || deliv.Instances != 1 {
		t.Fatalf("delivery check %+v", deliv)
	}
}

// TestSessionHTMLIsSelfContained: the page forbids every load, has no
// script and no outside reference, escapes what came from the wire, and is
// well-formed where it inlines SVG.
func TestSessionHTMLIsSelfContained(t *testing.T) {
	s := sessionOf(t)
	s.Instances[0].ID = `<script>alert(1)</script>`
	var b bytes.Buffer
	hook := report.HTMLSection{Title: "Fan-out", Body: func(w *bytes.Buffer) { w.WriteString("<p>matrix</p>") }}
	if err := report.SessionHTML(s, report.HTMLOptions{Sections: []report.HTMLSection{hook}})(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if !strings.Contains(page, `<meta http-equiv="Content-Security-Policy" content="`+report.CSP+`">`) {
		t.Fatal("no CSP")
	}
	for _, bad := range []string{"<script", "src=", "href=", "url(", "@import"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page has %q", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;", "Alert timeline", "<h2>Fan-out</h2>", "ab12", "<svg"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	_, svg, _ := strings.Cut(page, "<svg")
	svg, _, _ = strings.Cut(svg, "</svg>")
	if err := xml.Unmarshal([]byte("<svg"+svg+"</svg>"), new(struct{})); err != nil {
		t.Errorf("an inline chart is not well-formed: %v", err)
	}
	var v bytes.Buffer
	if err := report.ValidateHTML(report.ValidateReport{Status: "PASS"}, report.HTMLOptions{})(&v); err != nil || !strings.Contains(v.String(), report.CSP) {
		t.Errorf("validate html: %v", err)
	}
}

func TestSessionMarkdownFits(t *testing.T) {
	s := sessionOf(t)
	s.Instances[0].ID = strings.Repeat("long-id-", 30)
	var b bytes.Buffer
	if err := report.SessionMarkdown(s)(&b); err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(b.String(), "\n") {
		if n := len([]rune(l)); n > report.PasteWidth {
			t.Errorf("line %d is %d columns: %q", i+1, n, l)
		}
	}
	if !strings.Contains(b.String(), "`deliv ") {
		t.Error("no sparklines")
	}
}

// TestSessionCaps drives a session past every cap: the points of a series,
// the instances charted, the alert changes kept; each says what it left.
func TestSessionCaps(t *testing.T) {
	b := report.NewSessionBuilder(report.Session{Thresholds: metrics.DefaultThresholds()})
	n := report.MaxSessionInstances + 7
	frames := 2*report.MaxAlertSpans + 10 // past every cap
	for i := range frames {
		s := metrics.Snapshot{At: wrAt.Add(time.Duration(i) * time.Second)}
		for k := range n {
			s.Instances = append(s.Instances, metrics.InstanceRow{ID: fmt.Sprintf("i-%03d", k), Delivery10s: 100,
				RTT10s: metrics.Percentiles{Count: 1, P50: 1, P99: float64(i)}})
		}
		if i%2 == 0 { // a flapping alert: a new span every other frame
			s.Alerts = []metrics.Alert{{Rule: "p99", Instance: "i-000", Level: metrics.Warn}}
		}
		b.Add(s)
	}
	s := b.Build()
	if len(s.Instances) != report.MaxSessionInstances || s.MoreInst != 7 {
		t.Errorf("%d instances charted, %d more; want %d and 7", len(s.Instances), s.MoreInst, report.MaxSessionInstances)
	}
	if p := s.Instances[0].Points; len(p) > report.MaxSeriesPoints || p[len(p)-1].P99Us != float64(frames-1) {
		t.Errorf("%d points, the last %v: want at most %d, the worst kept", len(p), p[len(p)-1].P99Us, report.MaxSeriesPoints)
	}
	if len(s.Alerts) != report.MaxAlertSpans || s.MoreSpans == 0 {
		t.Errorf("%d alert spans, %d more", len(s.Alerts), s.MoreSpans)
	}
	var b2 bytes.Buffer
	if err := report.SessionHTML(s, report.HTMLOptions{})(&b2); err != nil || !strings.Contains(b2.String(), "and 7 more instances") ||
		!strings.Contains(b2.String(), "more changes, past the first") {
		t.Errorf("the page does not say what the caps left out (%v)", err)
	}
}
