package cli

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge/bridgetest"
	"github.com/bridgescope/bridgescope/metrics/report"
)

// TestPasswordNeverShows is issue 5's guarantee: every subcommand, run as
// its own process with a password in the URL, in REDIS_URL, in
// BRIDGESCOPE_REDIS, in a config file's context and in --password-file
// (also named by a context), on its success and failure paths, never shows it — not
// on stdout or stderr, not in logs, reports, JSON, metrics or any file it
// writes — while the URL it shows is there, redacted.
func TestPasswordNeverShows(t *testing.T) {
	t.Parallel()
	srv := bridgetest.Start(t)
	srv.RequireReal(t) // ACL users
	srv.Do(t, "ACL", "SETUSER", "bs", "on", ">"+plainPW, "~*", "&*", "+@all")
	srv.Do(t, "ACL", "SETUSER", "bs2", "on", ">"+oddPW, "~*", "&*", "+@all")
	keys := t.TempDir() // holds the password file, and is never searched
	oddFile := filepath.Join(keys, "password")
	if err := os.WriteFile(oddFile, []byte(oddPW+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	h := &leakHunt{}
	var runs []secretRun
	for _, s := range pwSources(t, srv.Addr(), oddFile, keys) {
		runs = append(runs, successRuns(s)...)
	}
	runs = append(runs, helpRuns(srv.Addr())...)
	runs = append(runs, failureRuns(t, srv.Addr(), oddFile)...)
	runAll(t, h, runs)
	h.report(t)
	t.Logf("%d runs in %v", len(runs), time.Since(start).Round(time.Millisecond))
}

// pwSource is one way to give the password.
type pwSource struct {
	name  string
	conn  []string // flags
	env   []string
	shown string // the URL as output shows it
}

func pwSources(t *testing.T, addr, oddFile, keys string) []pwSource {
	t.Helper()
	oddURL := "redis://" + url.UserPassword("bs2", oddPW).String() + "@" + addr
	// The config files live with the password file, in a directory never searched.
	cfg := filepath.Join(keys, "config.yaml")
	if err := os.WriteFile(cfg, []byte("current-context: file\ncontexts:\n"+
		"  url:\n    redis: '"+oddURL+"'\n"+
		"  file:\n    redis: redis://bs2@"+addr+"\n    password-file: '"+oddFile+"'\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return []pwSource{
		{"url", []string{"--redis", oddURL}, nil, "redis://bs2:xxxxx@" + addr},
		{"env", nil, []string{"REDIS_URL=redis://bs:" + plainPW + "@" + addr}, "redis://bs:xxxxx@" + addr},
		{"file", []string{"--redis", "redis://bs2@" + addr, "--password-file", oddFile}, nil, "redis://bs2@" + addr},
		{"BRIDGESCOPE_REDIS", nil, []string{"BRIDGESCOPE_REDIS=redis://bs:" + plainPW + "@" + addr}, "redis://bs:xxxxx@" + addr},
		{"context", []string{"--config", cfg, "--context", "url"}, nil, "redis://bs2:xxxxx@" + addr},
		{"context's password file", nil, []string{"BRIDGESCOPE_CONFIG=" + cfg}, "redis://bs2@" + addr},
	}
}

// successRuns runs every subcommand that connects, with s's password.
func successRuns(s pwSource) []secretRun {
	verdict := []int{ExitOK, ExitFail} // two loaded cores may FAIL a threshold; never a usage error
	run := func(name string, codes []int, want []string, during func(*cliProc) ([]byte, error), args ...string) secretRun {
		return secretRun{name: s.name + ": " + name, args: append(append([]string{args[0]}, s.conn...), args[1:]...),
			env: s.env, codes: codes, want: want, during: during}
	}
	shown := []string{s.shown}
	ch := "bridge:secrets:" + s.name + ":"
	watch := func(name string, format ...string) secretRun {
		args := append([]string{"watch", "--headless", "--duration", "3s", "--channels", ch + "w", "--log", "watch.log",
			"--metrics-addr", "127.0.0.1:0"}, format...)
		return run(name, verdict, shown, scrapeAt(1500*time.Millisecond, false), args...)
	}
	return []secretRun{
		run("validate --json", verdict, shown, nil, "validate", "--duration", "1s", "--drain", "300ms", "--json", "--channel", ch+"v1"),
		run("validate --markdown", verdict, shown, nil, "validate", "--duration", "1s", "--drain", "300ms", "--markdown", "--channel", ch+"v2"),
		run("validate --fault", verdict, append(shown, "subscription lost"), nil, "validate", "--fault", "kill-subscribers@300ms",
			"--duration", "1s", "--drain", "300ms", "--channel", ch+"v3", "--log", "validate.log"),
		watch("watch --json", "--json"),
		watch("watch --markdown", "--markdown"),
		watch("watch"),
		run("agent", []int{ExitOK}, append(shown, "acking probes"), scrapeAt(time.Second, true), "agent", "--channels", ch+"w",
			"--publish-rate", "20", "--log", "agent.log", "--metrics-addr", "127.0.0.1:0"),
		run("bench --json", []int{ExitOK}, shown, nil, "bench", "--rates", "300", "--duration", "1s", "--instances", "2", "--json"),
		// No instance answers on its channel: WARNING; the URL is in the JSON.
		run("check --format json", []int{report.CheckWarning}, shown, nil, "check", "--format", "json", "--channels", ch+"c",
			"--late-after", "200ms", "--duration", "1s", "--log", "check.log"),
		run("config view", []int{ExitOK}, shown, nil, "config", "view"),
	}
}

// helpRuns asks every subcommand for its usage with a password in REDIS_URL.
func helpRuns(addr string) []secretRun {
	env := []string{"REDIS_URL=redis://" + url.UserPassword("bs2", oddPW).String() + "@" + addr}
	runs := []secretRun{
		{name: "help", args: []string{"help"}},
		{name: "-h", args: []string{"-h"}},
	}
	for _, c := range commands {
		runs = append(runs, secretRun{name: "help " + c.Name, args: []string{"help", c.Name}},
			secretRun{name: c.Name + " -h", args: []string{c.Name, "-h"}})
	}
	for i := range runs {
		runs[i].env, runs[i].codes, runs[i].want = env, []int{ExitOK}, []string{"Usage"}
	}
	return runs
}

// failureRuns runs every subcommand that connects on every way to fail with
// a password set, and the command line on a URL given where none belongs.
func failureRuns(t *testing.T, addr, oddFile string) []secretRun {
	closed := closedPort(t)
	withPW := func(host string) string { return "redis://bs:" + plainPW + "@" + host }
	cases := []struct {
		name      string
		conn      []string
		want      string
		agentWant string // when the agent shows less: it retries before it gives up
	}{
		{"wrong password in the URL", []string{"--redis", "redis://" + url.UserPassword("bs", oddPW).String() + "@" + addr}, "redis://bs:xxxxx@" + addr, ""},
		{"wrong password in the file", []string{"--redis", "redis://bs@" + addr, "--password-file", oddFile}, "redis://bs@" + addr, ""},
		{"unreachable", []string{"--redis", withPW(closed)}, "redis://bs:xxxxx@" + closed, closed},
		{"bad port", []string{"--redis", withPW("127.0.0.1:notaport")}, "invalid Redis URL", ""},
		{"no scheme", []string{"--redis", "redis//bs:" + plainPW + "@" + addr}, "invalid Redis URL", ""},
		{"bad query", []string{"--redis", withPW(addr) + "/?sentinel_password=" + url.QueryEscape(oddPW) + "&x=%zz"}, "bridgescope: ", ""},
		// Unescaped, / ? # cut the password into the "port" and % starts a bad escape.
		{"raw odd password", []string{"--redis", "redis://bs2:" + oddPW + "@" + addr}, "invalid Redis URL", ""},
		{"raw /", []string{"--redis", "redis://bs:Sekr1t/9f@" + addr}, "invalid Redis URL", ""},
		{"raw #", []string{"--redis", "redis://bs:Sekr1t#9f@" + addr}, "invalid Redis URL", ""},
		{"raw ?", []string{"--redis", "redis://bs:Sekr1t?9f@" + addr}, "invalid Redis URL", ""},
		{"missing password file", []string{"--redis", "redis://bs@" + addr, "--password-file", oddFile + ".missing"}, "--password-file", ""},
		{"TLS flags on redis://", []string{"--redis", withPW(addr), "--tls-insecure"}, "redis://bs:xxxxx@" + addr, ""},
	}
	var runs []secretRun
	for _, c := range cases {
		for _, cmd := range [][]string{
			{"validate", "--duration", "1s"}, {"watch", "--headless", "--duration", "1s"}, {"agent"},
			{"bench", "--rates", "300", "--duration", "1s"},
		} {
			want := c.want
			if cmd[0] == "agent" && c.agentWant != "" {
				want = c.agentWant
			}
			runs = append(runs, secretRun{name: cmd[0] + ": " + c.name, args: append(append([]string{cmd[0]}, c.conn...), cmd[1:]...),
				want: []string{want}})
		}
	}
	for _, u := range []string{withPW(addr), "redis://" + url.UserPassword("bs2", oddPW).String() + "@" + addr} {
		runs = append(runs,
			secretRun{name: "URL as a stray argument", args: []string{"validate", u}, want: []string{"unexpected argument"}},
			secretRun{name: "URL as the subcommand", args: []string{u}, want: []string{"unknown subcommand"}},
			secretRun{name: "--redis= before the subcommand", args: []string{"--redis=" + u, "watch"}, want: []string{"flags go after"}},
			secretRun{name: "help URL", args: []string{"help", u}, want: []string{"unknown subcommand"}},
			secretRun{name: "demo --redis", args: []string{"demo", "--redis", u}, want: []string{"unknown flag: --redis"}},
			secretRun{name: "a bad BRIDGESCOPE_REDIS", args: []string{"validate"}, env: []string{"BRIDGESCOPE_REDIS=" + u + ":x"},
				want: []string{"BRIDGESCOPE_REDIS: invalid Redis URL"}},
		)
	}
	for i := range runs {
		runs[i].codes = []int{ExitUsage}
	}
	for _, c := range cases { // check says UNKNOWN, on stdout, as a plugin does
		want := c.want
		if want == "bridgescope: " { // the prefix of stderr's line, which nagios does not write
			want = "UNKNOWN"
		}
		for _, format := range []string{"nagios", "json"} {
			runs = append(runs, secretRun{name: "check --format " + format + ": " + c.name,
				args:  append(append([]string{"check", "--format", format}, c.conn...), "--duration", "1s", "--late-after", "200ms"),
				codes: []int{report.CheckUnknown}, want: []string{want}})
		}
	}
	return runs
}

// TestPasswordAsWrittenNeverShows: a URL echoed by a usage error is scrubbed
// of its password as the URL writes it, needless escapes and all.
func TestPasswordAsWrittenNeverShows(t *testing.T) {
	const written = "Sekr%31t-PW" // %31 is "1": no escaper writes it so
	for _, args := range [][]string{
		{"validate", "redis://bs:" + written + "@127.0.0.1:1"},
		{"--redis=redis://bs:" + written + "@127.0.0.1:1", "validate"},
		{"help", "rediss://bs:" + written + "@h:1/0?protocol=2"},
		{"redis://bs:" + written + "@127.0.0.1:1"},
	} {
		code, stdout, stderr := run(t, t.Context(), args...)
		if code != ExitUsage || strings.Contains(stdout+stderr, "Sekr") || !strings.Contains(stderr, "xxxxx") {
			t.Errorf("%q: exit %d, want %d and the URL echoed with xxxxx for its password:\n%s%s", args, code, ExitUsage, stdout, stderr)
		}
	}
}
