package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/bridge/bridgetest"
)

// TestValidateLeavesTheBotsAlone (issue 10.12): by default validate runs on
// a private channel, so a bot on bridge:events receives none of its events;
// run on bridge:events on purpose, it first says how many others listen.
func TestValidateLeavesTheBotsAlone(t *testing.T) {
	srv := bridgetest.Start(t)
	bot := srv.Client(t).Subscribe(context.Background(), bridge.DefaultChannel)
	defer bot.Close()
	if _, err := bot.Receive(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := make(chan int, 1)
	go func() {
		n := 0
		for range bot.Channel() {
			n++
		}
		got <- n
	}()
	code, stdout, stderr := run(t, context.Background(), "validate", "--redis", srv.URL(), "--instances", "2",
		"--duration", "1s", "--rate", "50", "--json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r struct{ Transport string }
	if err := json.Unmarshal([]byte(stdout), &r); err != nil || r.Transport != "pubsub" {
		t.Errorf("transport %q (%v), want pubsub as every JSON spells it", r.Transport, err)
	}
	code, _, stderr = run(t, context.Background(), "validate", "--redis", srv.URL(), "--instances", "2",
		"--duration", "1s", "--rate", "50", "--channel", bridge.DefaultChannel)
	if code != ExitOK || !strings.Contains(stderr, "channel bridge:events has 1 subscribers besides this run (PUBSUB NUMSUB): each receives its 50 events") {
		t.Errorf("on the live channel: exit %d, stderr %q; want a word about its other subscriber", code, stderr)
	}
	time.Sleep(200 * time.Millisecond)
	_ = bot.Close()
	if n := <-got; n != 50 {
		t.Errorf("the bot received %d events, want only the 50 of the run on its channel", n)
	}
}
