package metrics

import "testing"

// TestWorstKeepsRising: an instance's Status is its worst rule's
// judgement; among equal levels the one rising higher, then sooner, wins,
// and an OK that is rising is not dropped.
func TestWorstKeepsRising(t *testing.T) {
	for _, tc := range []struct {
		name string
		js   map[string]Judgement
		want Judgement
	}{
		{"all OK", map[string]Judgement{"a": {}, "b": {}}, Judgement{}},
		{"an OK rising", map[string]Judgement{"a": {}, "b": {Rising: Warn, RisesInMs: 900}}, Judgement{Rising: Warn, RisesInMs: 900}},
		{"rising higher wins", map[string]Judgement{"a": {Rising: Warn, RisesInMs: 100}, "b": {Rising: Crit, RisesInMs: 900}}, Judgement{Rising: Crit, RisesInMs: 900}},
		{"then sooner", map[string]Judgement{"a": {Rising: Warn, RisesInMs: 900}, "b": {Rising: Warn, RisesInMs: 100}}, Judgement{Rising: Warn, RisesInMs: 100}},
		{"a level beats a rising OK", map[string]Judgement{"a": {Level: Warn}, "b": {Rising: Crit, RisesInMs: 100}}, Judgement{Level: Warn}},
		{"held beats clearing", map[string]Judgement{"a": {Level: Warn, Clearing: true, ClearsInMs: 500}, "b": {Level: Warn}}, Judgement{Level: Warn}},
		{"later clearing wins", map[string]Judgement{"a": {Level: Crit, Clearing: true, ClearsInMs: 500}, "b": {Level: Crit, Clearing: true, ClearsInMs: 4000}}, Judgement{Level: Crit, Clearing: true, ClearsInMs: 4000}},
	} {
		for range 20 { // map order varies
			if got := worst(tc.js); got != tc.want {
				t.Fatalf("%s: worst = %+v, want %+v", tc.name, got, tc.want)
			}
		}
	}
}
