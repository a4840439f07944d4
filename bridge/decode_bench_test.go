package bridge

import (
	"encoding/json"
	"testing"
)

// event200 is a 200-byte ticker event as the bridge sends it.
var event200 = string(AppendEnvelope(nil, &Envelope{
	Type: "ticker", Data: json.RawMessage(`{"s":"BTCUSDT","b":"67012.10","a":"67012.20","v":"1234.5678","t":1760700000123}`),
	Timestamp: nowMs, Source: "websocket-host-01", Seq: 1234567, Boot: "9f2c4e1a", SentNs: nowMs * 1e6,
}))

// BenchmarkDecode is the observer's hot path; BenchmarkDecodeStdlib is the
// encoding/json baseline it is measured against in the same run.
func BenchmarkDecode(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(event200)))
	for b.Loop() {
		if _, r := Decode(event200, DefaultMaxPayload, nowMs); r != "" {
			b.Fatal(r)
		}
	}
}

func BenchmarkDecodeStdlib(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(event200)))
	for b.Loop() {
		var e Envelope
		if err := json.Unmarshal([]byte(event200), &e); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	env := Envelope{Type: "ticker", Data: json.RawMessage(`{"s":"BTCUSDT"}`), Timestamp: nowMs, Source: "websocket-host-01", Seq: 1, Boot: "9f2c4e1a", SentNs: nowMs * 1e6}
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendEnvelope(buf[:0], &env)
	}
}
