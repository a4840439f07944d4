package cli

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/alicebob/miniredis/v2"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/probe"
)

var demoCommand = &Command{
	Name:    "demo",
	Summary: "the dashboard on an embedded Redis with lifelike agents (no Redis needed)",
	Usage:   demoUsage,
	Example: demoExample,
	Setup:   setupDemo,
}

const demoUsage = `Usage: bridgescope demo [flags]

Starts an embedded Redis (miniredis, in this process, on a free loopback
port), a WebSocket host publishing tickers, --instances bot agents, and the
dashboard on top. Now and then one bot turns slow (P99 WARN, CRIT) and one
drops a few percent of its acks (delivery WARN, CRIT), so every state shows.
Takes the same display flags as watch.
`

func setupDemo(fs *pflag.FlagSet) RunFunc {
	f := &watchFlags{}
	f.register(fs, false)
	instances := fs.Int("instances", 5, "number of bot agents (1..50)")
	return func(ctx context.Context, env *Env, _ []string) int { return f.demo(ctx, env, *instances) }
}

// demo runs the demo with n bots.
func (f *watchFlags) demo(ctx context.Context, env *Env, n int) int {
	if err := f.check(); err != nil {
		return env.Fail(ExitUsage, err)
	}
	if n < 1 || n > 50 {
		return env.Fail(ExitUsage, fmt.Errorf("--instances must be within 1..50, got %d", n))
	}
	key, err := f.controlKey.load(env)
	if err != nil {
		return env.Fail(ExitUsage, err)
	}
	f.cmd = "demo " + strconv.Itoa(n) + " instances"
	mr := miniredis.NewMiniRedis()
	if err := mr.StartAddr("127.0.0.1:0"); err != nil {
		return env.Fail(ExitUsage, fmt.Errorf("demo: start embedded Redis: %w", err))
	}
	defer mr.Close()
	conn := bridge.ConnConfig{URL: "redis://" + mr.Addr()}
	agentCtx, stopAgents := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer func() { stopAgents(); wg.Wait() }()
	quiet := &Env{Stdin: env.Stdin, Stdout: discard{}, Stderr: discard{}, secrets: env.secrets}
	start := time.Now()
	for _, a := range demoCast(n, start) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runAgentInstance(agentCtx, quiet, bridge.Config{Conn: conn, InstanceID: a.id, Transport: f.transport.String(), ControlKey: key}, a.opt, a.pub)
		}()
	}
	return f.observe(ctx, env, probe.ObserverConfig{Conn: conn, ID: "bridgescope-demo", Bridge: bridge.Config{Transport: f.transport.String()}})
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

type demoAgent struct {
	id  string
	opt probe.AttachOptions
	pub publishing
}

// demoCast is the demo's instances: a publishing WebSocket host and bots,
// one of them slow in phases and one lossy in phases, so WARN and CRIT
// come and go on the screen.
func demoCast(n int, start time.Time) []demoAgent {
	cast := []demoAgent{{id: "websocket-host", opt: probe.AttachOptions{Role: "publisher"}, pub: publishing{rate: 20, event: tickers()}}}
	for i := 1; i <= n; i++ {
		a := demoAgent{id: fmt.Sprintf("bot-%d", i), opt: probe.AttachOptions{Role: "bot"}}
		switch i {
		case 2:
			a.opt.TestAckDelay = slowPhases(start)
		case min(4, n):
			if n >= 3 {
				a.opt.TestDropAck = probe.DropFraction(lossyPhases(start))
			}
		}
		cast = append(cast, a)
	}
	return cast
}

// tickers makes ticker events for three symbols with prices on a random walk.
func tickers() func(n int64) (string, any) {
	symbols := []string{"BTCUSDT", "ETHUSDT", "SOLUSDT"}
	prices := []float64{67012.1, 3520.4, 171.25}
	return func(n int64) (string, any) {
		i := int(n) % len(symbols)
		prices[i] *= 1 + (rand.Float64()-0.5)/1000
		return "ticker", map[string]any{"s": symbols[i], "p": strconv.FormatFloat(prices[i], 'f', 2, 64), "n": n}
	}
}

// phase reports whether t is inside the active part of a repeating cycle.
func phase(start time.Time, cycle, offset, length time.Duration) bool {
	at := (time.Since(start) + cycle - offset) % cycle
	return at < length
}

// slowPhases: for 25 s of every 60 s, a quarter of the acks wait 40–250 ms
// (and queue behind each other, as a slow consumer's would).
func slowPhases(start time.Time) func() time.Duration {
	return func() time.Duration {
		if !phase(start, time.Minute, 10*time.Second, 25*time.Second) || rand.Float64() > 0.25 {
			return 0
		}
		return 40*time.Millisecond + rand.N(210*time.Millisecond)
	}
}

// lossyPhases: for 20 s of every 45 s, 4–14 % of the acks are lost.
func lossyPhases(start time.Time) func() float64 {
	return func() float64 {
		if !phase(start, 45*time.Second, 15*time.Second, 20*time.Second) {
			return 0
		}
		return 0.04 + 0.10*float64(time.Since(start)%(10*time.Second))/float64(10*time.Second)
	}
}
