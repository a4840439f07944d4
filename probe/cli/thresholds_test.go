package cli

import (
	"github.com/spf13/pflag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bridgescope/bridgescope/metrics"
)

func parseThresholds(args ...string) (metrics.Thresholds, error) {
	th := metrics.DefaultThresholds()
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	registerThresholds(fs, &th)
	if err := fs.Parse(args); err != nil {
		return th, err
	}
	return th, checkThresholds(th)
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

func TestThresholdErrorsNameTheFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--delivery-crit", "96"}, []string{"--delivery-crit 96 must be below --delivery-warn 95"}},
		{[]string{"--p99-crit", "50ms"}, []string{"--p99-crit 50ms must be above --p99-warn 100ms"}},
		{[]string{"--silent-warn", "0s", "--disconnected-crit", "0s"}, []string{"--silent-warn must be positive", "--disconnected-crit must be positive"}},
	} {
		_, err := parseThresholds(tc.args...)
		if err == nil {
			t.Errorf("%v: no error", tc.args)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %q does not contain %q", tc.args, err, w)
			}
		}
	}
}
