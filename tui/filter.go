package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/themes"
)

// filterState is the `/` filter: a text input whose value selects the
// instances whose ID or role contains it (case-insensitive).
type filterState struct {
	input textinput.Model
}

func newFilter() filterState {
	ti := textinput.New()
	ti.Prompt = "filter: "
	ti.Placeholder = "part of an instance ID"
	ti.CharLimit = 64
	// A static cursor: no blink ticks, nothing to leak, stable goldens.
	ti.Cursor.SetMode(cursor.CursorStatic)
	return filterState{input: ti}
}

func (f filterState) restyle(st *themes.Styles) filterState {
	f.input.PromptStyle = st.Accent
	f.input.TextStyle = st.Text
	f.input.PlaceholderStyle = st.Muted
	f.input.Cursor.Style = st.Accent
	f.input.Cursor.TextStyle = st.Text
	return f
}

func (f filterState) focused() bool { return f.input.Focused() }

func (f filterState) value() string {
	return sanitize(strings.TrimSpace(f.input.Value()))
}

func (f filterState) matches(r metrics.InstanceRow) bool {
	v := strings.ToLower(f.value())
	return v == "" || strings.Contains(strings.ToLower(r.ID), v) || strings.Contains(strings.ToLower(r.Role), v)
}

func (f filterState) clear() filterState {
	f.input.Reset()
	f.input.Blur()
	return f
}

func (f filterState) view(w int) string {
	// Leave room for the hint after the input.
	f.input.Width = clamp(w-len(f.input.Prompt)-28, 1, 48)
	return f.input.View()
}

func (m Model) startFilter() (tea.Model, tea.Cmd) {
	cmd := m.table.filter.input.Focus()
	return m.redraw(), cmd
}

// onFilterKey sends keys to the text input while it has focus: enter keeps
// the filter, esc clears it, ctrl+c still quits. The table filters as you
// type.
func (m Model) onFilterKey(k tea.KeyMsg) (tea.Model, tea.Cmd) {
	switch k.Type {
	case tea.KeyCtrlC:
		return m, tea.Quit
	case tea.KeyEnter:
		m.table.filter.input.Blur()
		return m.redraw(), nil
	case tea.KeyEsc:
		m.table = m.table.clearFilter().refresh(m.snap)
		return m.relayout().redraw(), nil
	}
	var cmd tea.Cmd
	m.table.filter.input, cmd = m.table.filter.input.Update(k)
	m.table = m.table.refresh(m.snap)
	return m.relayout().redraw(), cmd
}
