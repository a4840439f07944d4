package cli

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/bridgescope/bridgescope/bridge/bridgetest"
	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/metrics/prom"
)

const (
	dashboardFile = "../../metrics/prom/grafana/bridgescope.json"
	rulesFile     = "../../metrics/prom/rules/bridgescope.rules.yml"
)

// TestPromHistogramsDashboardAndRules scrapes a real observer (a lossy,
// publishing agent, the raw lane on) against a real redis-server: the
// histograms' buckets match the HDR totals the summary beside them reports,
// a protobuf scrape carries the native buckets, and every metric the
// Grafana dashboard and the alert rules name is in the scrape (one
// malformed message is published, so that its counter exists too).
func TestPromHistogramsDashboardAndRules(t *testing.T) {
	srv := bridgetest.Start(t)
	url := srv.URL()
	agentCtx, stopAgent := context.WithCancel(context.Background())
	agent := startMain(agentCtx, "agent", "--redis", url, "--id", "graf-1", "--publish-rate", "20", "--test-drop-acks", "0.2")
	t.Cleanup(func() { stopAgent(); <-agent.done })
	agent.await(t, regexp.MustCompile("acking probes"))
	watchCtx, stopWatch := context.WithCancel(context.Background())
	w := startMain(watchCtx, "watch", "--redis", url, "--headless", "--baseline", "--probe-rate", "20", "--late-after", "500ms",
		"--alert-hold", "0s", "--metrics-addr", "127.0.0.1:0")
	t.Cleanup(func() { stopWatch(); w.wait(t) })
	addr := w.await(t, metricsLine)[1]
	srv.Do(t, "PUBLISH", "bridge:events", "not json")

	id := map[string]string{prom.InstanceLabel: "graf-1"}
	var fams map[string]*dto.MetricFamily
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		var err error
		if fams, err = scrapeAddr(addr); err != nil {
			t.Fatalf("scrape: %v", err)
		}
		h := histogramOf(fams, "bridgescope_instance_round_trip_seconds", id)
		if h.GetSampleCount() >= 40 && fams["bridgescope_alert_transitions_total"] != nil && fams["bridgescope_malformed_total"] != nil &&
			histogramOf(fams, "bridgescope_baseline_round_trip_seconds", nil).GetSampleCount() > 0 &&
			histogramOf(fams, "bridgescope_source_one_way_seconds", map[string]string{"source": "graf-1"}).GetSampleCount() > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no histograms and transitions in time; last round trip histogram %v", h)
		}
	}
	checkHistogram(t, fams, id)
	checkNative(t, addr)
	names := scrapedNames(fams)
	for _, e := range dashboardExprs(t) {
		checkExprNames(t, "dashboard", e, names)
	}
	for _, e := range ruleExprs(t) {
		checkExprNames(t, "rules", e, names)
	}
}

func histogramOf(fams map[string]*dto.MetricFamily, name string, labels map[string]string) *dto.Histogram {
	for _, m := range fams[name].GetMetric() {
		have := map[string]string{}
		for _, lp := range m.GetLabel() {
			have[lp.GetName()] = lp.GetValue()
		}
		match := true
		for k, v := range labels {
			match = match && have[k] == v
		}
		if match {
			return m.GetHistogram()
		}
	}
	return nil
}

// checkHistogram: the buckets ascend to the count, and count and sum are
// the HDR histogram's, as the summary of the same snapshot reports them.
func checkHistogram(t *testing.T, fams map[string]*dto.MetricFamily, id map[string]string) {
	t.Helper()
	h := histogramOf(fams, "bridgescope_instance_round_trip_seconds", id)
	var sum *dto.Summary
	for _, m := range fams["bridgescope_instance_rtt_seconds"].GetMetric() {
		if m.GetLabel()[0].GetValue() == id[prom.InstanceLabel] {
			sum = m.GetSummary()
		}
	}
	if sum == nil || h.GetSampleCount() != sum.GetSampleCount() || math.Abs(h.GetSampleSum()-sum.GetSampleSum()) > 1e-9 {
		t.Fatalf("histogram count %d sum %v, summary count %d sum %v: not one HDR histogram", h.GetSampleCount(),
			h.GetSampleSum(), sum.GetSampleCount(), sum.GetSampleSum())
	}
	bs := h.GetBucket()
	if len(bs) != 17 || bs[0].GetUpperBound() != 100e-6 || bs[15].GetUpperBound() != 10 || !math.IsInf(bs[16].GetUpperBound(), 1) {
		t.Fatalf("buckets %v, want 100µs … 10s and +Inf", bs)
	}
	for i := 1; i < len(bs); i++ {
		if bs[i].GetCumulativeCount() < bs[i-1].GetCumulativeCount() {
			t.Errorf("bucket le=%v: %d below the one before", bs[i].GetUpperBound(), bs[i].GetCumulativeCount())
		}
	}
	if bs[16].GetCumulativeCount() != h.GetSampleCount() || bs[15].GetCumulativeCount() != h.GetSampleCount() {
		t.Errorf("+Inf and le=10s hold %d and %d of %d round trips on loopback", bs[16].GetCumulativeCount(),
			bs[15].GetCumulativeCount(), h.GetSampleCount())
	}
}

// checkNative scrapes in protobuf, as Prometheus with native histograms
// does: the native buckets hold every sample.
func checkNative(t *testing.T, addr string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", string(expfmt.NewFormat(expfmt.TypeProtoDelim)))
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	dec := expfmt.NewDecoder(resp.Body, expfmt.ResponseFormat(resp.Header))
	for {
		var mf dto.MetricFamily
		if err := dec.Decode(&mf); err != nil {
			t.Fatalf("no round-trip histogram in the protobuf scrape (%v)", err)
		}
		if mf.GetName() != "bridgescope_instance_round_trip_seconds" {
			continue
		}
		h := mf.GetMetric()[0].GetHistogram()
		var n, count int64
		for _, d := range h.GetPositiveDelta() {
			count += d
			n += count
		}
		if h.GetSchema() != metrics.ExpSchema || uint64(n) != h.GetSampleCount() || n == 0 {
			t.Errorf("native: schema %d, buckets hold %d of %d samples", h.GetSchema(), n, h.GetSampleCount())
		}
		return
	}
}

// scrapedNames are the series names a query can select: each family's,
// and a histogram's or summary's _bucket, _sum and _count.
func scrapedNames(fams map[string]*dto.MetricFamily) map[string]bool {
	names := map[string]bool{}
	for name, f := range fams {
		names[name] = true
		if f.GetType() == dto.MetricType_HISTOGRAM || f.GetType() == dto.MetricType_SUMMARY {
			names[name+"_bucket"], names[name+"_sum"], names[name+"_count"] = true, true, true
		}
	}
	return names
}

var grafanaMacros = strings.NewReplacer("$__rate_interval", "1m", "$__interval", "1m", "$__range", "1h")

// dashboardExprs are every PromQL expression of the dashboard, its
// variables' label_values() turned into the selector they query.
func dashboardExprs(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
		Templating struct {
			List []struct {
				Type  string
				Query json.RawMessage
			}
		}
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	var out []string
	for _, p := range d.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("dashboard panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			out = append(out, grafanaMacros.Replace(tg.Expr))
		}
	}
	labelValues := regexp.MustCompile(`^label_values\((.+),\s*\w+\)$`)
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		var q struct{ Query string }
		if err := json.Unmarshal(v.Query, &q); err != nil {
			t.Fatalf("variable query: %v", err)
		}
		m := labelValues.FindStringSubmatch(q.Query)
		if m == nil {
			t.Fatalf("variable query %q is not label_values(selector, label)", q.Query)
		}
		out = append(out, m[1])
	}
	if len(out) < 10 {
		t.Fatalf("%d expressions in the dashboard: not what it should hold", len(out))
	}
	return out
}

// ruleExprs parses the rules file with Prometheus's own rule parser, which
// checks every expression and template, and returns the expressions.
func ruleExprs(t *testing.T) []string {
	t.Helper()
	groups, errs := rulefmt.ParseFile(rulesFile, false, model.UTF8Validation, parser.NewParser(parser.Options{}), nil)
	for _, err := range errs {
		t.Errorf("%s: %v", rulesFile, err)
	}
	raw, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if _, rules, _ := strings.Cut(string(raw), "groups:"); !strings.Contains(string(readme), "groups:"+rules) {
		t.Errorf("README.md does not show %s as it is", rulesFile)
	}
	var out []string
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			out = append(out, r.Expr)
		}
	}
	if len(out) < 5 {
		t.Fatalf("%d rules in %s", len(out), rulesFile)
	}
	return out
}

// checkExprNames parses expr and checks that every metric it selects is
// among the scraped names.
func checkExprNames(t *testing.T, where, expr string, names map[string]bool) {
	t.Helper()
	e, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		t.Errorf("%s: %q does not parse: %v", where, expr, err)
		return
	}
	n := 0
	parser.Inspect(e, func(node parser.Node, _ []parser.Node) error {
		if vs, ok := node.(*parser.VectorSelector); ok {
			n++
			if !names[vs.Name] {
				t.Errorf("%s: %q selects %s, which a real scrape does not have", where, expr, vs.Name)
			}
		}
		return nil
	})
	if n == 0 && !strings.HasPrefix(expr, "vector(") {
		t.Errorf("%s: %q selects no metric", where, expr)
	}
}
