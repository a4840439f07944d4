package cli

import (
	"context"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.uber.org/goleak"
)

// subprocessEnv, when set, makes the test binary run the command line with
// these arguments (separated by \x1f) instead of the tests: multi-process
// tests start agents this way, as separate processes, without a build step.
const subprocessEnv = "BRIDGESCOPE_TEST_SUBPROCESS"

func TestMain(m *testing.M) {
	if args := os.Getenv(subprocessEnv); args != "" {
		// As main does: the first signal cancels with its name as the cause.
		ctx, cancel := context.WithCancelCause(context.Background())
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
		go func() { cancel(SignalCause{Signal: <-sigs}) }()
		code := Main(ctx, strings.Split(args, "\x1f"), os.Stdin, os.Stdout, os.Stderr)
		os.Exit(code)
	}
	xdg, err := hermetic()
	if err != nil {
		panic(err)
	}
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		_ = os.RemoveAll(xdg) // an empty directory: nothing to report
		os.Exit(code)
	}))
}

// hermetic keeps the developer's own settings out of the tests: the config
// file is the tests' own (an empty $XDG_CONFIG_HOME), and no
// BRIDGESCOPE_<FLAG> variable is set. It returns the directory to remove.
func hermetic() (string, error) {
	dir, err := os.MkdirTemp("", "bridgescope-xdg-")
	if err != nil {
		return "", err
	}
	var code int
	var unset func(c *cobra.Command)
	unset = func(c *cobra.Command) {
		c.Flags().VisitAll(func(fl *pflag.Flag) { _ = os.Unsetenv(envName(fl.Name)) })
		for _, s := range c.Commands() {
			unset(s)
		}
	}
	unset(newRoot(context.Background(), newEnv(nil, io.Discard, io.Discard), &code))
	return dir, os.Setenv("XDG_CONFIG_HOME", dir)
}
