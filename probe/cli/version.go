package cli

import (
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// version is set at build time with
// -ldflags "-X github.com/bridgescope/bridgescope/probe/cli.version=v1.2.3".
var version = ""

// Version is the build's version: the -ldflags value, else the module
// version Go recorded; the VCS revision when Go recorded one and the
// version does not already hold it (a pseudo-version does); the Go version.
func Version() string {
	info, _ := debug.ReadBuildInfo()
	return versionString(version, info, runtime.Version())
}

// versionString is Version from its parts.
func versionString(ldflags string, info *debug.BuildInfo, goVersion string) string {
	v, rev, dirty := ldflags, "", false
	if info != nil {
		if v == "" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && len(s.Value) >= 12:
				rev = s.Value[:12]
			case s.Key == "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	if rev != "" && !strings.Contains(v, rev) {
		v += " " + rev
		if dirty && !strings.Contains(v, "+dirty") {
			v += "+dirty"
		}
	}
	return v + " " + goVersion
}

func newVersionCmd(env *Env, code *int) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "print the version",
		Long:  "Prints the version, the VCS revision it was built from (once) and the Go\nversion; the same as 'bridgescope --version'.",
		Example: `  bridgescope version
  bridgescope --version`,
		Args:              noArgs,
		ValidArgsFunction: cobra.NoFileCompletions,
		Run: func(*cobra.Command, []string) {
			*code = env.print(ExitOK, "bridgescope %s\n", Version())
		},
	}
}
