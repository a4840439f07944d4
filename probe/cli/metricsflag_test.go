package cli

import (
	"context"
	"encoding/json"
	"math"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/bridgescope/bridgescope/bridge/bridgetest"
	"github.com/bridgescope/bridgescope/metrics/prom"
)

var metricsLine = regexp.MustCompile(`metrics on http://(\S+)/metrics`)

// syncBuf is a Writer safe for the concurrent writes of a running command.
type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// mainProc is a subcommand running in this process.
type mainProc struct {
	stdout, stderr *syncBuf
	done           chan int
}

func startMain(ctx context.Context, args ...string) *mainProc {
	p := &mainProc{stdout: &syncBuf{}, stderr: &syncBuf{}, done: make(chan int, 1)}
	go func() { p.done <- Main(ctx, args, strings.NewReader(""), p.stdout, p.stderr) }()
	return p
}

// await waits until stderr matches re and returns the submatches.
func (p *mainProc) await(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(p.stderr.String()); m != nil {
			return m
		}
		select {
		case code := <-p.done:
			p.done <- code
			t.Fatalf("exited %d before %q; stderr:\n%s", code, re, p.stderr)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("no %q on stderr in time:\n%s", re, p.stderr)
	return nil
}

func (p *mainProc) wait(t *testing.T) int {
	t.Helper()
	select {
	case code := <-p.done:
		return code
	case <-time.After(30 * time.Second):
		t.Fatalf("did not end; stderr:\n%s", p.stderr)
		return 0
	}
}

// scrapeAddr fetches /metrics from addr (no keep-alive: no client goroutine
// outlives it) and parses it with Prometheus's text parser.
func scrapeAddr(addr string) (map[string]*dto.MetricFamily, error) {
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(resp.Body)
}

// sample is the value of the one gauge or counter of family name whose
// labels include want; ok is false when there is none.
func sample(fams map[string]*dto.MetricFamily, name string, want map[string]string) (v float64, ok bool) {
	for _, m := range fams[name].GetMetric() {
		have := map[string]string{}
		for _, lp := range m.GetLabel() {
			have[lp.GetName()] = lp.GetValue()
		}
		match := true
		for k, w := range want {
			match = match && have[k] == w
		}
		if match {
			return m.GetGauge().GetValue() + m.GetCounter().GetValue(), true
		}
	}
	return 0, false
}

// TestMetricsAddrWatchAndAgent scrapes a headless watch and an agent while
// they run against a real redis-server: the agent drops half its acks.
func TestMetricsAddrWatchAndAgent(t *testing.T) {
	url := bridgetest.Start(t).URL()
	agentCtx, stopAgent := context.WithCancel(context.Background())
	agent := startMain(agentCtx, "agent", "--redis", url, "--id", "prom-lossy", "--test-drop-acks", "0.5",
		"--publish-rate", "20", "--metrics-addr", "127.0.0.1:0")
	t.Cleanup(func() { stopAgent(); <-agent.done })
	agentAddr := agent.await(t, metricsLine)[1]
	agent.await(t, regexp.MustCompile("acking probes"))

	w := startMain(context.Background(), "watch", "--redis", url, "--headless", "--duration", "6s",
		"--probe-rate", "50", "--alert-hold", "0s", "--metrics-addr", "127.0.0.1:0")
	addr := w.await(t, metricsLine)[1]
	lossy := map[string]string{prom.InstanceLabel: "prom-lossy", "window": "session"}
	crit := map[string]string{"rule": "delivery", prom.InstanceLabel: "prom-lossy", "level": "crit"}
	id := map[string]string{prom.InstanceLabel: "prom-lossy"}
	var fams map[string]*dto.MetricFamily
	for ready := false; !ready; { // probes resolve 2 s after they are sent
		time.Sleep(200 * time.Millisecond)
		var err error
		if fams, err = scrapeAddr(addr); err != nil {
			t.Fatalf("scrape watch mid-run: %v\nstderr:\n%s", err, w.stderr)
		}
		sent, _ := sample(fams, "bridgescope_instance_probes_sent_total", id)
		alert, _ := sample(fams, "bridgescope_alert", crit)
		ready = sent >= 50 && alert == 1
	}
	d, _ := sample(fams, "bridgescope_instance_delivery_ratio", lossy)
	sent, _ := sample(fams, "bridgescope_instance_probes_sent_total", id)
	acked, _ := sample(fams, "bridgescope_instance_probes_acked_total", id)
	t.Logf("mid-run: delivery ratio %v, acked %v of %v", d, acked, sent)
	if math.Abs(d-acked/sent) > 1e-9 || math.Abs(d-0.5) > 0.15 {
		t.Errorf("delivery ratio of an agent dropping half its acks: %v (acked %v of %v), want 0.5 ± 0.15", d, acked, sent)
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		min    float64
	}{
		{"bridgescope_redis_connected", nil, 1},
		{"bridgescope_instance_probes_lost_total", id, 1},
		{"bridgescope_source_events_total", map[string]string{"source": "prom-lossy"}, 1},
	} {
		if v, ok := sample(fams, c.name, c.labels); !ok || v < c.min {
			t.Errorf("watch %s%v = %v (present %v), want ≥ %v", c.name, c.labels, v, ok, c.min)
		}
	}
	crit["level"] = "warn"
	if v, ok := sample(fams, "bridgescope_alert", crit); !ok || v != 0 {
		t.Errorf("delivery warn gauge = %v (present %v) while CRIT, want 0", v, ok)
	}

	afams, err := scrapeAddr(agentAddr)
	if err != nil {
		t.Fatalf("scrape agent: %v", err)
	}
	if v, _ := sample(afams, "bridgescope_agent_info", map[string]string{prom.InstanceLabel: "prom-lossy"}); v != 1 {
		t.Errorf("agent_info{instance_id=prom-lossy} = %v", v)
	}
	for _, name := range []string{"bridgescope_redis_connected", "bridgescope_agent_published_total"} {
		if v, _ := sample(afams, name, nil); v < 1 {
			t.Errorf("agent %s = %v, want ≥ 1", name, v)
		}
	}

	if code := w.wait(t); code != ExitFail {
		t.Errorf("watch exit %d with a CRIT alert, want %d; stderr:\n%s", code, ExitFail, w.stderr)
	}
	if _, err := scrapeAddr(addr); err == nil {
		t.Error("watch's metrics server still answers after the command ended")
	}
}

// TestMetricsAddrValidate scrapes a validate run while it publishes.
func TestMetricsAddrValidate(t *testing.T) {
	url := bridgetest.Start(t).URL()
	v := startMain(context.Background(), "validate", "--redis", url, "--instances", "3", "--duration", "3s",
		"--rate", "50", "--json", "--metrics-addr", "127.0.0.1:0")
	addr := v.await(t, metricsLine)[1]
	var fams map[string]*dto.MetricFamily
	for pub := 0.0; pub == 0; pub, _ = sample(fams, "bridgescope_validate_published_total", nil) {
		time.Sleep(200 * time.Millisecond)
		var err error
		if fams, err = scrapeAddr(addr); err != nil {
			t.Fatalf("scrape validate mid-run: %v\nstderr:\n%s", err, v.stderr)
		}
	}
	get := func(name string) float64 { x, _ := sample(fams, name, nil); return x }
	if get("bridgescope_validate_instances") != 3 || get("bridgescope_validate_duration_seconds") != 3 {
		t.Errorf("instances %v, duration %v; want 3 and 3", get("bridgescope_validate_instances"), get("bridgescope_validate_duration_seconds"))
	}
	pub, exp := get("bridgescope_validate_published_total"), get("bridgescope_validate_expected_total")
	if exp != 2*pub || get("bridgescope_validate_elapsed_seconds") <= 0 {
		t.Errorf("published %v, expected %v (want 2×), elapsed %v", pub, exp, get("bridgescope_validate_elapsed_seconds"))
	}
	if r, ok := sample(fams, "bridgescope_validate_delivery_ratio", nil); !ok || r <= 0 || r > 1 {
		t.Errorf("delivery ratio %v (present %v), want in (0, 1]", r, ok)
	}
	if code := v.wait(t); code != ExitOK {
		t.Fatalf("validate exit %d; stderr:\n%s", code, v.stderr)
	}
	var rep struct{ Published float64 }
	if err := json.Unmarshal([]byte(v.stdout.String()), &rep); err != nil || rep.Published < pub {
		t.Errorf("report published %v (%v), scraped mid-run %v", rep.Published, err, pub)
	}
	if _, err := scrapeAddr(addr); err == nil {
		t.Error("validate's metrics server still answers after the run")
	}
}

// TestMetricsAddrErrors: a taken or bad address is a usage error, reported
// before connecting to Redis.
func TestMetricsAddrErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	taken := ln.Addr().String()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"validate", "--redis", "redis://:s3cret@127.0.0.1:1", "--metrics-addr", taken}, "address already in use"},
		{[]string{"agent", "--redis", "redis://:s3cret@127.0.0.1:1", "--metrics-addr", taken}, "address already in use"},
		{[]string{"validate", "--redis", "redis://127.0.0.1:1", "--metrics-addr", "nope"}, "missing port"},
	} {
		code, stdout, stderr := run(t, context.Background(), c.args...)
		if code != ExitUsage || !strings.Contains(stderr, "--metrics-addr") || !strings.Contains(stderr, c.want) ||
			strings.Contains(stdout+stderr, "s3cret") {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, stderr, ExitUsage, c.want)
		}
		oneLine(t, stderr)
	}
	for _, cmd := range []string{"watch", "agent", "validate", "demo"} {
		if _, stdout, _ := run(t, context.Background(), "help", cmd); !strings.Contains(stdout, "-metrics-addr") {
			t.Errorf("help %s does not list --metrics-addr", cmd)
		}
	}
}
