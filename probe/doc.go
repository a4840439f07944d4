// Package probe is what a Go service embeds to be seen by bridgescope: the
// control wire protocol, Attach (a cooperating instance), and the Observer.
//
// An Observer joins the channels with its own instance ID, injects probes,
// reads acks and stats reports, watches every publisher passively, and runs
// an optional raw-Redis lane (Baseline); its registry turns all of it into
// snapshots on its own tick. Nothing here runs load or injects faults: that
// is probe/harness and probe/bench.
package probe
