package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/pflag"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/bridgescope/bridgescope/metrics/record"
	"github.com/bridgescope/bridgescope/metrics/report"
	"github.com/bridgescope/bridgescope/themes"
	"github.com/bridgescope/bridgescope/tui"
)

var replayCommand = &Command{
	Name:    "replay",
	Summary: "the dashboard on a recording (watch/demo --record); --at TIME --json prints one moment",
	Usage:   replayUsage,
	Example: replayExample,
	Setup:   setupReplay,
	MinArgs: 1, MaxArgs: 1, ArgName: "recording",
}

const replayUsage = `Usage: bridgescope replay FILE [flags]

Opens the dashboard on a recording made with 'watch --record' or 'demo
--record': every view works, on the recorded snapshots. space pauses and
plays, [ ] seek 10 s, { } a minute, g goes to a time, 1-9 set the speed
(1×…500×), s writes a snapshot of the moment on show (text, Markdown, JSON,
PNG, SVG). Pause, rate and reset act on a live observer and are off.

With --at TIME, prints the state at that moment instead, as 'watch --json'
(--json), --markdown or text. TIME is a time of day (03:12:00) in the
recording's zone, an RFC 3339 time, +1m30s from the start or -30s from the
end. A truncated or corrupt file replays up to the damage, and says where.
`

// replayOptions are replay's settings, whatever parses them.
type replayOptions struct {
	file     string
	at       string
	json     bool
	markdown bool
	theme    string
	snapshot snapshotFlags
}

func setupReplay(fs *pflag.FlagSet) RunFunc {
	o := &replayOptions{}
	fs.StringVar(&o.at, "at", "", "print the state at this moment and exit (03:12:00, RFC 3339, +1m30s, -30s)")
	fs.BoolVar(&o.json, "json", false, "with --at: one JSON object, as 'watch --json' prints")
	fs.BoolVar(&o.markdown, "markdown", false, "with --at: Markdown")
	fs.StringVar(&o.theme, "theme", themes.Auto, "colour theme: "+strings.Join(append([]string{themes.Auto}, themes.Names()...), ", "))
	o.snapshot.register(fs)
	return func(ctx context.Context, env *Env, files []string) int {
		o.file = files[0]
		return replay(ctx, env, *o)
	}
}

func replay(ctx context.Context, env *Env, o replayOptions) int {
	var errs []error
	if o.json && o.markdown {
		errs = append(errs, errors.New("--json and --markdown exclude each other"))
	}
	if (o.json || o.markdown) && o.at == "" {
		errs = append(errs, errors.New("--json and --markdown print one moment: name it with --at"))
	}
	if o.theme != themes.Auto {
		if _, err := themes.Lookup(o.theme); err != nil {
			errs = append(errs, err)
		}
	}
	if err := o.snapshot.check(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return env.Fail(ExitUsage, err)
	}
	rec, err := record.Open(o.file)
	if err != nil {
		return env.Fail(ExitUsage, err)
	}
	for _, n := range record.Notes(rec) {
		env.Errorf("%s", n)
	}
	if rec.Len() == 0 {
		return env.Fail(ExitUsage, fmt.Errorf("%s holds no snapshot", o.file))
	}
	if o.at != "" {
		return replayAt(env, rec, o)
	}
	if !isTerminal(os.Stdout) || !stdinIsTerminal(env) {
		return env.Fail(ExitUsage, errors.New("replay needs a terminal; without one, print a moment with --at TIME --json"))
	}
	p := record.NewPlayer(rec)
	defer p.Stop()
	m := tui.New(tui.Config{Snapshots: p.Snapshots(), Replay: p, Theme: o.theme,
		SnapshotDir: o.snapshot.dir, SnapshotBg: o.snapshot.bg,
		NoControl: "replaying a recording: nothing live to pause, rerate or reset"})
	prog := tea.NewProgram(m, tea.WithAltScreen(), tea.WithContext(ctx), tea.WithInput(env.Stdin), tea.WithOutput(os.Stdout))
	if _, err := prog.Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.Canceled) {
		return env.Fail(ExitUsage, fmt.Errorf("dashboard: %w", err))
	}
	return ExitOK
}

// replayAt prints the frame on show at --at: the last one at or before it.
func replayAt(env *Env, rec *record.Recording, o replayOptions) int {
	defer rec.Close()
	t, err := record.ParseAt(o.at, rec.Start(), rec.End())
	if err != nil {
		return env.Fail(ExitUsage, fmt.Errorf("--at: %w", err))
	}
	if t.Before(rec.Start()) {
		return env.Fail(ExitUsage, fmt.Errorf("--at %s is before the recording starts, at %s", o.at, rec.Start().Format("2006-01-02 15:04:05.000 MST")))
	}
	if t.After(rec.End()) {
		env.Errorf("--at %s is after the recording ends, at %s: printing its last state", o.at, rec.End().Format("2006-01-02 15:04:05.000 MST"))
	}
	s, err := rec.Snapshot(rec.Index(t))
	if err != nil {
		return env.Fail(ExitUsage, err)
	}
	out := report.WatchText(s)
	switch {
	case o.json:
		out = report.WatchJSON(s)
	case o.markdown:
		out = report.WatchMarkdown(s)
	}
	if err := out(env.Stdout); err != nil {
		return env.Fail(ExitUsage, fmt.Errorf("write report: %w", err))
	}
	return ExitOK
}
