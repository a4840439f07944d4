package cli

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/metrics/report"
	"github.com/bridgescope/bridgescope/probe/bench"
)

var benchCommand = &Command{
	Name:    "bench",
	Summary: "measure the bridge against raw Redis in the same run: throughput, latency, CPU",
	Usage:   benchUsage,
	Example: benchExample,
	Setup:   setupBench,
}

const benchUsage = `Usage: bridgescope bench [flags]

For each rate in --rates, runs the bare lane (plain go-redis PUBLISH of a
14-byte payload read by plain subscriptions) and the bridge lane (the
validate harness: --instances bridges, timed at the handler) in alternating
segments, --duration per lane, and prints deliveries/s, P50, P99, max, CPU
seconds per 100k deliveries (this process) and the ratios bridge/bare.
"max" is a closed loop with at most --in-flight events not yet delivered.

With --observer, each rate also runs the observer lane: a bare publisher of
the seed's envelope, one bare go-redis subscriber and the observer (as watch
--headless runs it) on one channel, each subscriber in a process of its own;
it prints their CPU per event (their own getrusage), the events each counted
and the largest output buffer (CLIENT LIST omem, every 100 ms) Redis held.

With --soak D, runs the bridge lane and an observer for D instead, at 10000
events/s with 20 instances unless --rates/--instances say otherwise, and
prints RSS and goroutines every minute. Exits 2 on usage or connection errors.
`

// Soak defaults, used unless --rates or --instances are given.
const (
	soakRate      = 10000
	soakInstances = 20
)

type benchFlags struct {
	common    Common
	yes       bool // --yes: run against a production context
	instances int
	duration  time.Duration
	rates     rateList
	channel   string
	inFlight  int
	json      bool
	verbose   bool
	soak      time.Duration
	every     time.Duration
	profile   string
	observer  bool
	laneProf  string
}

// rateList is --rates: positive numbers of events per second, or "max".
type rateList []float64

func (r *rateList) String() string {
	names := make([]string, len(*r))
	for i, v := range *r {
		names[i] = bench.RateName(v)
	}
	return strings.Join(names, ",")
}

func (r *rateList) Set(s string) error {
	var out rateList
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "max" {
			out = append(out, 0)
			continue
		}
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || !(v > 0) || math.IsInf(v, 0) {
			return fmt.Errorf("%q is neither a positive rate nor max", f)
		}
		out = append(out, v)
	}
	*r = out
	return nil
}

func (f *benchFlags) register(fs *pflag.FlagSet) {
	f.common.Register(fs)
	registerYes(fs, &f.yes)
	f.rates = rateList{1000, 10000, 0}
	fs.IntVar(&f.instances, "instances", 4, "instances in each lane (2.."+fmt.Sprint(maxValidateInstances)+")")
	durationVar(fs, &f.duration, "duration", 10*time.Second, "how long each lane publishes at each rate")
	fs.Var(typed(&f.rates, "rates"), "rates", "comma-separated events per second, all instances together; max is the closed loop")
	fs.StringVar(&f.channel, "channel", "", "channel of the bridge lane (default a private bridge:bench:<pid>: a max-rate\nrun must not flood the bots' channel; the bare lane always uses a private one)")
	fs.IntVar(&f.inFlight, "in-flight", bench.DefaultBenchInFlight, "max: events published but not yet delivered everywhere")
	fs.BoolVar(&f.json, "json", false, "print the result as one JSON object")
	fs.BoolVar(&f.verbose, "verbose", false, "log each segment on stderr")
	durationVar(fs, &f.soak, "soak", 0, "run the memory soak for this long instead of the table")
	durationVar(fs, &f.every, "soak-every", time.Minute, "how often the soak prints a sample")
	fs.BoolVar(&f.observer, "observer", false, "add the observer lane: the observer against a bare subscriber, each in its own process")
	fs.StringVar(&f.laneProf, "lane-cpuprofile", "", "with --observer: write each lane process's CPU profile into `dir` (<role>-<rate>.prof)")
	fs.StringVar(&f.profile, "cpuprofile", "", "write a CPU profile of the whole run to `file` (go tool pprof -top)")
}

// check reports every bad value at once. set holds the flags given.
func (f *benchFlags) check(set map[string]bool) error {
	var errs []error
	if f.instances < 2 || f.instances > maxValidateInstances {
		errs = append(errs, fmt.Errorf("--instances must be between 2 and %d, got %d", maxValidateInstances, f.instances))
	}
	if f.duration <= 0 {
		errs = append(errs, fmt.Errorf("--duration must be positive, got %v", f.duration))
	}
	if len(f.rates) == 0 {
		errs = append(errs, errors.New("--rates is empty"))
	}
	if f.inFlight < 1 {
		errs = append(errs, fmt.Errorf("--in-flight must be at least 1, got %d", f.inFlight))
	}
	if f.channel == "" {
		f.channel = fmt.Sprintf("bridge:bench:%d", os.Getpid())
	}
	if strings.TrimSpace(f.channel) == "" || bridge.IsPattern(f.channel) {
		errs = append(errs, fmt.Errorf("--channel must name one channel (no *, ? or [), got %q", f.channel))
	}
	if f.soak < 0 || f.every <= 0 {
		errs = append(errs, fmt.Errorf("--soak must not be negative and --soak-every must be positive, got %v and %v", f.soak, f.every))
	}
	if f.soak > 0 && set["rates"] && (len(f.rates) != 1 || f.rates[0] == 0) {
		errs = append(errs, fmt.Errorf("--soak runs at one fixed rate: give --rates one number, got %s", f.rates.String()))
	}
	return errors.Join(errs...)
}

func setupBench(fs *pflag.FlagSet) RunFunc {
	f := &benchFlags{}
	f.register(fs)
	return func(ctx context.Context, env *Env, _ []string) int {
		set := map[string]bool{}
		fs.Visit(func(fl *pflag.Flag) { set[fl.Name] = true })
		return f.run(ctx, env, set)
	}
}

func (f *benchFlags) run(ctx context.Context, env *Env, set map[string]bool) int {
	if err := f.check(set); err != nil {
		return env.Fail(ExitUsage, fmt.Errorf("bench: %w", err))
	}
	if err := refuseProduction(env, "bench", f.yes); err != nil {
		return env.Fail(ExitUsage, err)
	}
	conn, err := f.common.Conn(env)
	if err != nil {
		return env.Fail(ExitUsage, fmt.Errorf("bench: %w", err))
	}
	held := newProgress(env.Stderr, false, false) // log lines wait until the lanes connect
	logger, closeLog, err := f.common.SetupLog(env, held)
	if err != nil {
		return env.Fail(ExitUsage, fmt.Errorf("bench: %w", err))
	}
	defer closeLog()
	stopProfile, err := startProfile(f.profile)
	if err != nil {
		return env.Fail(ExitUsage, fmt.Errorf("bench: %w", err))
	}
	defer stopProfile()
	if f.soak > 0 {
		return f.runSoak(ctx, env, conn, set, held)
	}
	cfg := bench.Config{Conn: conn, Instances: f.instances, Duration: f.duration, Rates: f.rates,
		Channel: f.channel, InFlight: f.inFlight, Logger: logger, Observer: f.observer, LaneCommand: laneCommand,
		LaneProfileDir: f.laneProf}
	if f.verbose {
		cfg.Log = env.Stderr
	}
	rep, err := bench.Run(ctx, cfg)
	held.finish(err != nil) // a failure is its one error line
	if err != nil {
		return env.Fail(ExitUsage, fmt.Errorf("bench: %w", err))
	}
	if ctx.Err() != nil {
		env.Errorf("bench: interrupted: the table covers %d of %d rates", len(rep.Rates), len(f.rates))
	}
	out := report.BenchText(rep)
	if f.json {
		out = report.BenchJSON(rep)
	}
	if err := out(env.Stdout); err != nil {
		return env.Fail(ExitUsage, fmt.Errorf("bench: %w", err))
	}
	return ExitOK
}

// benchLaneName is the hidden subcommand that runs one subscriber of the
// observer lane (bench.ServeLane); only bench starts it.
const benchLaneName = "bench-lane"

// laneCommand starts this binary's hidden lane subcommand. Tests, whose
// binary is not bridgescope, replace it.
var laneCommand bench.LaneCommand = func() *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	return exec.Command(exe, benchLaneName)
}

func runBenchLane(ctx context.Context, env *Env, args []string) int {
	if len(args) > 0 {
		return env.Fail(ExitUsage, fmt.Errorf("%s takes no arguments: bench starts it", benchLaneName))
	}
	if err := bench.ServeLane(ctx, env.Stdin, env.Stdout); err != nil {
		return env.Fail(ExitUsage, err)
	}
	return ExitOK
}

func (f *benchFlags) runSoak(ctx context.Context, env *Env, conn bridge.ConnConfig, set map[string]bool, held *progress) int {
	cfg := bench.SoakConfig{Conn: conn, Instances: soakInstances, Rate: soakRate, Duration: f.soak,
		Every: f.every, Channel: f.channel}
	if set["instances"] {
		cfg.Instances = f.instances
	}
	if set["rates"] {
		cfg.Rate = f.rates[0]
	}
	cfg.Sample = func(s report.SoakSample) {
		_ = report.SoakLine(s)(env.Stdout) // a failed write is seen at the summary
	}
	sum, err := bench.RunSoak(ctx, cfg)
	held.finish(err != nil)
	if err != nil {
		return env.Fail(ExitUsage, fmt.Errorf("bench: soak: %w", err))
	}
	if err := report.SoakSummary(sum)(env.Stdout); err != nil {
		return env.Fail(ExitUsage, fmt.Errorf("bench: soak: %w", err))
	}
	return ExitOK
}

// startProfile starts a CPU profile into path ("" for none); the returned
// function stops it and closes the file.
func startProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	file, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(file); err != nil {
		_ = file.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		_ = file.Close() // the profile is written by StopCPUProfile; a close error leaves it as it is
	}, nil
}
