package prom

import (
	"sync/atomic"
	"testing"
	"time"
)

func TestAgentCollector(t *testing.T) {
	var scrapes atomic.Int64
	get := func() AgentCounters {
		n := uint64(scrapes.Add(1))
		return AgentCounters{ID: "bot-1", Boot: "9f2c", Role: "agent", Connected: n > 1,
			Published: 100 * n, Received: 2, Gaps: 3, Duplicates: 4, Late: 5, SelfReceived: 6,
			Collisions: 7, Errors: 8, Reconnects: 9, Drops: 10, Malformed: 11}
	}
	c := NewAgentCollector(get)
	_, first := scrape(t, c)
	_, fams := scrape(t, c)
	if value(t, first, "bridgescope_redis_connected", nil) != 0 || value(t, first, "bridgescope_agent_published_total", nil) != 100 {
		t.Error("first scrape does not show the first reading")
	}
	for name, want := range map[string]float64{
		"bridgescope_redis_connected":           1,
		"bridgescope_agent_published_total":     200, // read at scrape time, not cached
		"bridgescope_agent_received_total":      2,
		"bridgescope_agent_gaps_total":          3,
		"bridgescope_agent_duplicates_total":    4,
		"bridgescope_agent_late_total":          5,
		"bridgescope_agent_self_received_total": 6,
		"bridgescope_agent_collisions_total":    7,
		"bridgescope_agent_errors_total":        8,
		"bridgescope_agent_reconnects_total":    9,
		"bridgescope_agent_drops_total":         10,
		"bridgescope_agent_malformed_total":     11,
	} {
		if got := value(t, fams, name, nil); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	info := map[string]string{InstanceLabel: "bot-1", "boot": "9f2c", "role": "agent"}
	if value(t, fams, "bridgescope_agent_info", info) != 1 {
		t.Error("agent_info is not 1")
	}
}

func TestValidateCollector(t *testing.T) {
	p := ValidateProgress{Instances: 3, Duration: 20 * time.Second}
	c := NewValidateCollector(func() ValidateProgress { return p })
	_, fams := scrape(t, c)
	if fams["bridgescope_validate_delivery_ratio"] != nil {
		t.Error("delivery ratio exported before anything was expected")
	}
	if value(t, fams, "bridgescope_validate_instances", nil) != 3 || value(t, fams, "bridgescope_validate_duration_seconds", nil) != 20 {
		t.Error("instances or duration wrong")
	}
	p = ValidateProgress{Instances: 3, Duration: 20 * time.Second, Elapsed: 2500 * time.Millisecond,
		Published: 100, Expected: 200, Received: 190}
	_, fams = scrape(t, c)
	for name, want := range map[string]float64{
		"bridgescope_validate_elapsed_seconds": 2.5,
		"bridgescope_validate_published_total": 100,
		"bridgescope_validate_expected_total":  200,
		"bridgescope_validate_received_total":  190,
		"bridgescope_validate_delivery_ratio":  0.95,
	} {
		if got := value(t, fams, name, nil); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	p.Received = 201 // counted before its publish returned
	if _, fams = scrape(t, c); value(t, fams, "bridgescope_validate_delivery_ratio", nil) != 1 {
		t.Error("delivery ratio above 1")
	}
}
