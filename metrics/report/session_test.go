package report_test

import (
	"bytes"
	"encoding/xml"
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
