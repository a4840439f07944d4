package metrics_test

import (
	"encoding/json"
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bridgescope/bridgescope/metrics"
)

func parseThresholds(args ...string) (metrics.Thresholds, error) {
	th := metrics.DefaultThresholds()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	th.RegisterFlags(fs)
	return th, fs.Parse(args)
}

func TestThresholdsDefaultsAndFlags(t *testing.T) {
	th, err := parseThresholds()
	if err != nil {
		t.Fatal(err)
	}
	want := metrics.Thresholds{
		DeliveryWarn: 95, DeliveryCrit: 90,
		P99Warn: metrics.Duration(100 * time.Millisecond), P99Crit: metrics.Duration(500 * time.Millisecond),
		SilentWarn: metrics.Duration(10 * time.Second), DisconnectedCrit: metrics.Duration(30 * time.Second),
		Hold: metrics.Duration(3 * time.Second),
	}
	if d := cmp.Diff(want, th); d != "" {
		t.Errorf("defaults (-want +got):\n%s", d)
	}
	if err := th.Validate(); err != nil {
		t.Errorf("defaults do not validate: %v", err)
	}

	th, err = parseThresholds("--delivery-warn", "99.5%", "--delivery-crit=97", "--p99-warn", "2ms",
		"--p99-crit", "1.5s", "--silent-warn", "1m", "--disconnected-crit", "5s", "--alert-hold", "0")
	if err != nil {
		t.Fatal(err)
	}
	want = metrics.Thresholds{
		DeliveryWarn: 99.5, DeliveryCrit: 97,
		P99Warn: metrics.Duration(2 * time.Millisecond), P99Crit: metrics.Duration(1500 * time.Millisecond),
		SilentWarn: metrics.Duration(time.Minute), DisconnectedCrit: metrics.Duration(5 * time.Second),
	}
	if d := cmp.Diff(want, th); d != "" {
		t.Errorf("parsed (-want +got):\n%s", d)
	}
	if err := th.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestThresholdsBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--p99-warn", "abc"}, []string{"p99-warn", `want a duration like 100ms, got "abc"`}},
		{[]string{"--p99-crit", "500"}, []string{"p99-crit", `want a duration like 100ms, got "500"`}},
		{[]string{"--alert-hold", "-1s"}, []string{"alert-hold", "zero or more"}},
		{[]string{"--delivery-warn", "x"}, []string{"delivery-warn", `want a percentage like 95 or 99.5, got "x"`}},
		{[]string{"--delivery-crit", "150"}, []string{"delivery-crit", "between 0 and 100, got 150"}},
		{[]string{"--delivery-crit", "NaN"}, []string{"delivery-crit", "between 0 and 100"}},
	} {
		_, err := parseThresholds(tc.args...)
		if err == nil {
			t.Errorf("%v: parsed without error", tc.args)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %q does not contain %q", tc.args, err, w)
			}
		}
	}
}

func TestThresholdsValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*metrics.Thresholds)
		want []string
	}{
		{"delivery crit not stricter", func(th *metrics.Thresholds) { th.DeliveryCrit = 96 },
			[]string{"--delivery-crit 96 must be below --delivery-warn 95"}},
		{"delivery equal", func(th *metrics.Thresholds) { th.DeliveryCrit = 95 },
			[]string{"--delivery-crit 95 must be below"}},
		{"percent range", func(th *metrics.Thresholds) { th.DeliveryWarn = 101 },
			[]string{"--delivery-warn: want a percentage between 0 and 100, got 101"}},
		{"p99 crit not stricter", func(th *metrics.Thresholds) { th.P99Crit = metrics.Duration(50 * time.Millisecond) },
			[]string{"--p99-crit 50ms must be above --p99-warn 100ms"}},
		{"zero and negative", func(th *metrics.Thresholds) {
			th.SilentWarn, th.DisconnectedCrit, th.Hold = 0, -1, metrics.Duration(-time.Second)
		}, []string{"--silent-warn must be positive", "--disconnected-crit must be positive", "--alert-hold must not be negative"}},
	} {
		th := metrics.DefaultThresholds()
		tc.edit(&th)
		err := th.Validate()
		if err == nil {
			t.Errorf("%s: validated", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not contain %q", tc.name, err, w)
			}
		}
	}
}

func TestThresholdsJSON(t *testing.T) {
	b, err := json.Marshal(metrics.DefaultThresholds())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"P99Warn":"100ms"`) {
		t.Errorf("JSON %s does not show durations as text", b)
	}
	var back metrics.Thresholds
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(metrics.DefaultThresholds(), back); d != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", d)
	}
	if err := json.Unmarshal([]byte(`{"Hold":"soon"}`), &back); err == nil {
		t.Error(`Hold "soon" unmarshalled`)
	}
}

func TestLevel(t *testing.T) {
	type doc struct{ L metrics.Level }
	for _, tc := range []struct {
		l    metrics.Level
		json string
	}{{metrics.OK, `{"L":"OK"}`}, {metrics.Warn, `{"L":"WARN"}`}, {metrics.Crit, `{"L":"CRIT"}`}} {
		b, err := json.Marshal(doc{tc.l})
		if err != nil || string(b) != tc.json {
			t.Errorf("Marshal(%v) = %s, %v; want %s", tc.l, b, err, tc.json)
		}
		var back doc
		if err := json.Unmarshal(b, &back); err != nil || back.L != tc.l {
			t.Errorf("Unmarshal(%s) = %v, %v", b, back.L, err)
		}
	}
	var zero metrics.Level
	if zero != metrics.OK || !(metrics.OK < metrics.Warn && metrics.Warn < metrics.Crit) {
		t.Error("levels are not ordered OK < WARN < CRIT with OK zero")
	}
	var back doc
	if err := json.Unmarshal([]byte(`{"L":"critical"}`), &back); err != nil || back.L != metrics.Crit {
		t.Errorf(`"critical" = %v, %v`, back.L, err)
	}
	if err := json.Unmarshal([]byte(`{"L":"BAD"}`), &back); err == nil {
		t.Error(`"BAD" unmarshalled`)
	}
	if _, err := json.Marshal(doc{metrics.Level(7)}); err == nil {
		t.Error("Level(7) marshalled")
	}
	if s := metrics.Level(7).String(); s != "Level(7)" {
		t.Errorf("Level(7).String() = %q", s)
	}
}
