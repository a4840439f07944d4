package metrics

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkRegistryRecord measures recording one sample, without the
// snapshot: one instance's ack of a probe (50 instances ack each probe, as
// on a 50-instance screen), and one event seen passively on a data channel
// (the observer's per-event path), and one raw-lane event (watch --baseline).
func BenchmarkRegistryRecord(b *testing.B) {
	const n = 50
	now := time.Unix(1_760_700_000, 0)
	ids, boots := make([]string, n), make([]string, n)
	for i := range ids {
		ids[i], boots[i] = fmt.Sprintf("bot-%02d", i), fmt.Sprintf("boot-%02d", i)
	}
	b.Run("ack", func(b *testing.B) {
		r := NewRegistry(RegistryConfig{Observer: "obs", Thresholds: DefaultThresholds()}, now)
		for i, id := range ids {
			r.Report(id, boots[i], InstanceReport{}, now)
		}
		// A window of pending probes as at 10 probes/s with a 2 s late-after;
		// each probe, once all 50 acked it, makes room for the next one. That
		// churn, one ProbeSent and one withdrawal per 50 acks, is timed too.
		const window = 20
		for k := range window {
			r.ProbeSent(ProbeKey{"bridge:events", uint64(k + 1)}, now.UnixNano())
		}
		sent := now.UnixNano()
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			seq := uint64(i/n + 1)
			r.Ack(ids[i%n], boots[i%n], ProbeKey{"bridge:events", seq}, sent+500_000, sent+int64(i%900+100)*1000)
			if i++; i%n == 0 {
				r.ProbeFailed(ProbeKey{"bridge:events", seq})
				r.ProbeSent(ProbeKey{"bridge:events", seq + window}, sent)
				r.queue = r.queue[:0] // Snapshot would settle it; it is not timed here
			}
		}
	})
	b.Run("event", func(b *testing.B) {
		r := NewRegistry(RegistryConfig{Observer: "obs", Thresholds: DefaultThresholds()}, now)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			at := now.Add(time.Duration(i) * 20 * time.Microsecond) // 50k events/s
			r.Event(SourceEvent{Source: ids[i%n], Boot: "boot", HasSeq: true, OneWay: time.Duration(i%900+100) * time.Microsecond}, at)
			i++
		}
	})
	b.Run("baseline", func(b *testing.B) { // one raw-lane event: sent, then read back
		r := NewRegistry(RegistryConfig{Observer: "obs", Thresholds: DefaultThresholds()}, now)
		r.SetBaseline("raw")
		b.ReportAllocs()
		var seq uint32
		for b.Loop() {
			seq++
			sent := now.UnixNano() + int64(seq)*100_000
			r.BaselineSent(seq, sent)
			r.BaselineSample(seq, sent, sent+int64(seq%900+100)*1000)
			if seq%64 == 0 {
				r.base.queue = r.base.queue[:0] // Snapshot would settle it; it is not timed here
			}
		}
	})
}

// TestHeardKeepsCurrentBootLive: an instance acking every 100 ms for 10 s
// stays one live boot although most acks skip the boots map; a second
// boot next to it makes two.
func TestHeardKeepsCurrentBootLive(t *testing.T) {
	now := time.Unix(1_760_700_000, 0)
	r := NewRegistry(RegistryConfig{Observer: "obs", Thresholds: DefaultThresholds()}, now)
	for i := range 100 {
		k := ProbeKey{"bridge:events", uint64(i + 1)}
		r.ProbeSent(k, now.UnixNano())
		r.Ack("a", "boot-1", k, now.UnixNano(), now.Add(time.Millisecond).UnixNano())
		now = now.Add(100 * time.Millisecond)
	}
	in := r.instances["a"]
	if got := in.liveBoots(now.Add(2900 * time.Millisecond)); got != 1 {
		t.Errorf("2.9 s after the last ack: %d live boots, want 1", got)
	}
	if got := in.liveBoots(now.Add(3200 * time.Millisecond)); got != 0 {
		t.Errorf("3.2 s after the last ack: %d live boots, want 0", got)
	}
	r.Ack("a", "boot-2", ProbeKey{"bridge:events", 100}, now.UnixNano(), now.UnixNano())
	r.Ack("a", "boot-1", ProbeKey{"bridge:events", 100}, now.UnixNano(), now.Add(time.Millisecond).UnixNano())
	if got := in.liveBoots(now.Add(time.Second)); got != 2 {
		t.Errorf("two boots acking: %d live boots, want 2", got)
	}
}
