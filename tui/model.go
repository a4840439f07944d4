// Package tui is bridgescope's on-call dashboard: a bubbletea model that draws
// metrics.Snapshot values and sends commands back through a Controller.
package tui

import (
	"sync"
	"time"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/themes"
)

// DefaultSnapshotDir is where `s` writes snapshots when Config leaves
// SnapshotDir empty.
const DefaultSnapshotDir = "./bridgescope-snapshots"

const (
	// frameInterval caps redraws at 10 a second however fast snapshots come.
	frameInterval = 100 * time.Millisecond
	// beatInterval drives the staleness warning and status expiry.
	beatInterval = time.Second
	// staleAfter is how long without a snapshot before the header says so.
	staleAfter = 3 * time.Second
	// statusFor is how long a footer message (snapshot path, error) stays.
	statusFor = 5 * time.Second
)

// Controller is the observer's side of the screen's commands. Its methods
// are cheap and never wait on Redis, so a tea.Cmd may call them.
type Controller interface {
	SetPaused(bool)
	Paused() bool
	// SetProbeRate returns the rate applied after clamping.
	SetProbeRate(perSec float64) float64
	ProbeRate() float64
	// StepProbeRate moves the probe rate one rung up (dir > 0) or down the
	// ladder around the configured rate (the configured rate × 2^k, within
	// bounds) and returns the rate applied; ResetProbeRate returns to the
	// configured rate.
	StepProbeRate(dir int) float64
	ResetProbeRate() float64
	ResetWindows()
	// Forget drops one instance from the table and its alerts (recorded in
	// the history); it comes back if it speaks again.
	Forget(id string)
}

// Config is everything New needs. Only Snapshots is required in practice.
type Config struct {
	// Snapshots is closed when the observer stops.
	Snapshots <-chan metrics.Snapshot
	// Control is nil when there is nothing to control (e.g. a replay):
	// pause, rate and reset are then disabled.
	Control Controller
	// Theme is a palette name or "auto" (the default).
	Theme string
	// Renderer draws the styles; lipgloss.DefaultRenderer() when nil.
	Renderer *lipgloss.Renderer
	// SnapshotDir receives `s` snapshots; DefaultSnapshotDir when empty.
	SnapshotDir string
	// Now is the clock (tests fix it); time.Now when nil.
	Now func() time.Time
}

// Model is the dashboard's root model. It is a value: Update returns a new
// one, and View returns the frame the last change produced.
type Model struct {
	cfg    Config
	keys   KeyMap
	help   help.Model
	styles *themes.Styles
	theme  string

	width, height int

	snap     *metrics.Snapshot // the snapshot on screen (sanitized)
	pending  *metrics.Snapshot // the newest one, not yet drawn
	lastRecv time.Time
	closed   bool

	frameID       int // ID of the redraw tick in flight; stale ticks are dropped
	frameInFlight bool
	beatID        int

	table  tableState
	filter filterState
	detail bool
	// chartOne scopes the chart to the selected instance.
	chartOne bool

	paused bool
	rate   float64
	status status

	frame   string // the last rendered frame; View returns it
	renders int    // frames rendered, for tests and the render budget

	// sched turns a delay and a message into a Cmd; tests replace it to
	// drive a simulated clock.
	sched func(time.Duration, tea.Msg) tea.Cmd
	// ctrlMu makes the read-modify-write of the probe rate atomic across
	// the Cmds that run it.
	ctrlMu *sync.Mutex
}

// status is a transient footer message.
type status struct {
	text  string
	err   bool
	until time.Time
}

// New builds the dashboard. An unknown Config.Theme falls back to auto and
// says so in the footer.
func New(cfg Config) Model {
	if cfg.Renderer == nil {
		cfg.Renderer = lipgloss.DefaultRenderer()
	}
	if cfg.SnapshotDir == "" {
		cfg.SnapshotDir = DefaultSnapshotDir
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	m := Model{
		cfg:    cfg,
		keys:   DefaultKeyMap().withControl(cfg.Control != nil),
		help:   help.New(),
		width:  80,
		height: 24,
		table:  tableState{sort: sortState},
		filter: newFilter(),
		sched:  tick,
		ctrlMu: &sync.Mutex{},
	}
	pal, err := themes.Resolve(cfg.Theme, cfg.Renderer)
	if err != nil {
		pal, _ = themes.Resolve(themes.Auto, cfg.Renderer)
		m.status = status{text: err.Error(), err: true, until: cfg.Now().Add(statusFor)}
	}
	m = m.withTheme(pal)
	return m.redraw()
}

func tick(d time.Duration, msg tea.Msg) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return msg })
}

// Init starts waiting for snapshots and the heartbeat.
func (m Model) Init() tea.Cmd {
	return tea.Batch(waitSnapshot(m.cfg.Snapshots), m.sched(beatInterval, beatMsg{id: m.beatID}))
}

// View returns the frame rendered by the last change; it never renders, so
// however often bubbletea asks, the screen is redrawn at most 10 times a
// second for snapshots.
func (m Model) View() string { return m.frame }

// withTheme applies a palette: new Styles, and the help and filter widgets
// restyled from them.
func (m Model) withTheme(p themes.Palette) Model {
	m.theme = p.Name
	m.styles = themes.NewStyles(m.cfg.Renderer, p)
	st := m.styles
	m.help.Styles = help.Styles{
		ShortKey: st.HelpKey, ShortDesc: st.HelpDesc, ShortSeparator: st.HelpSep,
		FullKey: st.HelpKey, FullDesc: st.HelpDesc, FullSeparator: st.HelpSep, Ellipsis: st.HelpSep,
	}
	m.filter = m.filter.restyle(st)
	return m
}

// redraw renders the frame; every handler that changes what is visible
// ends with it.
func (m Model) redraw() Model {
	m.frame = m.render()
	m.renders++
	return m
}
