package tui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/metrics"
)

func TestSnapshotWritesFourFiles(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	m = withSnapshot(t, m, fixture3())
	frame := m.View()
	nm, cmd := m.Update(keyMsg("s"))
	m = nm.(Model)
	if cmd == nil {
		t.Fatal("s returned no Cmd")
	}
	dir := m.cfg.SnapshotDir
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatal("Update wrote files: writing belongs in the Cmd")
	}
	msg := cmd()
	m = update(t, m, msg)
	base := filepath.Join(dir, "bridgescope-20251126-140211")
	for _, ext := range []string{".txt", ".ans", ".md", ".json"} {
		if _, err := os.Stat(base + ext); err != nil {
			t.Fatalf("missing %s: %v", ext, err)
		}
	}
	if !strings.Contains(m.View(), "snapshot: bridgescope-20251126-140211.{txt,ans,md,json,png,svg} in") {
		t.Fatalf("footer does not show the path:\n%s", m.View())
	}

	txt, _ := os.ReadFile(base + ".txt")
	plainFrame, appendix, ok := strings.Cut(string(txt), "\n\nACTIVE ALERTS (2)\n")
	if strings.Contains(string(txt), "\x1b") || !ok || plainFrame != trimLines(frame) {
		t.Fatalf(".txt is not the plain frame then the alerts:\n%s", txt)
	}
	for i, l := range strings.Split(string(txt), "\n") {
		if strings.HasSuffix(l, " ") {
			t.Errorf(".txt line %d ends in a space: %q", i+1, l)
		}
	}
	// What the frame cut ("4 own events receiv…", the note) is whole here.
	for _, want := range []string{"CRIT bot-3 self-received since 13:59:57 (2m14s), threshold > 0\n  4 own events received\n",
		"NOTES (1)\n  CLIENT LIST refused (NOPERM): output-buffer warnings off\n"} {
		if !strings.Contains(appendix, want) {
			t.Errorf(".txt appendix lacks %q:\n%s", want, appendix)
		}
	}
	md, _ := os.ReadFile(base + ".md")
	for _, id := range []string{"bot-1", "bot-2", "bot-3"} {
		if !strings.Contains(string(md), "| "+id+" |") {
			t.Errorf(".md lacks instance %s", id)
		}
	}
	raw, _ := os.ReadFile(base + ".json")
	var back metrics.Snapshot
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatalf(".json does not parse back into a Snapshot: %v", err)
	}
	if len(back.Instances) != 3 || back.Instances[2].ID != "bot-3" || back.Instances[2].State != metrics.Crit {
		t.Fatalf(".json round trip: %+v", back.Instances)
	}

	// A second snapshot in the same second does not overwrite the first.
	msg2 := writeSnapshot(snapshotJob{dir: dir, at: fixedNow, frame: frame, snap: *m.snap})
	if msg2.err != nil || msg2.base != base+"-2" {
		t.Fatalf("second snapshot: %+v", msg2)
	}
}

func trimLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

func TestSnapshotErrorIsShown(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	m.cfg.SnapshotDir = filepath.Join(blocker, "sub") // a file in the way
	m = withSnapshot(t, m, fixture3())
	m = press(t, m, "s")
	if !strings.Contains(m.View(), "snapshot failed") {
		t.Fatalf("error not shown:\n%s", m.View())
	}
	// It goes away after a few seconds.
	m.cfg.Now = func() time.Time { return fixedNow.Add(statusFor) }
	m = update(t, m, beatMsg{id: m.beatID})
	if strings.Contains(m.View(), "snapshot failed") {
		t.Fatal("status message did not expire")
	}
}

func TestSnapshotBeforeFirstSnapshot(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	if _, cmd := m.Update(keyMsg("s")); cmd != nil {
		t.Fatal("s before any snapshot returned a Cmd")
	}
}
