package cli

import (
	"fmt"
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
	if !slices.Contains(tui.SnapshotBgs(), f.bg) {
		return fmt.Errorf("--snapshot-bg must be one of %s, got %q", strings.Join(tui.SnapshotBgs(), ", "), f.bg)
	}
	return nil
}
