package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/bridgescope/bridgescope/tui"
)

// snapshotFlags are the dashboard's snapshot settings, shared by watch,
// demo and replay.
type snapshotFlags struct {
	dir string
	bg  string
}

func (f *snapshotFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.dir, "snapshot-dir", tui.DefaultSnapshotDir, "where the 's' key writes snapshots")
	fs.StringVar(&f.bg, "snapshot-bg", tui.BgTheme, "the page of a snapshot's PNG and SVG: "+strings.Join(tui.SnapshotBgs(), ", ")+
		"\n(light and dark keep every colour readable on that page)")
}

func (f *snapshotFlags) check() error {
	if f.dir == tui.DefaultSnapshotDir && !writable(".") {
		if dir := stateSnapshotDir(); dir != "" {
			f.dir = dir // the dashboard's snapshot message names it
		}
	}
	if !slices.Contains(tui.SnapshotBgs(), f.bg) {
		return fmt.Errorf("--snapshot-bg must be one of %s, got %q", strings.Join(tui.SnapshotBgs(), ", "), f.bg)
	}
	return nil
}

// stateSnapshotDir is where snapshots go when the working directory is not
// writable: $XDG_STATE_HOME/bridgescope/snapshots, else
// ~/.local/state/bridgescope/snapshots; "" when neither can be told.
func stateSnapshotDir() string {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "bridgescope", "snapshots")
}

// writable reports whether a file can be created in dir: the only test
// that holds for every reason it could not (mode, read-only mount, ACL).
func writable(dir string) bool {
	f, err := os.CreateTemp(dir, ".bridgescope-writable-*")
	if err != nil {
		return false
	}
	name := f.Name()
	_ = f.Close()
	return os.Remove(name) == nil
}
