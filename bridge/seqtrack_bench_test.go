package bridge

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"
)

// BenchmarkAcceptStreams is the dispatcher's per-event cost with 1 and with
// 100,000 distinct (source, boot, channel) streams: with many more streams
// than the tracker keeps, every event starts a stream and evicts another.
// Issue 11 item 3: the two must stay within 2× of each other.
func BenchmarkAcceptStreams(b *testing.B) {
	for _, n := range []int{1, 100_000} {
		b.Run("streams="+strconv.Itoa(n), func(b *testing.B) { benchAcceptStreams(b, n) })
	}
}

func benchAcceptStreams(b *testing.B, streams int) {
	br, err := New(Config{InstanceID: "observer", DeliverDuplicates: true})
	if err != nil {
		b.Fatal(err)
	}
	defer br.Close()
	msgs := streamMsgs(streams, 1024)
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

// streamMsgs returns at least min ticker events cycling over streams
// distinct sources, each source's seq counting up from 1.
func streamMsgs(streams, min int) []string {
	n := max(streams, min)
	msgs := make([]string, n)
	for i := range msgs {
		msgs[i] = string(AppendEnvelope(nil, &Envelope{
			Type: "ticker", Data: json.RawMessage(`{"s":"BTCUSDT","b":"67012.10","a":"67012.20","v":"1234.5678","t":1760700000123}`),
			Timestamp: nowMs, Source: "websocket-host-" + strconv.Itoa(i%streams), Seq: uint64(i/streams + 1), Boot: "9f2c4e1a",
			SentNs: nowMs * 1e6,
		}))
	}
	return msgs
}
