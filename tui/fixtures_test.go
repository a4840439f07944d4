package tui

import (
	"fmt"
	"io"
	"math"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/bridgescope/bridgescope/metrics"
)

// Test fixtures: snapshots built in code, not a data path.

var fixedNow = time.Date(2025, 11, 26, 14, 2, 11, 0, time.UTC)

const hostileID = "\x1b[2J\x1b]0;pwn\x07evil\r\n"

// testLimits are the fixtures' thresholds: what the snapshot carries and
// what the fixtures' judgements (the engine's part) were made with.
var testLimits = metrics.Thresholds{P99Warn: metrics.Duration(5 * time.Millisecond), P99Crit: metrics.Duration(20 * time.Millisecond),
	DeliveryWarn: 95, DeliveryCrit: 90, SilentWarn: metrics.Duration(10 * time.Second),
	DisconnectedCrit: metrics.Duration(30 * time.Second), Hold: metrics.Duration(3 * time.Second)}

var testThresholds = limitsOf(testLimits)

// judge gives a fixture row the judgements the engine would, without
// hold: delivery and p99 by the test limits, the state as given.
func judge(r metrics.InstanceRow, lvl metrics.Level) metrics.InstanceRow {
	rules := map[string]metrics.Rule{}
	for _, rule := range testLimits.Rules() {
		rules[rule.Name] = rule
	}
	r.Rules = map[string]metrics.Judgement{
		"delivery": {Level: rules["delivery"].Classify(r.Delivery10s)},
		"p99":      {Level: rules["p99"].Classify(r.RTT10s.P99)},
	}
	r.State, r.Status = lvl, metrics.Judgement{Level: lvl}
	return r
}

// asciiRenderer draws without colour, like the goldens.
func asciiRenderer() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.Ascii)
	r.SetHasDarkBackground(true)
	return r
}

// series is a 60 s chart: base plus a spike at 40 s and a gap at 20–24 s.
func series(p50, p99 float64) metrics.Series {
	s := metrics.Series{P50: make([]float64, 60), P99: make([]float64, 60)}
	for i := range 60 {
		wob := 1 + 0.15*math.Sin(float64(i)/4)
		s.P50[i], s.P99[i] = p50*wob, p99*wob
		switch {
		case i >= 20 && i < 25:
			s.P50[i], s.P99[i] = math.NaN(), math.NaN()
		case i == 40:
			s.P99[i] = p99 * 6
		}
	}
	return s
}

func pct(p50, p99 float64, n int64) metrics.Percentiles {
	return metrics.Percentiles{Count: n, Min: p50 / 3, Avg: p50 * 1.2, P50: p50, P95: (p50 + p99) / 2, P99: p99, Max: p99 * 2.5}
}

func dist(p50 float64) []metrics.Bucket {
	counts := []int64{3, 40, 310, 1200, 900, 260, 60, 12, 3, 1, 0, 1}
	out := make([]metrics.Bucket, len(counts))
	for i, c := range counts {
		out[i] = metrics.Bucket{UpToUs: p50 / 4 * math.Pow(1.6, float64(i)), Count: c}
	}
	return out
}

func instance(id string, lvl metrics.Level, deliv, p50, p99 float64) metrics.InstanceRow {
	return judge(metrics.InstanceRow{
		ID: id, Boot: "9f2c4e1a", Role: "agent",
		Delivery: math.Min(deliv+0.6, 100), Delivery10s: deliv, Delivery1m: math.Min(deliv+0.3, 100),
		ProbesSent: 37_230, Acked: int64(37_230 * deliv / 100),
		RTT: pct(p50*0.9, p99*0.8, 37_000), RTT10s: pct(p50, p99, 200),
		Dist: dist(p50), Chart: series(p50, p99),
		LastSeen: fixedNow.Add(-400 * time.Millisecond), LastSeenMs: 400,
		ClockOffsetUs: -212,
	}, lvl)
}

func baseSnapshot() metrics.Snapshot {
	return metrics.Snapshot{
		At: fixedNow, Started: fixedNow.Add(-(time.Hour + 2*time.Minute + 3*time.Second)),
		Observer: "obs-7f3a", Redis: "redis://127.0.0.1:6379/0", Transport: "pubsub",
		Conn: "connected", ConnSince: fixedNow.Add(-(12*time.Minute + 4*time.Second)),
		ProbeRate: 10, ProbeChannels: []string{"bridge:events"}, Channels: []string{"bridge:events"},
		Chart:     series(480, 1900),
		Malformed: 3, MalformedByReason: map[string]int64{"bad-json": 2, "oversize": 1},
		Notes:      []string{"CLIENT LIST refused (NOPERM): output-buffer warnings off"},
		Thresholds: testLimits,
	}
}

// fixture3 is three instances: one OK, one WARN, one CRIT, with alerts
// and history.
func fixture3() metrics.Snapshot {
	s := baseSnapshot()
	ok := instance("bot-1", metrics.OK, 100, 412, 1270)
	warn := instance("bot-2", metrics.Warn, 93.5, 2100, 7400)
	warn.Lost, warn.Lost10s, warn.Late = 12, 3, 3
	crit := instance("bot-3", metrics.Crit, 99.2, 530, 2600)
	crit.SelfReceived, crit.Errors, crit.Reconnects = 4, 1, 1
	crit.Rules["self_received"] = metrics.Judgement{Level: metrics.Crit}
	crit.LastSeenMs = 12_300
	crit.Recent = []metrics.AlertChange{
		{At: fixedNow.Add(-134 * time.Second), Rule: "self-received", Instance: "bot-3", From: metrics.OK, To: metrics.Crit, Value: 4},
	}
	s.Instances = []metrics.InstanceRow{ok, warn, crit}
	s.Alerts = []metrics.Alert{
		{Rule: "self-received", Instance: "bot-3", Level: metrics.Crit, Since: fixedNow.Add(-134 * time.Second), Value: 4, Message: "4 own events received", Condition: "> 0"},
		{Rule: "p99", Instance: "bot-2", Level: metrics.Warn, Since: fixedNow.Add(-31 * time.Second), Value: 7400, Message: "p99 7.40ms > 5ms", Condition: "> 5ms"},
	}
	s.History = []metrics.AlertChange{
		{At: fixedNow.Add(-31 * time.Second), Rule: "p99", Instance: "bot-2", From: metrics.OK, To: metrics.Warn, Value: 7400},
		{At: fixedNow.Add(-134 * time.Second), Rule: "self-received", Instance: "bot-3", From: metrics.OK, To: metrics.Crit, Value: 4},
		{At: fixedNow.Add(-300 * time.Second), Rule: "delivery", Instance: "bot-1", From: metrics.Warn, To: metrics.OK, Value: 99.8},
	}
	return s
}

// fixture50 is fifty instances with mixed levels, long IDs and one
// hostile ID.
func fixture50() metrics.Snapshot {
	s := fixture3()
	s.Instances = nil
	for i := range 50 {
		lvl := metrics.Level(i % 7 / 3) // mostly OK, some WARN and CRIT
		id := fmt.Sprintf("bot-%02d", i)
		switch i {
		case 7:
			id = "trading-bot-eu-west-1-very-long-instance-identifier-42"
		case 13:
			id = hostileID
		case 21:
			id = "ボット-東京-01"
		}
		in := instance(id, lvl, 100-float64(i%9)*0.7, 300+float64(i*37%900), 1100+float64(i*291%9000))
		in.Lost, in.Duplicates = int64(i%4*3), int64(i%11/10)
		if i%17 == 5 {
			in.Left = true
		}
		s.Instances = append(s.Instances, in)
	}
	return s
}

// fakeControl records calls, like an observer that applies them at once;
// its rate steps along the observer's ladder: the configured rate times a
// power of two, within the observer's bounds.
type fakeControl struct {
	mu     sync.Mutex
	paused bool
	rate   float64
	rung   int
	calls  []string
}

const fakeConfigured, fakeMin, fakeMax = 10, 0.1, 1000

func (f *fakeControl) SetPaused(p bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.paused = p
	f.calls = append(f.calls, fmt.Sprintf("SetPaused(%v)", p))
}

func (f *fakeControl) Paused() bool { f.mu.Lock(); defer f.mu.Unlock(); return f.paused }

func (f *fakeControl) SetProbeRate(r float64) float64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rate = math.Min(math.Max(r, fakeMin), fakeMax)
	f.calls = append(f.calls, fmt.Sprintf("SetProbeRate(%g)", r))
	return f.rate
}

func (f *fakeControl) ProbeRate() float64 { f.mu.Lock(); defer f.mu.Unlock(); return f.rate }

func (f *fakeControl) StepProbeRate(dir int) float64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := f.rung + map[bool]int{true: 1, false: -1}[dir > 0]
	if r := fakeConfigured * math.Pow(2, float64(k)); r >= fakeMin && r <= fakeMax {
		f.rung = k
	}
	f.rate = fakeConfigured * math.Pow(2, float64(f.rung))
	f.calls = append(f.calls, fmt.Sprintf("StepProbeRate(%d)", dir))
	return f.rate
}

func (f *fakeControl) ResetProbeRate() float64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rate, f.rung = fakeConfigured, 0
	f.calls = append(f.calls, "ResetProbeRate()")
	return f.rate
}

func (f *fakeControl) Forget(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf("Forget(%s)", id))
}

func (f *fakeControl) ResetWindows() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, "ResetWindows()")
}

func (f *fakeControl) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

// newTestModel is a model at w×h with the ASCII renderer, a fixed clock and
// a fake controller; its ticks go nowhere unless the test runs them.
func newTestModel(t testing.TB, w, h int) (Model, *fakeControl) {
	t.Helper()
	ctrl := &fakeControl{rate: 10}
	m := New(Config{
		Control: ctrl, Theme: "dark", Renderer: asciiRenderer(),
		SnapshotDir: t.TempDir(), Now: func() time.Time { return fixedNow },
	})
	m.sched = func(time.Duration, tea.Msg) tea.Cmd { return nil }
	return update(t, m, tea.WindowSizeMsg{Width: w, Height: h}), ctrl
}

// update runs one Update and returns the Model.
func update(t testing.TB, m Model, msg tea.Msg) Model {
	t.Helper()
	nm, _ := m.Update(msg)
	return nm.(Model)
}

// withSnapshot feeds s and lets its frame draw.
func withSnapshot(t testing.TB, m Model, s metrics.Snapshot) Model {
	t.Helper()
	m = update(t, m, snapshotMsg{snap: s})
	return update(t, m, frameTickMsg{id: m.frameID})
}

func keyMsg(s string) tea.KeyMsg {
	switch s {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "left":
		return tea.KeyMsg{Type: tea.KeyLeft}
	case "right":
		return tea.KeyMsg{Type: tea.KeyRight}
	case "pgdown":
		return tea.KeyMsg{Type: tea.KeyPgDown}
	case "ctrl+c":
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

// withDeployment adds the raw lane and n shards, the second one down, to s.
func withDeployment(s metrics.Snapshot, n int) metrics.Snapshot {
	s.Baseline = &metrics.BaselineRow{
		Channel: "bridge:bridgescope:baseline:9f2c4e1a",
		RTT:     pct(95, 420, 36_000), RTT10s: pct(88, 390, 100),
		Chart: series(90, 400), Sent: 36_012, Lost: 0,
	}
	for i := range n {
		sh := metrics.ShardRow{
			Addr: fmt.Sprintf("10.0.3.%d:%d", 11+i, 7000+i), State: "connected",
			Since: fixedNow.Add(-(12*time.Minute + 4*time.Second)), Reconnects: int64(i % 2),
		}
		if i == 1 {
			sh.State, sh.Since, sh.Reconnects = "disconnected", fixedNow.Add(-47*time.Second), 3
			sh.LastError = fmt.Sprintf("dial tcp %s: connect: connection refused", sh.Addr)
		}
		s.Shards = append(s.Shards, sh)
	}
	return s
}

// clusterFixture is fixture3 on a 3-shard cluster with one shard down,
// with the raw lane on.
func clusterFixture() metrics.Snapshot { return withDeployment(fixture3(), 3) }

// fixtureHold has states in their clear-hold: bot-4's delivery is back at
// 97.7 % but its CRIT holds for 3.2 s more; bot-2's p99 is back under 5ms
// with its WARN holding; bot-3 is CRIT for good with a p99 clearing.
func fixtureHold() metrics.Snapshot {
	s := fixture3()
	clearing := func(l metrics.Level, ms int64) metrics.Judgement {
		return metrics.Judgement{Level: l, Clearing: true, ClearsInMs: ms}
	}
	bot2 := instance("bot-2", metrics.Warn, 99.1, 1900, 4600)
	bot2.Rules["p99"] = clearing(metrics.Warn, 1500)
	bot2.Status = bot2.Rules["p99"]
	bot4 := instance("bot-4", metrics.Crit, 97.7, 450, 1300)
	bot4.Lost, bot4.Lost10s = 52, 1
	bot4.Rules["delivery"] = clearing(metrics.Crit, 3200)
	bot4.Status = bot4.Rules["delivery"]
	bot3 := s.Instances[2]
	bot3.Rules["self_received"] = metrics.Judgement{Level: metrics.Crit}
	bot3.Rules["p99"] = clearing(metrics.Warn, 800)
	s.Instances = []metrics.InstanceRow{s.Instances[0], bot2, bot3, bot4}
	s.Alerts = []metrics.Alert{
		s.Alerts[0],
		{Rule: "delivery", Instance: "bot-4", Level: metrics.Crit, Since: fixedNow.Add(-40 * time.Second), Value: 97.7,
			Message: "delivery 97.7%, recovering (CRIT at < 90%)", Condition: "< 90%", Clearing: true, ClearsInMs: 3200},
		{Rule: "p99", Instance: "bot-2", Level: metrics.Warn, Since: fixedNow.Add(-31 * time.Second), Value: 4600,
			Message: "p99 4.6ms, recovering (WARN at > 5ms)", Condition: "> 5ms", Clearing: true, ClearsInMs: 1500},
	}
	return s
}

// fixtureBlind is fixture3 seen by an observer that lost Redis 14 s ago:
// every instance rule is held, not judged, and only the observer's own
// rule moves.
func fixtureBlind() metrics.Snapshot {
	s := fixture3()
	s.Blind = "observer disconnected"
	s.Conn, s.ConnSince = "disconnected", fixedNow.Add(-14*time.Second)
	for i := range s.Instances {
		in := &s.Instances[i]
		rules := map[string]metrics.Judgement{}
		for k, j := range in.Rules {
			j.Unknown = true
			rules[k] = j
		}
		in.Rules = rules
		in.Status.Unknown = true
	}
	for i := range s.Alerts {
		s.Alerts[i].Unknown = true
	}
	s.Alerts = append([]metrics.Alert{{Rule: "redis_disconnected", Level: metrics.Warn, Since: s.ConnSince, Value: 14,
		Message: "redis_disconnected 14s > 0s", Condition: "> 0s"}}, s.Alerts...)
	s.Notes = []string{"Redis: bridge: subscribe bridge:events: dial tcp 127.0.0.1:6379: connect: connection refused"}
	s.Info = []string{"output-buffer warnings off: CLIENT LIST refused"}
	return s
}

// fixtureAlerts is fixtureHold with messages, a note and info too long
// for any line, and history with a forgotten instance.
func fixtureAlerts() metrics.Snapshot {
	s := fixtureHold()
	s.Alerts[0].Message = "4 own events received: the instance receives what it publishes, " +
		"so its bridge's self-filter is off or two processes share the ID bot-3 (boots 9f2c4e1a and 77d0c2b1)"
	s.Notes = []string{"Redis: bridge: subscribe bridge:events: NOPERM this user has no permissions to access one of the channels used as arguments"}
	s.Info = []string{"output-buffer warnings off: CLIENT LIST refused", "control messages are not signed (no --control-key-file)"}
	s.History = append([]metrics.AlertChange{
		{At: fixedNow.Add(-5 * time.Second), Rule: "forgotten", Instance: "bot-9", From: metrics.Crit, To: metrics.Crit, Note: "forgotten by the user"},
		{At: fixedNow.Add(-9 * time.Second), Rule: "delivery", Instance: "bot-4", From: metrics.Warn, To: metrics.Crit, Value: 88.2},
	}, s.History...)
	return s
}
