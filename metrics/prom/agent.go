package prom

import "github.com/prometheus/client_golang/prometheus"

// AgentCounters are one cooperating instance's own counters, all since it
// started (a bridge.Stats reduced to what Prometheus exports).
type AgentCounters struct {
	ID, Boot, Role string
	Connected      bool // the Redis subscription is up

	Published    uint64 // events published, control messages excluded
	Received     uint64 // events handed to handlers
	Gaps         uint64 // sequence numbers still missing: loss
	Duplicates   uint64
	Late         uint64 // arrived after a later sequence number
	SelfReceived uint64 // events bearing the instance's own ID
	Collisions   uint64 // messages with its ID but another boot
	Errors       uint64 // publish errors, failed subscriptions, handler panics
	Reconnects   uint64
	Drops        uint64 // queue full
	Malformed    uint64
}

// agentCounters are AgentCounters' counters, named and described.
var agentCounters = []struct {
	name, help string
	get        func(*AgentCounters) uint64
}{
	{"agent_published_total", "Events the agent published (control messages excluded).", func(a *AgentCounters) uint64 { return a.Published }},
	{"agent_received_total", "Events handed to the agent's handlers.", func(a *AgentCounters) uint64 { return a.Received }},
	{"agent_gaps_total", "Sequence numbers the agent never received: loss.", func(a *AgentCounters) uint64 { return a.Gaps }},
	{"agent_duplicates_total", "Events the agent received more than once.", func(a *AgentCounters) uint64 { return a.Duplicates }},
	{"agent_late_total", "Events that arrived after a later one of the same stream.", func(a *AgentCounters) uint64 { return a.Late }},
	{"agent_self_received_total", "Events bearing the agent's own ID that reached its handlers.", func(a *AgentCounters) uint64 { return a.SelfReceived }},
	{"agent_collisions_total", "Messages with the agent's ID but another boot: two processes share the ID.", func(a *AgentCounters) uint64 { return a.Collisions }},
	{"agent_errors_total", "Publish errors, failed subscriptions and handler panics.", func(a *AgentCounters) uint64 { return a.Errors }},
	{"agent_reconnects_total", "Resubscriptions after a lost connection.", func(a *AgentCounters) uint64 { return a.Reconnects }},
	{"agent_drops_total", "Events dropped because the queue was full.", func(a *AgentCounters) uint64 { return a.Drops }},
	{"agent_malformed_total", "Messages refused as malformed.", func(a *AgentCounters) uint64 { return a.Malformed }},
}

// AgentCollector is a prometheus.Collector over one cooperating instance's
// counters, read at each scrape.
type AgentCollector struct {
	get             func() AgentCounters
	counters        []*prometheus.Desc // parallel to agentCounters
	info, connected *prometheus.Desc
}

// NewAgentCollector returns a collector that calls get at every scrape.
func NewAgentCollector(get func() AgentCounters) *AgentCollector {
	c := &AgentCollector{
		get:       get,
		info:      newDesc("agent_info", "The agent's instance ID, boot and role; always 1.", InstanceLabel, "boot", "role"),
		connected: newDesc("redis_connected", "1 when the Redis subscription is connected, else 0."),
	}
	for _, s := range agentCounters {
		c.counters = append(c.counters, newDesc(s.name, s.help))
	}
	return c
}

// Describe sends every descriptor the collector can emit.
func (c *AgentCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.counters {
		ch <- d
	}
	ch <- c.info
	ch <- c.connected
}

// Collect reads the counters once and sends them.
func (c *AgentCollector) Collect(ch chan<- prometheus.Metric) {
	a := c.get()
	e := emitter{ch}
	e.gauge(c.info, 1, a.ID, a.Boot, a.Role)
	e.gauge(c.connected, boolValue(a.Connected))
	for i, s := range agentCounters {
		e.counter(c.counters[i], float64(s.get(&a)))
	}
}
