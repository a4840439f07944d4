// Package prom exports bridgescope's numbers to Prometheus: collectors over the observer's
// Snapshot, an agent's counters and a validate run's progress, and a /metrics server.
package prom
