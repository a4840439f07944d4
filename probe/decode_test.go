package probe

import (
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/bridgescope/bridgescope/bridge"
)

// goodStats is a report as an agent sends it.
const goodStats = `{"role":"agent","intervalMs":1000,"state":"connected","published":12,"publishErrors":0,` +
	`"received":340,"selfReceived":0,"collisions":0,"errors":1,"reconnects":1,"drops":0,"malformed":2,` +
	`"gaps":3,"duplicates":0,"late":1,"acks":40,"latency":"HISTFAAAAC542pJpmSzMwMDAxQABTFCaEUQwT25nsP8AEXjOxGTJ5Mv0n40JEAAA//96nAYc"}`

const goodAck = `{"probe":{"source":"bridgescope-obs","boot":"9f2c4e1a","seq":12,"channel":"bridge:events"},"recvNs":1760700000123456789}`

func TestDecodeStats(t *testing.T) {
	r, err := DecodeStats([]byte(goodStats))
	if err != nil || r.Received != 340 || r.Role != "agent" || r.Acks != 40 {
		t.Fatalf("a good report: %+v %v", r, err)
	}
	set := func(field string, v any) string {
		var m map[string]any
		_ = json.Unmarshal([]byte(goodStats), &m)
		m[field] = v
		b, _ := json.Marshal(m)
		return string(b)
	}
	big := json.Number(strconv.FormatUint(math.MaxUint64, 10))
	for _, c := range []struct{ name, data, want string }{
		{"selfReceived 2^64-1", set("selfReceived", big), "selfReceived 18446744073709551615 is beyond 2^53"},
		{"collisions 2^63", set("collisions", json.Number("9223372036854775808")), "collisions"},
		{"received 2^53+1", set("received", json.Number("9007199254740993")), "received"},
		{"negative", set("drops", -1), "cannot unmarshal"},
		{"past uint64", set("gaps", json.Number("18446744073709551616")), "cannot unmarshal"},
		{"long role", set("role", strings.Repeat("r", MaxRoleLen+1)), "role is 65 bytes"},
		{"long state", set("state", strings.Repeat("s", MaxStateLen+1)), "state"},
		{"long lastError", set("lastError", strings.Repeat("e", MaxLastErrorLen+1)), "lastError"},
		{"long latency", set("latency", strings.Repeat("A", MaxLatencyLen+1)), "latency"},
		{"negative interval", set("intervalMs", -5), "intervalMs"},
		{"hour-long interval", set("intervalMs", maxIntervalMs+1), "intervalMs"},
		{"negative disconnected", set("disconnectedMs", -1), "disconnectedMs"},
		{"not an object", `[1,2]`, "cannot unmarshal"},
		{"not JSON", `{"role":`, "unexpected end"},
	} {
		if _, err := DecodeStats([]byte(c.data)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.want)
		}
	}
	// At the caps, everything is accepted.
	at := set("selfReceived", json.Number(strconv.FormatUint(MaxCounter, 10)))
	if _, err := DecodeStats([]byte(at)); err != nil {
		t.Errorf("a counter of exactly 2^53: %v", err)
	}
}

func TestDecodeAck(t *testing.T) {
	a, err := DecodeAck([]byte(goodAck))
	if err != nil || a.Probe.Seq != 12 || a.Probe.Channel != "bridge:events" {
		t.Fatalf("a good ack: %+v %v", a, err)
	}
	for _, c := range []struct{ name, data, want string }{
		{"seq 2^64-1", strings.Replace(goodAck, `"seq":12`, `"seq":18446744073709551615`, 1), "probe seq"},
		{"long source", strings.Replace(goodAck, `"bridgescope-obs"`, `"`+strings.Repeat("s", bridge.MaxIDLen+1)+`"`, 1), "probe source"},
		{"long boot", strings.Replace(goodAck, `"9f2c4e1a"`, `"`+strings.Repeat("b", bridge.MaxIDLen+1)+`"`, 1), "probe boot"},
		{"long channel", strings.Replace(goodAck, `"bridge:events"`, `"`+strings.Repeat("c", bridge.MaxChannelLen+1)+`"`, 1), "probe channel"},
		{"negative recvNs", strings.Replace(goodAck, `1760700000123456789`, `-1`, 1), "recvNs"},
		{"not JSON", `{"probe":`, "unexpected end"},
	} {
		if _, err := DecodeAck([]byte(c.data)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.want)
		}
	}
}

// FuzzDecodeStats: DecodeStats never panics, whatever it accepts is within
// every cap, and it encodes and decodes back to itself.
func FuzzDecodeStats(f *testing.F) {
	f.Add([]byte(goodStats))
	f.Add([]byte(`{"selfReceived":18446744073709551615}`))
	f.Add([]byte(`{"role":"\u001b[2J","final":true,"lastError":"x"}`))
	f.Add([]byte(`{"channels":["bridge:events"],"streams":[{"source":"a","boot":"b","channel":"c","maxSeq":3,"received":2,` +
		`"gaps":1,"latencyUs":{"n":2,"p50":-1.5,"p95":2,"p99":2,"max":3}}],"other":{"streams":1,"received":4}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := DecodeStats(data)
		if err != nil {
			return
		}
		if err := r.check(); err != nil {
			t.Fatalf("accepted %q beyond a cap: %v", data, err)
		}
		again, err := DecodeStats(mustJSON(t, r))
		if err != nil || !reflect.DeepEqual(again, r) {
			t.Fatalf("re-encoding of accepted %q: %+v, %v; want %+v", data, again, err, r)
		}
	})
}

// FuzzDecodeAck: DecodeAck never panics, and whatever it accepts is within
// every cap and encodes and decodes back to itself.
func FuzzDecodeAck(f *testing.F) {
	f.Add([]byte(goodAck))
	f.Add([]byte(`{"probe":{"seq":9007199254740993},"recvNs":-1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := DecodeAck(data)
		if err != nil {
			return
		}
		p := a.Probe
		if p.Seq > MaxCounter || a.RecvNs < 0 || len(p.Source) > bridge.MaxIDLen || len(p.Boot) > bridge.MaxIDLen ||
			len(p.Channel) > bridge.MaxChannelLen {
			t.Fatalf("accepted %q beyond a cap: %+v", data, a)
		}
		again, err := DecodeAck(mustJSON(t, a))
		if err != nil || again != a {
			t.Fatalf("re-encoding of accepted %q: %+v, %v; want %+v", data, again, err, a)
		}
	})
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
