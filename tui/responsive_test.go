package tui

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/bridgescope/bridgescope/metrics"
)

// floodRate is the traffic the observer's registry takes while keys are pressed.
const floodRate = 50_000

// keySeen is what the model looked like right after Update handled a key.
type keySeen struct {
	at      time.Time
	showAll bool
	frame   string
}

// timedModel wraps the dashboard to note when each key was handled and the
// frame that Update left behind, the one bubbletea draws next.
type timedModel struct {
	m     Model
	keys  chan<- keySeen
	snaps *int
}

func (w timedModel) Init() tea.Cmd { return w.m.Init() }
func (w timedModel) View() string  { return w.m.View() }

func (w timedModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	nm, cmd := w.m.Update(msg)
	w.m = nm.(Model)
	switch msg.(type) {
	case tea.KeyMsg:
		w.keys <- keySeen{at: time.Now(), showAll: w.m.screen == screenHelp, frame: w.m.View()}
	case snapshotMsg:
		*w.snaps++ // only Update touches it
	}
	return w, cmd
}

// flood feeds r as an observer's bridge would at floodRate events a second
// from 50 publishers, with 50 instances acking 10 probes a second, and
// sends a snapshot every 250 ms (the observer's refresh), newest wins.
func flood(r *metrics.Registry, snaps chan metrics.Snapshot, stop <-chan struct{}, fed *atomic.Int64) {
	ids := make([]string, 50)
	for i := range ids {
		ids[i] = fmt.Sprintf("bot-%02d", i)
	}
	perMs := floodRate / 1000
	tick, snap := time.NewTicker(time.Millisecond), time.NewTicker(250*time.Millisecond)
	defer tick.Stop()
	defer snap.Stop()
	start, probe := time.Now(), uint64(0)
	for {
		select {
		case <-stop:
			return
		case now := <-snap.C:
			s := r.Snapshot(now)
			select { // replace an unread snapshot, as the observer does
			case <-snaps:
			default:
			}
			snaps <- s
		case now := <-tick.C:
			due := time.Since(start).Milliseconds() * int64(perMs) // catch up after a late tick
			for n := fed.Load(); n < due; n = fed.Add(1) {
				i := int(n % 50)
				r.Event(metrics.SourceEvent{Source: ids[i], Boot: "b", HasSeq: true, OneWay: time.Duration(200+i) * time.Microsecond}, now)
			}
			if time.Since(start) > time.Duration(probe)*100*time.Millisecond {
				probe++
				k := metrics.ProbeKey{Channel: "bridge:events", Seq: probe}
				r.ProbeSent(k, now.Add(-time.Millisecond).UnixNano())
				for _, id := range ids {
					r.Ack(id, "boot-"+id, k, now.UnixNano(), now.UnixNano())
				}
			}
		}
	}
}

// TestKeysStayResponsiveUnderFlood presses keys while the registry takes
// 50k events a second and snapshots arrive: each key must be handled, and
// the frame its Update leaves must already show its effect (not wait for
// the next frame tick). The latencies, send to handled, are logged.
func TestKeysStayResponsiveUnderFlood(t *testing.T) {
	r := metrics.NewRegistry(metrics.RegistryConfig{Observer: "obs", Channels: []string{"bridge:events"},
		Thresholds: metrics.DefaultThresholds()}, time.Now())
	snaps := make(chan metrics.Snapshot, 1)
	stop := make(chan struct{})
	var fed atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		flood(r, snaps, stop, &fed)
	}()
	m := New(Config{Snapshots: snaps, Control: &fakeControl{rate: 10}, Theme: "dark", Renderer: asciiRenderer(),
		SnapshotDir: t.TempDir()})
	m.sched = stoppableTick(stop)
	keys := make(chan keySeen, 1)
	var drawn int
	tm := teatest.NewTestModel(t, timedModel{m: m, keys: keys, snaps: &drawn}, teatest.WithInitialTermSize(120, 40))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("bot-00")) },
		teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))

	began, fedBefore := time.Now(), fed.Load()
	lat := pressKeys(t, tm, keys, 20)
	elapsed := time.Since(began)
	rate := float64(fed.Load()-fedBefore) / elapsed.Seconds()
	close(stop)
	wg.Wait()
	close(snaps) // ends the Cmd waiting for the next snapshot
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(timedModel)
	if *final.snaps < 4 {
		t.Errorf("only %d snapshots reached the model during the flood", *final.snaps)
	}
	slices.Sort(lat)
	t.Logf("%d keys at %.0f events/s and %d snapshots: key handled after P50 %v, max %v",
		len(lat), rate, *final.snaps, lat[len(lat)/2], lat[len(lat)-1])
}

// pressKeys toggles the help n times, 50 ms apart, and returns how long
// each press took to be handled. Each handled key's frame must show it.
func pressKeys(t *testing.T, tm *teatest.TestModel, keys <-chan keySeen, n int) []time.Duration {
	t.Helper()
	var lat []time.Duration
	for i := range n {
		sent := time.Now()
		tm.Send(keyMsg("?"))
		var seen keySeen
		select {
		case seen = <-keys:
		case <-time.After(10 * time.Second):
			t.Fatalf("key %d not handled within 10s", i)
		}
		lat = append(lat, seen.at.Sub(sent))
		wantAll := i%2 == 0
		if seen.showAll != wantAll || strings.Contains(seen.frame, "reset windows") != wantAll {
			t.Fatalf("key %d: help expanded %v, frame shows the full help %v; want %v in both",
				i, seen.showAll, strings.Contains(seen.frame, "reset windows"), wantAll)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return lat
}

// stoppableTick is tea.Tick that returns nil once stop is closed, so no
// timer outlives the test.
func stoppableTick(stop <-chan struct{}) func(time.Duration, tea.Msg) tea.Cmd {
	return func(d time.Duration, msg tea.Msg) tea.Cmd {
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
}
