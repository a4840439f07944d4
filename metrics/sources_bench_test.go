package metrics

import (
	"strconv"
	"testing"
	"time"
)

// BenchmarkEventSources is the registry's per-event cost for passive
// traffic from 1 and from 100,000 distinct sources (each with its own
// stream): with far more sources than the table keeps, every event is a
// newcomer that evicts another. Issue 15: the two within 2× of each other.
func BenchmarkEventSources(b *testing.B) {
	for _, n := range []int{1, 100_000} {
		b.Run("sources="+strconv.Itoa(n), func(b *testing.B) { benchEventSources(b, n) })
	}
}

func benchEventSources(b *testing.B, sources int) {
	now := time.Unix(1_760_700_000, 0)
	r := NewRegistry(RegistryConfig{Observer: "obs", Thresholds: DefaultThresholds()}, now)
	ids := make([]string, sources)
	for i := range ids {
		ids[i] = "websocket-host-" + strconv.Itoa(i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		at := now.Add(time.Duration(i) * 20 * time.Microsecond) // 50k events/s
		r.Event(SourceEvent{Source: ids[i%sources], Boot: "9f2c4e1a", Channel: "bridge:events", Seq: uint64(i/sources + 1),
			HasSeq: true, OneWay: time.Duration(i%900+100) * time.Microsecond}, at)
		i++
	}
}
