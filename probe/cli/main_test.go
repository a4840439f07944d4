package cli

import (
	"context"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"

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
	goleak.VerifyTestMain(m)
}
