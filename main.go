// Command bridgescope validates and watches a Redis pub/sub event bridge.
// It is wiring only: the command line lives in probe/cli.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/bridgescope/bridgescope/probe/cli"
)

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		// The first signal stops the run (the report is still printed;
		// serve tells its sessions which signal it was).
		cancel(cli.SignalCause{Signal: <-sigs})
		<-sigs
		os.Exit(cli.ExitInterrupted) // the second one does not wait for it
	}()
	code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	cancel(nil)
	os.Exit(code)
}
