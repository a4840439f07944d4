package tui

import "github.com/charmbracelet/bubbles/key"

// KeyMap is the dashboard's key bindings. It is a value in the model, not a
// global, so tests and embedders can rebind keys.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Home, End key.Binding
	Detail, Back                          key.Binding
	Chart, Sort, Filter, Theme            key.Binding
	Pause, Faster, Slower, Reset          key.Binding
	Snapshot, Help, Quit                  key.Binding
}

// DefaultKeyMap returns the standard bindings.
func DefaultKeyMap() KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Up:       b("↑/k", "up", "up", "k"),
		Down:     b("↓/j", "down", "down", "j"),
		PageUp:   b("pgup", "page up", "pgup", "ctrl+b"),
		PageDown: b("pgdn", "page down", "pgdown", "ctrl+f"),
		Home:     b("home/g", "first", "home", "g"),
		End:      b("end/G", "last", "end", "G"),
		Detail:   b("enter", "detail", "enter"),
		Back:     b("esc", "back/clear", "esc"),
		Chart:    b("c", "chart scope", "c"),
		Sort:     b("o", "sort", "o"),
		Filter:   b("/", "filter", "/"),
		Theme:    b("t", "theme", "t"),
		Pause:    b("p", "pause probes", "p"),
		Faster:   b("+", "rate ×2", "+", "="),
		Slower:   b("-", "rate ÷2", "-", "_"),
		Reset:    b("r", "reset windows", "r"),
		Snapshot: b("s", "snapshot", "s"),
		Help:     b("?", "help", "?"),
		Quit:     b("q", "quit", "q", "ctrl+c"),
	}
}

// withControl enables or disables the bindings that need a Controller, so
// help never offers a key that does nothing.
func (k KeyMap) withControl(on bool) KeyMap {
	for _, b := range []*key.Binding{&k.Pause, &k.Faster, &k.Slower, &k.Reset} {
		b.SetEnabled(on)
	}
	return k
}

// ShortHelp is the footer's one-line help.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Quit, k.Help, k.Detail, k.Filter, k.Pause, k.Faster, k.Slower, k.Sort, k.Chart, k.Snapshot}
}

// FullHelp is the help panel's columns.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Home, k.End},
		{k.Detail, k.Back, k.Filter, k.Sort, k.Chart, k.Theme},
		{k.Pause, k.Faster, k.Slower, k.Reset},
		{k.Snapshot, k.Help, k.Quit},
	}
}
