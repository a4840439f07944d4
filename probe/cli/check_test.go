package cli

import (
	"context"
	"encoding/json"
	"net"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/bridgescope/bridgescope/bridge/bridgetest"
	"github.com/bridgescope/bridgescope/metrics/report"
)

// TestCheckExitCodes runs check against a real redis-server for every
// exit code, in the nagios and json formats (and prometheus and text
// once): a healthy agent (OK), a slow one (p99 WARNING), a lossy one
// (delivery CRITICAL), each on a redis-server of its own (an observer
// probes every instance on its control channel), and a Redis that is not
// there (UNKNOWN).
func TestCheckExitCodes(t *testing.T) {
	agent := func(id string, extra ...string) string {
		url := bridgetest.Start(t).URL()
		ctx, stop := context.WithCancel(context.Background())
		p := startMain(ctx, append([]string{"agent", "--redis", url, "--id", id}, extra...)...)
		t.Cleanup(func() { stop(); <-p.done })
		p.await(t, regexp.MustCompile("acking probes"))
		return url
	}
	good := agent("good")
	// Every ack waits in one handler: 60 ms at 5 probes a second from two
	// observers is well below a backlog.
	slow := agent("slow", "--test-ack-delay", "60ms")
	lossy := agent("lossy", "--test-drop-acks", "0.5")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := "redis://" + ln.Addr().String()
	ln.Close()

	// Loose latency limits where latency is not the point: a loaded
	// machine must not turn OK into WARNING.
	loose := []string{"--p99-warn", "2s", "--p99-crit", "3s"}
	scenarios := []struct {
		name string
		code int
		args []string
		want string // in the nagios output
	}{
		{"ok", report.CheckOK, append([]string{"--redis", good, "--expect", "1", "--late-after", "500ms"}, loose...),
			"BRIDGESCOPE OK - 1 instance answered | instances=1;;1:;0 delivery=100%;95:;90:;0;100 p99="},
		{"warning", report.CheckWarning, []string{"--redis", slow, "--instances", "slow", "--late-after", "1s",
			"--probe-rate", "5", "--p99-warn", "20ms", "--p99-crit", "5s"}, "BRIDGESCOPE WARNING - 1 instance answered; slow: p99 "},
		{"critical", report.CheckCritical, append([]string{"--redis", lossy, "--expect", "1", "--late-after", "500ms"}, loose...),
			"BRIDGESCOPE CRITICAL - 1 instance answered; lossy: delivery "},
		{"unknown", report.CheckUnknown, []string{"--redis", gone, "--expect", "1"},
			"BRIDGESCOPE UNKNOWN - cannot use Redis at " + gone + ": nothing listens at that address"},
	}
	for _, sc := range scenarios {
		for _, format := range []string{"nagios", "json"} {
			t.Run(sc.name+"/"+format, func(t *testing.T) {
				t.Parallel()
				// Each observer its own ID: two sharing one are a collision.
				args := append([]string{"check", "--format", format, "--id", "check-" + sc.name + "-" + format}, sc.args...)
				code, stdout, stderr := run(t, context.Background(), args...)
				if code != sc.code {
					t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, sc.code, stdout, stderr)
				}
				if format == "nagios" {
					if !strings.HasPrefix(stdout, sc.want) {
						t.Errorf("stdout:\n%s\nwant it to begin %q", stdout, sc.want)
					}
					return
				}
				checkSchema(t, "check", []byte(stdout))
				var rep struct {
					SchemaVersion int
					Status        string
					Code          int
					Instances     []struct{ ID string }
					Perfdata      []map[string]any
				}
				if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
					t.Fatalf("stdout is not one JSON object: %v\n%s", err, stdout)
				}
				status := []string{"OK", "WARNING", "CRITICAL", "UNKNOWN"}[sc.code]
				if rep.SchemaVersion != report.SchemaVersion || rep.Status != status || rep.Code != sc.code {
					t.Errorf("schemaVersion %d status %q code %d, want %d %q %d", rep.SchemaVersion, rep.Status, rep.Code,
						report.SchemaVersion, status, sc.code)
				}
				if sc.code != report.CheckUnknown && (len(rep.Instances) != 1 || len(rep.Perfdata) < 5) {
					t.Errorf("instances %v perfdata %v", rep.Instances, rep.Perfdata)
				}
			})
		}
	}
	t.Run("prometheus", func(t *testing.T) {
		t.Parallel()
		code, stdout, stderr := run(t, context.Background(), append([]string{"check", "--format", "prometheus", "--id", "check-prom"}, scenarios[2].args...)...)
		parser := expfmt.NewTextParser(model.UTF8Validation)
		fams, err := parser.TextToMetricFamilies(strings.NewReader(stdout))
		if code != report.CheckCritical || err != nil {
			t.Fatalf("exit %d, parse %v\n%s\n%s", code, err, stdout, stderr)
		}
		if v, _ := sample(fams, "bridgescope_check_status", nil); v != 2 {
			t.Errorf("bridgescope_check_status %v, want 2", v)
		}
		if fams["bridgescope_instance_round_trip_seconds"] == nil || fams["bridgescope_alert"] == nil {
			t.Errorf("the final snapshot's metrics are missing:\n%s", stdout)
		}
	})
	t.Run("text per-instance", func(t *testing.T) {
		t.Parallel()
		code, stdout, _ := run(t, context.Background(), append([]string{"check", "--format", "text", "--id", "check-text"}, scenarios[0].args...)...)
		if code != report.CheckOK || !strings.Contains(stdout, "bridgescope check: OK - 1 instance answered") {
			t.Errorf("exit %d:\n%s", code, stdout)
		}
		code, stdout, _ = run(t, context.Background(), append([]string{"check", "--per-instance", "--id", "check-text"}, scenarios[0].args...)...)
		if lines := strings.Split(stdout, "\n"); code != report.CheckOK || len(lines) < 3 || !strings.HasPrefix(lines[1], "good OK delivery 100.0%") ||
			!strings.Contains(lines[1], " | 'good delivery'=100%;95:;90:;0;100") {
			t.Errorf("exit %d, per instance:\n%s", code, stdout)
		}
	})
}

// TestCheckConfigErrors: a bad flag or configuration is UNKNOWN, said on
// stdout in the format asked (nagios when the format itself is wrong).
func TestCheckConfigErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--bogus"}, "BRIDGESCOPE UNKNOWN - check: unknown flag: --bogus"},
		{[]string{"--format", "xml"}, "BRIDGESCOPE UNKNOWN - --format must be one of nagios, json, prometheus, text"},
		{[]string{"--duration", "1s"}, "BRIDGESCOPE UNKNOWN - --duration must be within 2.8s"},
		{[]string{"--expect", "-1", "--delivery-crit", "99"}, "--expect must be within 0..1024"},
		{[]string{"--redis", "redis://:s3cret@127.0.0.1:1", "--format", "json"}, `"status": "UNKNOWN"`},
	} {
		code, stdout, stderr := run(t, context.Background(), append([]string{"check"}, c.args...)...)
		if code != report.CheckUnknown || !strings.Contains(stdout, c.want) || strings.Contains(stdout+stderr, "s3cret") {
			t.Errorf("%v: exit %d\nstdout %q\nstderr %q\nwant %d and %q", c.args, code, stdout, stderr, report.CheckUnknown, c.want)
		}
	}
	if code, stdout, _ := run(t, context.Background(), "check", "-h"); code != ExitOK || !strings.Contains(stdout, "3 UNKNOWN") {
		t.Errorf("check -h: exit %d\n%s", code, stdout)
	}
}
