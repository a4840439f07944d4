package tui

import (
	"reflect"
	"slices"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// TestBatchedRunes checks keys that arrive in one read, as bubbletea
// delivers fast typing: each rune is a key of its own.
func TestBatchedRunes(t *testing.T) {
	m, ctrl := newTestModel(t, 80, 24)
	m = withSnapshot(t, m, fixture3())
	m = update(t, m, keyMsg("jj"))
	if m.table.sel != "bot-1" {
		t.Fatalf(`"jj" selected %q, want bot-1`, m.table.sel)
	}
	m = update(t, m, keyMsg("/bot-3"))
	m = update(t, m, keyMsg("enter"))
	if got := tableIDs(m); !slices.Equal(got, []string{"bot-3"}) {
		t.Fatalf(`"/bot-3" enter: rows %v`, got)
	}
	// Control keys in one read still reach the controller, in order.
	nm, cmd := m.Update(keyMsg("p+"))
	m = nm.(Model)
	runCmd(t, m, cmd)
	if got, want := ctrl.Calls(), []string{"SetPaused(true)", "StepProbeRate(1)"}; !slices.Equal(got, want) {
		t.Fatalf("calls = %v, want %v", got, want)
	}
}

// runCmd runs a Cmd like bubbletea: sequences in order, batches all.
func runCmd(t *testing.T, m Model, cmd tea.Cmd) Model {
	t.Helper()
	if cmd == nil {
		return m
	}
	switch msg := cmd().(type) {
	case nil:
	case tea.BatchMsg:
		for _, c := range msg {
			m = runCmd(t, m, c)
		}
	default:
		if seq := reflectSequence(msg); seq != nil {
			for _, c := range seq {
				m = runCmd(t, m, c)
			}
			return m
		}
		m = update(t, m, msg)
	}
	return m
}

// reflectSequence unpacks tea.Sequence's unexported message type.
func reflectSequence(msg tea.Msg) []tea.Cmd {
	v := reflect.ValueOf(msg)
	if v.Kind() != reflect.Slice || v.Type().Elem() != reflect.TypeFor[tea.Cmd]() {
		return nil
	}
	out := make([]tea.Cmd, 0, v.Len())
	for i := range v.Len() {
		if c, ok := v.Index(i).Interface().(tea.Cmd); ok && c != nil {
			out = append(out, c)
		}
	}
	return out
}
