package metrics_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/bridgescope/bridgescope/metrics"
)

func TestThresholdsValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*metrics.Thresholds)
		want []string
	}{
		{"delivery crit not stricter", func(th *metrics.Thresholds) { th.DeliveryCrit = 96 },
			[]string{"delivery crit 96 must be below delivery warn 95"}},
		{"delivery equal", func(th *metrics.Thresholds) { th.DeliveryCrit = 95 },
			[]string{"delivery crit 95 must be below"}},
		{"percent range", func(th *metrics.Thresholds) { th.DeliveryWarn = 101 },
			[]string{"delivery warn want a percentage between 0 and 100, got 101"}},
		{"p99 crit not stricter", func(th *metrics.Thresholds) { th.P99Crit = metrics.Duration(50 * time.Millisecond) },
			[]string{"p99 crit 50ms must be above p99 warn 100ms"}},
		{"zero and negative", func(th *metrics.Thresholds) {
			th.SilentWarn, th.DisconnectedCrit, th.Hold = 0, -1, metrics.Duration(-time.Second)
		}, []string{"silent warn must be positive", "disconnected crit must be positive", "alert hold must not be negative"}},
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
	if !strings.Contains(string(b), `"p99Warn":"100ms"`) {
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
