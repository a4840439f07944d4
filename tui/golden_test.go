package tui

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/bridgescope/bridgescope/metrics"
)

// TestGolden runs the dashboard in a bubbletea program (teatest) at 80×24,
// 120×40 and 60×20, feeds a snapshot through the channel, presses keys,
// and compares the final frame with testdata/TestGolden/*.golden.
// Regenerate with `go test ./tui -run TestGolden -update`, and read every
// golden that changed.
func TestGolden(t *testing.T) {
	cases := []struct {
		name string
		snap func() metrics.Snapshot
		keys []string
	}{
		{"main", fixture3, nil},
		{"main50", fixture50, []string{"down", "down"}},
		{"detail", fixture3, []string{"enter"}},
		{"help", fixture3, []string{"?"}},
		{"cluster", clusterFixture, nil},
		{"hold", fixtureHold, nil},                                                     // states in their clear-hold
		{"hold_detail", fixtureHold, []string{"down", "enter"}},                        // bot-4, clearing
		{"blind", fixtureBlind, nil},                                                   // the observer disconnected
		{"alerts", fixtureAlerts, []string{"a"}},                                       // the alerts panel focused
		{"notes", fixtureAlerts, []string{"n"}},                                        // the notes and info whole
		{"matrix", fixtureMatrix, []string{"m"}},                                       // 11 senders × 10 receivers, the worst pair selected
		{"matrix_move", fixtureMatrix, []string{"m", "enter", "left", "left", "down"}}, // bot-07→bot-03, then about
		{"matrix50", fixtureMatrix50, []string{"m", "enter"}},                          // the worst pairs are the way in
		{"detail_oneway", fixtureMatrix, []string{"enter"}},                            // one-way latency, corrected and raw
	}
	for _, size := range [][2]int{{80, 24}, {120, 40}, {60, 20}} {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%s_%dx%d", tc.name, size[0], size[1]), func(t *testing.T) {
				frame := runProgram(t, size[0], size[1], tc.snap(), tc.keys)
				golden.RequireEqual(t, []byte(frame+"\n"))
			})
		}
	}
}

// runProgram runs the model under teatest and returns its final frame.
func runProgram(t *testing.T, w, h int, s metrics.Snapshot, keys []string) string {
	t.Helper()
	ch := make(chan metrics.Snapshot, 1)
	defer close(ch) // ends the Cmd waiting on the channel
	m := New(Config{
		Snapshots: ch, Control: &fakeControl{rate: 10}, Theme: "dark", Renderer: asciiRenderer(),
		SnapshotDir: t.TempDir(), Now: func() time.Time { return fixedNow },
	})
	// Ticks that stop with the test: bubbletea abandons in-flight Cmds when
	// a program quits, and a pending tea.Tick would outlive the test.
	stop := make(chan struct{})
	defer close(stop)
	m.sched = func(d time.Duration, msg tea.Msg) tea.Cmd {
		return func() tea.Msg {
			timer := time.NewTimer(d)
			defer timer.Stop()
			select {
			case <-timer.C:
				return msg
			case <-stop:
				return nil
			}
		}
	}
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
	ch <- s
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("Instances")) },
		teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	for _, k := range keys {
		tm.Send(keyMsg(k))
	}
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	fm, ok := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if !ok {
		t.Fatalf("final model is %T", fm)
	}
	return fm.View()
}
