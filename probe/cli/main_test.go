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
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := Main(ctx, strings.Split(args, "\x1f"), os.Stdin, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	goleak.VerifyTestMain(m)
}
