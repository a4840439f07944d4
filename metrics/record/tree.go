package record

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/bridgescope/bridgescope/metrics"
)

// A tree is a snapshot as decoded JSON: map[string]any, []any, json.Number,
// string, bool and nil. Numbers stay json.Number, so a tree writes back the
// very text it was read from.
type tree = any

// extras are the InstanceRow fields the snapshot's JSON leaves out
// (json:"-": the detail view's distribution, chart and changes) and a
// replay needs. They travel in each instance's object under keys no JSON
// tag of the snapshot can have.
type extras struct {
	Dist   []metrics.Bucket      `json:"~dist"`
	Chart  metrics.Series        `json:"~chart"`
	Recent []metrics.AlertChange `json:"~recent"`
}

// extraKeys are the extras' keys, removed again before a tree is read.
var extraKeys = []string{"~dist", "~chart", "~recent"}

// toTree is s as a tree: its JSON (so everything its marshalers write
// reads back the same) plus every instance's extras.
func toTree(s metrics.Snapshot) (tree, error) {
	raw, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("record: encode snapshot: %w", err)
	}
	t, err := decodeTree(raw)
	if err != nil {
		return nil, err
	}
	rows, _ := t.(map[string]any)["instances"].([]any)
	for i, in := range s.Instances {
		if i >= len(rows) {
			break
		}
		raw, err := json.Marshal(extras{Dist: in.Dist, Chart: in.Chart, Recent: in.Recent})
		if err != nil {
			return nil, fmt.Errorf("record: encode instance %d: %w", i, err)
		}
		ex, err := decodeTree(raw)
		if err != nil {
			return nil, err
		}
		row, _ := rows[i].(map[string]any)
		for k, v := range ex.(map[string]any) {
			row[k] = v
		}
	}
	return t, nil
}

// fromTree reads a snapshot back from its tree.
func fromTree(t tree) (metrics.Snapshot, error) {
	var s metrics.Snapshot
	raw, err := json.Marshal(t)
	if err != nil {
		return s, fmt.Errorf("record: re-encode tree: %w", err)
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return s, fmt.Errorf("record: decode snapshot: %w", err)
	}
	m, _ := t.(map[string]any)
	rows, _ := m["instances"].([]any)
	for i := range s.Instances {
		if i >= len(rows) {
			break
		}
		row, _ := rows[i].(map[string]any)
		ex := map[string]any{}
		for _, k := range extraKeys {
			if v, ok := row[k]; ok {
				ex[k] = v
			}
		}
		raw, err := json.Marshal(ex)
		if err != nil {
			return s, fmt.Errorf("record: re-encode instance %d: %w", i, err)
		}
		var e extras
		if err := json.Unmarshal(raw, &e); err != nil {
			return s, fmt.Errorf("record: decode instance %d: %w", i, err)
		}
		s.Instances[i].Dist, s.Instances[i].Chart, s.Instances[i].Recent = e.Dist, e.Chart, e.Recent
	}
	return s, nil
}

// decodeTree decodes one JSON value with numbers kept as written.
func decodeTree(raw []byte) (tree, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var t tree
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("record: decode: %w", err)
	}
	return t, nil
}
