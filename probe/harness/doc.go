// Package harness runs N bridge instances in one process against one Redis: the
// validate run, its injected faults, and the ground-truth accounting of both.
//
// Every instance publishes and receives; each event must reach exactly the
// N−1 others. Sender and receiver share one clock, so latencies are exact.
package harness
