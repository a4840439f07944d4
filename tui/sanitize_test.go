package tui

import (
	"strings"
	"testing"
	"unicode"

	"github.com/bridgescope/bridgescope/metrics"
)

func TestSanitize(t *testing.T) {
	cases := []struct{ in, want string }{
		{hostileID, "evil"},
		{"bot-1", "bot-1"},
		{"\x1b[31mred\x1b[0m", "red"},
		{"a\tb\nc", "a b c"},
		{"rtl\u202Eevil", "rtlevil"},            // bidi override
		{"c1\u009b2Jx", "c12Jx"},                // C1 CSI as a rune: dropped, the rest is inert text
		{"bad\xffutf8", "badutf8"},              // invalid UTF-8
		{"\x1bP1;2|secret\x1b\\after", "after"}, // DCS
		{"ボット-東京", "ボット-東京"},
		{"", ""},
	}
	for _, c := range cases {
		if got := sanitize(c.in); got != c.want {
			t.Errorf("sanitize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestSanitizeNeverLeavesControls(t *testing.T) {
	var b strings.Builder
	for r := rune(0); r < 0x2100; r++ {
		b.WriteRune(r)
	}
	b.WriteString(strings.Repeat("x", 1000))
	out := sanitize(b.String())
	for _, r := range out {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			t.Fatalf("sanitize left %U", r)
		}
	}
	if n := len([]rune(out)); n > maxWireRunes+1 {
		t.Fatalf("sanitize returned %d runes, want ≤ %d", n, maxWireRunes+1)
	}
}

// TestHostileSnapshotIsDrawnSafely puts escape sequences in every wire
// string and checks that the frame has none. (The Redis URL is redacted
// at its source, bridge.ConnConfig.Redacted, as everywhere else.)
func TestHostileSnapshotIsDrawnSafely(t *testing.T) {
	s := fixture3()
	s.Observer = hostileID
	s.Conn = "connected"
	s.Transport = "\x1b]8;;http://x\x07pubsub"
	s.Notes = []string{hostileID + " note"}
	s.Instances[0].ID = hostileID
	s.Instances[0].Role = "\x1b[5magent"
	s.Alerts[0].Message = "\x1b[2Kmsg\r\n"
	s.History[0].Instance = hostileID
	s.History[1].Note = hostileID + " note"
	s.Info = []string{hostileID + " info"}
	s.Blind = hostileID + " blind"
	s.Alerts[1].Condition = hostileID
	for _, keys := range [][]string{nil, {"enter"}, {"a"}, {"n"}, {"?"}} {
		m, _ := newTestModel(t, 120, 40)
		m = withSnapshot(t, m, s)
		for _, k := range keys {
			m = press(t, m, k)
		}
		checkFits(t, m.View(), 120, 40)
		if strings.Contains(m.View(), "pwn") {
			t.Fatal("OSC payload drawn")
		}
	}
	// The received snapshot is not modified in place.
	if s.Instances[0].ID != hostileID {
		t.Fatal("cleanSnapshot modified the shared snapshot")
	}
}

// TestCleanSnapshotKeepsEmptyFromNil: an empty list stays empty, not nil,
// so the .json snapshot of a moment is what watch --json and replay print.
func TestCleanSnapshotKeepsEmptyFromNil(t *testing.T) {
	s := fixture3()
	s.Alerts, s.History, s.Shards = []metrics.Alert{}, []metrics.AlertChange{}, nil
	c := cleanSnapshot(s)
	if c.Alerts == nil || c.History == nil || c.Shards != nil {
		t.Fatalf("alerts %#v history %#v shards %#v", c.Alerts, c.History, c.Shards)
	}
}
