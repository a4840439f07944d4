// Package metrics owns bridgescope's numbers: latency histograms, the registry
// of what the observer learns, its Snapshot value, and the one judge of levels.
//
// The registry moves on Tick alone (probes settle, alert rules are fed), and
// a Snapshot is a pure read of it: the dashboard, a scrape and a report may
// read at any rate without moving an alert. Rendering lives in metrics/report.
package metrics
