// Package metrics owns bridgescope's numbers: latency histograms, delivery accounting,
// alert rules with hold and hysteresis, snapshots, and the text/Markdown/JSON reporters.
package metrics
