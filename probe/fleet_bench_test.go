package probe

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/metrics"
)

// fleetSize and fleetProbeRate are issue 15's scale case: 1,000 cooperating
// instances, probes at 10/s.
const (
	fleetSize      = 1000
	fleetProbeRate = 10
	fleetRefresh   = 4 // snapshots a second: the observer's 250 ms refresh
)

// BenchmarkObserverFleet1000 is one second of the observer's own work with
// 1,000 cooperating instances in this process: 10 probes, each acked by every
// instance (10,000 acks), 1,000 stats reports, each decoded from the wire
// (bridge.Decode) and handled as the observer's handlers do, and 4 refresh
// ticks with their snapshots. An op is a second of that traffic, so
// core-% (ns/op ÷ 10⁷) is the share of one core the observer needs for it
// (issue 15: below 50 %). What is not in it: the socket reads (bench's
// observer lane measures those against a bare subscriber) and the agents'
// encoding, which is done with the timer stopped.
func BenchmarkObserverFleet1000(b *testing.B) {
	o, err := NewObserver(ObserverConfig{Conn: bridge.ConnConfig{URL: "redis://127.0.0.1:1"}, ID: "obs-fleet"})
	if err != nil {
		b.Fatal(err)
	}
	defer o.b.Close()
	ids := make([]string, fleetSize)
	for i := range ids {
		ids[i] = fmt.Sprintf("bot-%04d", i)
	}
	now := time.Unix(1_760_700_000, 0)
	var seq uint64
	var published uint64
	second := func(timed bool) {
		if timed {
			b.StopTimer()
		}
		acks, keys, sent := fleetAcks(o, ids, &seq, now)
		published += 10
		stats := fleetStats(ids, published)
		if timed {
			b.StartTimer()
		}
		for p := range keys {
			o.reg.ProbeSent(keys[p], sent[p])
			for i := range ids {
				handleWire(b, acks[p][i], now.Add(time.Duration(p)*100*time.Millisecond+time.Millisecond), o.onAck)
			}
		}
		for i := range ids {
			handleWire(b, stats[i], now.Add(time.Duration(i)*time.Millisecond), o.onStats)
		}
		for t := range fleetRefresh {
			at := now.Add(time.Duration(t+1) * time.Second / fleetRefresh)
			o.tick(at)
			o.reg.Snapshot(at)
		}
		now = now.Add(time.Second)
	}
	// One second first, untimed: the table's growth to 1,000 rows is not the
	// steady cost, and with ops this long b.N is small enough for it to
	// dominate (70 core-% at N=2, 25–35 % at N=10).
	second(false)
	b.ReportAllocs()
	for b.Loop() {
		second(true)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e7, "core-%")
	snap := o.reg.Snapshot(now)
	if len(snap.Instances) != fleetSize || snap.Instances[0].RTT.Count == 0 {
		b.Fatalf("the observer sees %d instances (want %d), the first with %d round trips", len(snap.Instances), fleetSize,
			snap.Instances[0].RTT.Count)
	}
}

// handleWire decodes payload as the bridge does and hands the event to h.
func handleWire(b *testing.B, payload string, at time.Time, h func(bridge.Event)) {
	env, reason := bridge.Decode(payload, bridge.DefaultMaxPayload, at.UnixMilli())
	if reason != "" {
		b.Fatal(reason)
	}
	h(bridge.Event{Channel: bridge.DefaultChannel, Envelope: env, RecvNs: at.UnixNano(), Size: len(payload)})
}

// fleetAcks is a second of acks: for each of the second's probes, every
// instance's ack of it, as encoded on the wire.
func fleetAcks(o *Observer, ids []string, seq *uint64, now time.Time) (acks [][]string, keys []metrics.ProbeKey, sent []int64) {
	for p := range fleetProbeRate {
		*seq++
		at := now.Add(time.Duration(p) * time.Second / fleetProbeRate)
		keys, sent = append(keys, metrics.ProbeKey{Channel: bridge.DefaultChannel, Seq: *seq}), append(sent, at.UnixNano())
		ref := ProbeRef{Source: o.cfg.ID, Boot: o.b.Boot(), Seq: *seq, Channel: bridge.DefaultChannel}
		row := make([]string, len(ids))
		for i, id := range ids {
			data, _ := json.Marshal(AckData{Probe: ref, RecvNs: at.Add(500 * time.Microsecond).UnixNano()})
			row[i] = string(bridge.AppendEnvelope(nil, &bridge.Envelope{Type: TypeAck, Data: data,
				Timestamp: at.UnixMilli(), Source: id, Seq: *seq, Boot: "b00t", SentNs: at.UnixNano()}))
		}
		acks = append(acks, row)
	}
	return acks, keys, sent
}

// fleetStats is each instance's report of the second.
func fleetStats(ids []string, published uint64) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		data, _ := json.Marshal(StatsReport{Role: "agent", IntervalMs: 1000, State: "connected", Published: published,
			Received: published * 9, Acks: published, Channels: []string{bridge.DefaultChannel}})
		out[i] = string(bridge.AppendEnvelope(nil, &bridge.Envelope{Type: TypeStats, Data: data,
			Timestamp: 1_760_700_000_000, Source: id, Boot: "b00t"}))
	}
	return out
}
