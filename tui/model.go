// Package tui is bridgescope's on-call dashboard: a root bubbletea model
// that routes messages to small panels, each drawing a metrics.Snapshot.
package tui

import (
	"os"
	"sync"
	"time"

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
	// pause, rate, forget and reset are then disabled.
	Control Controller
	// Theme is a palette name or "auto" (the default). A name overrides
	// NO_COLOR; auto is mono when the terminal gets no colour.
	Theme string
	// Renderer draws the styles; when nil, one for stdout that honours an
	// explicit Theme over NO_COLOR (themes.NewRenderer).
	Renderer *lipgloss.Renderer
	// SnapshotDir receives `s` snapshots; DefaultSnapshotDir when empty.
	SnapshotDir string
	// Audience, when set, makes this a session of a shared observer
	// (bridgescope serve): its newest value is shown in the header and,
	// when it lists who is connected, in the help panel.
	Audience <-chan Audience
	// SnapshotBg is the page of a snapshot's PNG and SVG: BgTheme (the
	// default, also for "" or an unknown value), BgLight or BgDark.
	SnapshotBg string
	// Now is the clock (tests fix it); time.Now when nil.
	Now func() time.Time
	// Replay is the player when the screen shows a recording (its frames
	// come on Snapshots): space, [ ] { }, g and 1–9 play it.
	Replay Replayer
	// Context is the config file's context the observer uses, shown in
	// the header; "" when none. Production marks it production: true, and
	// the header then starts with a red PROD badge in every theme.
	Context    string
	Production bool
	// NoControl says why Control is nil, shown when a key that needs it is
	// pressed, e.g. "replaying a recording: nothing live to control".
	NoControl string
}

// screen is what the body shows and which panel has the keys.
type screen int

const (
	screenMain   screen = iota // table, chart and alerts summary
	screenDetail               // the selected instance
	screenAlerts               // the alerts panel, focused: every alert whole
	screenNotes                // the header's notes and info, whole
	screenHelp                 // keys and what every column means
	screenMatrix               // sender × receiver delivery, the worst pairs
)

// Model is the dashboard's root model: it owns the stream, the clock and
// the screen, routes keys to the panel in focus and lays the panels out.
// It is a value: Update returns a new one, and View returns the frame the
// last change produced.
type Model struct {
	cfg    Config
	keys   KeyMap
	live   KeyMap // every binding enabled: to name a disabled key pressed
	styles *themes.Styles
	replay replayState

	width, height int

	snap     *metrics.Snapshot // the snapshot on screen (sanitized)
	pending  *metrics.Snapshot // the newest one, not yet drawn
	lastRecv time.Time

	frameID       int // ID of the redraw tick in flight; stale ticks are dropped
	frameInFlight bool
	beatID        int

	screen screen
	back   screen // where esc leaves alerts, notes and help for
	// confirmReset is set while the footer asks "reset windows and
	// alerts? y/n"; the next key answers.
	confirmReset bool

	header headerPanel
	table  tablePanel
	chart  chartPanel
	alerts alertsPanel
	notes  notesPanel
	detail detailPanel
	shards shardsPanel
	help   helpPanel
	matrix matrixPanel

	status status

	frame   string // the last rendered frame; View returns it
	renders int    // frames rendered, for tests and the render budget

	// sched turns a delay and a message into a Cmd; tests replace it to
	// drive a simulated clock.
	sched func(time.Duration, tea.Msg) tea.Cmd
	// ctrlMu makes the read-modify-write of the pause state atomic across
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
		cfg.Renderer = themes.NewRenderer(os.Stdout, cfg.Theme)
	}
	if cfg.SnapshotDir == "" {
		cfg.SnapshotDir = DefaultSnapshotDir
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	m := Model{
		cfg:    cfg,
		keys:   DefaultKeyMap().withControl(cfg.Control != nil).withReplay(cfg.Replay != nil),
		live:   DefaultKeyMap().withControl(true),
		width:  80,
		height: 24,
		table:  newTable(),
		help:   newHelp(),
		sched:  tick,
		ctrlMu: &sync.Mutex{},
	}
	m.header.context, m.header.production = cfg.Context, cfg.Production
	pal, err := themes.Resolve(cfg.Theme, cfg.Renderer)
	if err != nil {
		pal, _ = themes.Resolve(themes.Auto, cfg.Renderer)
		m.status = status{text: err.Error(), err: true, until: cfg.Now().Add(statusFor)}
	}
	if cfg.Replay != nil {
		m.replay = replayState{pos: cfg.Replay.Position(), goTo: newGoTo()}
	}
	m = m.withTheme(pal)
	return m.redraw()
}

func tick(d time.Duration, msg tea.Msg) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return msg })
}

// Init starts waiting for snapshots and the heartbeat.
func (m Model) Init() tea.Cmd {
	return tea.Batch(waitSnapshot(m.cfg.Snapshots), waitAudience(m.cfg.Audience), m.sched(beatInterval, beatMsg{id: m.beatID}))
}

// View returns the frame rendered by the last change; it never renders, so
// however often bubbletea asks, the screen is redrawn at most 10 times a
// second for snapshots.
func (m Model) View() string { return m.frame }

// withTheme applies a palette: new Styles, and the widgets that keep
// styles of their own (help, filter input) restyled from them.
func (m Model) withTheme(p themes.Palette) Model {
	m.header.theme = p.Name
	m.styles = themes.NewStyles(m.cfg.Renderer, p)
	m.help = m.help.restyle(m.styles)
	m.table.filter = m.table.filter.restyle(m.styles)
	m.replay.goTo.PromptStyle, m.replay.goTo.TextStyle = m.styles.Accent, m.styles.Text
	m.replay.goTo.PlaceholderStyle = m.styles.Muted
	return m
}

// redraw renders the frame; every handler that changes what is visible
// ends with it.
func (m Model) redraw() Model {
	m.frame = m.render()
	m.renders++
	return m
}

// say sets the footer's transient message.
func (m Model) say(text string, isErr bool) Model {
	m.status = status{text: text, err: isErr, until: m.cfg.Now().Add(statusFor)}
	return m
}

// selected is the table's selected row, nil when there is none.
func (m Model) selected() *metrics.InstanceRow {
	if r, ok := m.table.selected(); ok {
		return &r
	}
	return nil
}
