package tui

import (
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/bridgescope/bridgescope/metrics"
)

// press sends a key and runs the Cmd it returns (as bubbletea would) and
// feeds the resulting message back.
func press(t *testing.T, m Model, k string) Model {
	t.Helper()
	nm, cmd := m.Update(keyMsg(k))
	m = nm.(Model)
	if cmd != nil {
		if msg := cmd(); msg != nil {
			m = update(t, m, msg)
		}
	}
	return m
}

func TestPauseCallsController(t *testing.T) {
	m, ctrl := newTestModel(t, 80, 24)
	m = withSnapshot(t, m, fixture3())
	if strings.Contains(m.View(), "PAUSED") {
		t.Fatal("PAUSED shown before pausing")
	}
	m = press(t, m, "p")
	if got, want := ctrl.Calls(), []string{"SetPaused(true)"}; !slices.Equal(got, want) {
		t.Fatalf("controller calls = %v, want %v", got, want)
	}
	if !strings.Contains(m.View(), "PAUSED") {
		t.Fatalf("header does not say PAUSED:\n%s", m.View())
	}
	m = press(t, m, "p")
	if got := ctrl.Calls(); got[len(got)-1] != "SetPaused(false)" {
		t.Fatalf("second p: calls = %v", got)
	}
	if strings.Contains(m.View(), "PAUSED") {
		t.Fatal("still PAUSED after resuming")
	}
}

func TestNoControllerDisablesControlKeys(t *testing.T) {
	m := New(Config{Renderer: asciiRenderer(), Theme: "mono", Now: func() time.Time { return fixedNow }})
	m = update(t, m, tea.WindowSizeMsg{Width: 120, Height: 40})
	m = withSnapshot(t, m, fixture3())
	for _, k := range []string{"p", "+", "-", "=", "r", "x"} {
		if _, cmd := m.Update(keyMsg(k)); cmd != nil {
			t.Errorf("key %q returned a Cmd without a controller", k)
		}
	}
	if strings.Contains(m.View(), "pause probes") {
		t.Error("help offers pause without a controller")
	}
}

func TestThemeSwitchCycles(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	m = withSnapshot(t, m, fixture3())
	for _, want := range []string{"light", "contrast", "mono", "dark"} {
		m = press(t, m, "t")
		// At 80 columns the header gives the theme name up for the Redis
		// address; the footer confirms the switch.
		if v := m.View(); !strings.Contains(v, "theme "+want) {
			t.Fatalf("want theme %s on screen, got\n%s", want, v)
		}
	}
}

func TestUnknownThemeFallsBack(t *testing.T) {
	m := New(Config{Renderer: asciiRenderer(), Theme: "solarized", Now: func() time.Time { return fixedNow }})
	if !strings.Contains(m.View(), "valid: auto, dark, light, contrast, mono") {
		t.Fatalf("no theme error in footer:\n%s", m.View())
	}
	// auto on a renderer that draws no colour is mono, and says so.
	if !strings.Contains(m.View(), "theme mono") {
		t.Fatalf("did not fall back to auto:\n%s", m.View())
	}
}

func tableIDs(m Model) []string {
	var ids []string
	for _, r := range m.table.rows {
		ids = append(ids, r.ID)
	}
	return ids
}

func TestFilterHidesRows(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	m = withSnapshot(t, m, fixture3())
	m = press(t, m, "/")
	for _, r := range "BOT-2" {
		m = press(t, m, string(r))
	}
	if got := tableIDs(m); !slices.Equal(got, []string{"bot-2"}) {
		t.Fatalf("rows while typing = %v", got)
	}
	if !strings.Contains(m.View(), "filter: BOT-2") {
		t.Fatalf("footer does not show the input:\n%s", m.View())
	}
	m = press(t, m, "enter")
	if got := tableIDs(m); !slices.Equal(got, []string{"bot-2"}) {
		t.Fatalf("rows after enter = %v", got)
	}
	lines := strings.Split(m.View(), "\n")
	if !strings.Contains(lines[2], "filter: BOT-2") {
		t.Fatalf("table title does not show the filter: %q", lines[2])
	}
	for _, l := range lines[4:6] {
		if strings.Contains(l, "bot-1") || strings.Contains(l, "bot-3") {
			t.Fatalf("filtered-out instance drawn: %q", l)
		}
	}
	// A new snapshot keeps the filter.
	m = withSnapshot(t, m, fixture3())
	if got := tableIDs(m); !slices.Equal(got, []string{"bot-2"}) {
		t.Fatalf("rows after refresh = %v", got)
	}
	m = press(t, m, "esc")
	if got := tableIDs(m); len(got) != 3 {
		t.Fatalf("esc did not clear the filter: %v", got)
	}
}

func selectedLine(t *testing.T, m Model) string {
	t.Helper()
	for _, l := range strings.Split(m.View(), "\n") {
		if strings.HasPrefix(l, "▸ ") {
			return l
		}
	}
	t.Fatalf("no selected row:\n%s", m.View())
	return ""
}

func TestSelectionFollowsIDAcrossSortAndRefresh(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	m = withSnapshot(t, m, fixture3())
	m = press(t, m, "down") // state order: bot-3, bot-2, bot-1
	if m.table.sel != "bot-2" {
		t.Fatalf("selected %q, want bot-2", m.table.sel)
	}
	m = press(t, m, "o") // sort by id: bot-1, bot-2, bot-3
	if !strings.Contains(m.View(), "sort: id") {
		t.Fatal("sort key not shown")
	}
	if got := tableIDs(m); !slices.Equal(got, []string{"bot-1", "bot-2", "bot-3"}) {
		t.Fatalf("id order = %v", got)
	}
	if l := selectedLine(t, m); !strings.Contains(l, "bot-2") || m.table.selIdx != 1 {
		t.Fatalf("selection moved with the row index: %q", l)
	}
	// A refresh where bot-2 becomes the worst moves it to the top in state
	// order; the selection goes with it.
	m = press(t, m, "o") // delivery
	m = press(t, m, "o") // p99
	m = press(t, m, "o") // back to state
	s := fixture3()
	s.Instances[1].State = metrics.Crit
	s.Instances[2].State = metrics.OK
	m = withSnapshot(t, m, s)
	if l := selectedLine(t, m); !strings.Contains(l, "bot-2") {
		t.Fatalf("selection lost on refresh: %q", l)
	}
	// When the selected instance disappears, the selection stays in place.
	s.Instances = slices.Delete(slices.Clone(s.Instances), 1, 2)
	m = withSnapshot(t, m, s)
	if m.table.sel == "" || m.table.sel == "bot-2" {
		t.Fatalf("selection after removal = %q", m.table.sel)
	}
}

func TestScrollKeepsSelectionVisible(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	m = withSnapshot(t, m, fixture50())
	for range 30 {
		m = press(t, m, "down")
	}
	want := m.table.rows[30].ID
	if l := selectedLine(t, m); !strings.Contains(l, sanitize(want)[:4]) {
		t.Fatalf("selected row %q not drawn (want %q)", l, want)
	}
	m = press(t, m, "pgdown")
	m = press(t, m, "pgdown")
	m = press(t, m, "pgdown")
	if m.table.selIdx != 49 {
		t.Fatalf("pgdn did not reach the end: %d", m.table.selIdx)
	}
	if !strings.Contains(m.View(), "of 50") {
		t.Fatal("no scroll position")
	}
	selectedLine(t, m)
}

func TestDetailAndChartScope(t *testing.T) {
	m, _ := newTestModel(t, 120, 40)
	m = withSnapshot(t, m, fixture3())
	if !strings.Contains(m.View(), "· all instances") {
		t.Fatal("chart is not scoped to all instances")
	}
	m = press(t, m, "c")
	if !strings.Contains(m.View(), "Latency RTT, last 60s · bot-3") {
		t.Fatalf("c did not scope the chart to bot-3:\n%s", m.View())
	}
	m = press(t, m, "enter")
	v := m.View()
	for _, want := range []string{"Instance bot-3 CRIT", "session 99.80%", "1m 99.50%", "self 4", "RTT distribution", "OK→CRIT self-received", "clock offset -212µs"} {
		if !strings.Contains(v, want) {
			t.Errorf("detail lacks %q", want)
		}
	}
	m = press(t, m, "esc")
	if strings.Contains(m.View(), "Instance bot-3") {
		t.Fatal("esc did not leave the detail view")
	}
}

func TestWaitingAndClosed(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	if !strings.Contains(m.View(), "waiting for the observer…") {
		t.Fatalf("no waiting message:\n%s", m.View())
	}
	m = withSnapshot(t, m, fixture3())
	m = update(t, m, streamClosedMsg{})
	if !strings.Contains(m.View(), "observer stopped") || !strings.Contains(m.View(), "bot-3") {
		t.Fatalf("closed stream not shown with the last state:\n%s", m.View())
	}
}

// TestKeysBeforeTheFirstSnapshot: every key works, or does nothing, while
// the screen still waits for the observer.
func TestKeysBeforeTheFirstSnapshot(t *testing.T) {
	m, ctrl := newTestModel(t, 60, 20)
	for _, k := range []string{"a", "j", "G", "n", "j", "esc", "?", "G", "esc", "x", "enter", "o", "c", "/", "esc", "r", "y", "s"} {
		m = press(t, m, k)
		checkFits(t, m.View(), 60, 20)
	}
	if got := ctrl.Calls(); !slices.Equal(got, []string{"ResetWindows()"}) {
		t.Errorf("calls before any snapshot: %v", got)
	}
}

func TestStaleSnapshotsAreFlagged(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	now := fixedNow
	m.cfg.Now = func() time.Time { return now }
	m = withSnapshot(t, m, fixture3())
	now = now.Add(7 * time.Second)
	m = update(t, m, beatMsg{id: m.beatID})
	if !strings.Contains(m.View(), "no snapshot for 7s") {
		t.Fatalf("stale observer not flagged:\n%s", strings.Split(m.View(), "\n")[1])
	}
	m = withSnapshot(t, m, fixture3())
	if strings.Contains(m.View(), "no snapshot for") {
		t.Fatal("stale flag stays after a snapshot")
	}
}

func TestStaleTicksAreDropped(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	m = update(t, m, snapshotMsg{snap: fixture3()})  // drawn at once, window opens
	m = update(t, m, snapshotMsg{snap: fixture50()}) // pending
	before := m.renders
	m = update(t, m, frameTickMsg{id: m.frameID - 1})
	if m.renders != before || m.pending == nil {
		t.Fatal("a stale tick drew the pending snapshot")
	}
	m = update(t, m, frameTickMsg{id: m.frameID})
	if m.renders != before+1 || len(m.snap.Instances) != 50 {
		t.Fatal("the current tick did not draw the pending snapshot")
	}
}

// TestBurstIsCoalesced feeds 1000 snapshots in one simulated second (one
// per ms) and runs the ticks the model schedules on the same clock: at most
// 10 frames a second are drawn, and the last snapshot is the one shown.
func TestBurstIsCoalesced(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	type timer struct {
		due time.Duration
		msg tea.Msg
	}
	var (
		now    time.Duration
		timers []timer
	)
	m.sched = func(d time.Duration, msg tea.Msg) tea.Cmd {
		timers = append(timers, timer{now + d, msg})
		return nil
	}
	fire := func() {
		for len(timers) > 0 && timers[0].due <= now {
			msg := timers[0].msg
			timers = timers[1:]
			m = update(t, m, msg)
		}
	}
	start := m.renders
	s := fixture3()
	for i := range 1000 {
		now = time.Duration(i) * time.Millisecond
		fire()
		s.ProbeRate = float64(i + 1)
		m = update(t, m, snapshotMsg{snap: s})
	}
	if got := m.renders - start; got > 10 || got < 9 {
		t.Fatalf("%d frames in the first simulated second, want 9–10", got)
	}
	for now = time.Second; now <= 2*time.Second; now += 10 * time.Millisecond {
		fire()
	}
	if got := m.renders - start; got > 11 {
		t.Fatalf("%d frames in total, want at most 11", got)
	}
	if m.snap.ProbeRate != 1000 || m.pending != nil {
		t.Fatalf("last snapshot not shown: rate %v, pending %v", m.snap.ProbeRate, m.pending != nil)
	}
	if m.frameInFlight || len(timers) != 0 {
		t.Fatalf("the frame window did not close when snapshots stopped: %v %+v", m.frameInFlight, timers)
	}
}
