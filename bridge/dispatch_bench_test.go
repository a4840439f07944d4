package bridge

import (
	"encoding/json"
	"testing"
	"time"
)

// BenchmarkAccept measures the dispatcher's per-message work after the
// socket: decode, echo and collision checks, sequence tracking, counters.
func BenchmarkAccept(b *testing.B) {
	// Duplicates are delivered, so the repeated seqs below cost what new ones
	// do: the tracker's check, and the copy of Data for the handler.
	br, err := New(Config{InstanceID: "observer", DeliverDuplicates: true})
	if err != nil {
		b.Fatal(err)
	}
	defer br.Close()
	msgs := make([]string, 1024)
	for i := range msgs {
		msgs[i] = string(AppendEnvelope(nil, &Envelope{
			Type: "ticker", Data: json.RawMessage(`{"s":"BTCUSDT","b":"67012.10","a":"67012.20","v":"1234.5678","t":1760700000123}`),
			Timestamp: nowMs, Source: "websocket-host-01", Seq: uint64(i + 1), Boot: "9f2c4e1a", SentNs: nowMs * 1e6,
		}))
	}
	recvNs := time.Now().UnixNano()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, mal, _ := br.accept(queued(msgs[i%len(msgs)], recvNs)); mal != nil {
			b.Fatal(mal.Reason)
		}
		i++
	}
}
