package tui

import "github.com/charmbracelet/bubbles/key"

// KeyMap is the dashboard's key bindings. It is a value in the model, not a
// global, so tests and embedders can rebind keys.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Home, End key.Binding
	Left, Right, Matrix, NextWorst        key.Binding
	Detail, Back, Alerts, Notes           key.Binding
	Chart, Sort, Filter, Theme            key.Binding
	Forget, Pause, Faster, Slower         key.Binding
	RateReset, Reset, Yes                 key.Binding
	Snapshot, Help, Quit                  key.Binding
	// A replay's: pause/play, seek, go to a time, speed. Disabled live.
	Play, SeekBack, SeekFwd, SeekBackLong, SeekFwdLong, GoTo, Speed key.Binding
}

// DefaultKeyMap returns the standard bindings.
func DefaultKeyMap() KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Up:        b("↑/k", "up", "up", "k"),
		Down:      b("↓/j", "down", "down", "j"),
		PageUp:    b("pgup", "page up", "pgup", "ctrl+b"),
		PageDown:  b("pgdn", "page down", "pgdown", "ctrl+f"),
		Home:      b("home/g", "first", "home", "g"),
		End:       b("end/G", "last", "end", "G"),
		Left:      b("←/h", "left", "left", "h"),
		Right:     b("→/l", "right", "right", "l"),
		Matrix:    b("m", "matrix", "m"),
		NextWorst: b("enter", "next worst pair", "enter"),
		Detail:    b("enter", "detail", "enter"),
		Back:      b("esc", "back/clear", "esc"),
		Alerts:    b("a/tab", "alerts", "a", "tab"),
		Notes:     b("n", "notes", "n"),
		Chart:     b("c", "chart scope", "c"),
		Sort:      b("o", "sort", "o"),
		Filter:    b("/", "filter", "/"),
		Theme:     b("t", "theme", "t"),
		Forget:    b("x/del", "forget instance", "x", "delete"),
		Pause:     b("p", "pause probes", "p"),
		Faster:    b("+", "rate up", "+"),
		Slower:    b("-", "rate down", "-"),
		RateReset: b("=", "configured rate", "="),
		Reset:     b("r", "reset windows…", "r"),
		Yes:       b("y", "yes", "y"),
		Snapshot:  b("s", "snapshot", "s"),
		Help:      b("?", "help", "?"),
		Quit:      b("q", "quit", "q", "ctrl+c"),

		Play:         b("space", "pause/play", " "),
		SeekBack:     b("[", "-10s", "["),
		SeekFwd:      b("]", "+10s", "]"),
		SeekBackLong: b("{", "-1m", "{"),
		SeekFwdLong:  b("}", "+1m", "}"),
		GoTo:         b("g", "go to time", "g"),
		Speed:        b("1-9", "speed 1×…500×", "1", "2", "3", "4", "5", "6", "7", "8", "9"),
	}.withReplay(false)
}

// withReplay enables the replay's keys; g then goes to a time, and home
// alone goes to the first row.
func (k KeyMap) withReplay(on bool) KeyMap {
	for _, b := range []*key.Binding{&k.Play, &k.SeekBack, &k.SeekFwd, &k.SeekBackLong, &k.SeekFwdLong, &k.GoTo, &k.Speed} {
		b.SetEnabled(on)
	}
	if on {
		k.Home = key.NewBinding(key.WithKeys("home"), key.WithHelp("home", "first"))
	}
	return k
}

// withControl enables or disables the bindings that need a Controller, so
// help never offers a key that does nothing.
func (k KeyMap) withControl(on bool) KeyMap {
	for _, b := range []*key.Binding{&k.Forget, &k.Pause, &k.Faster, &k.Slower, &k.RateReset, &k.Reset} {
		b.SetEnabled(on)
	}
	return k
}

// ShortHelp is the footer's one-line help, most needed first: what does
// not fit is cut from the end.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Quit, k.Help, k.Play, k.SeekBack, k.SeekFwd, k.GoTo, k.Speed, k.Alerts, k.Matrix, k.Notes, k.Detail, k.Filter, k.Forget, k.Pause, k.Faster, k.Slower, k.Snapshot}
}

// shortHelp is the footer's help for a screen: its own keys, then the
// way out.
func (k KeyMap) shortHelp(sc screen) []key.Binding {
	switch sc {
	case screenDetail:
		return []key.Binding{k.Back, k.Quit, k.Help, k.Up, k.Down, k.Alerts, k.Forget, k.Snapshot}
	case screenAlerts:
		return []key.Binding{k.Back, k.Quit, k.Up, k.Down, k.PageDown, k.Notes, k.Help, k.Snapshot}
	case screenNotes:
		return []key.Binding{k.Back, k.Quit, k.Up, k.Down, k.Alerts, k.Help}
	case screenHelp:
		return []key.Binding{k.Back, k.Quit, k.Up, k.Down, k.PageDown}
	case screenMatrix:
		return []key.Binding{k.Back, k.Quit, k.NextWorst, k.Up, k.Down, k.Left, k.Right, k.Alerts, k.Help, k.Snapshot}
	}
	return k.ShortHelp()
}

// FullHelp is every binding the help panel lists, in groups that read
// together; the panel reflows them into as many columns as fit.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End},
		{k.Detail, k.Back, k.Alerts, k.Notes, k.Matrix, k.Filter, k.Sort, k.Chart, k.Theme},
		{k.Left, k.Right, k.NextWorst},
		{k.Forget, k.Pause, k.Faster, k.Slower, k.RateReset, k.Reset},
		{k.Snapshot, k.Help, k.Quit},
		{k.Play, k.SeekBack, k.SeekFwd, k.SeekBackLong, k.SeekFwdLong, k.GoTo, k.Speed},
	}
}
