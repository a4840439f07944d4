package bridge

import (
	"encoding/json"
	"testing"
)

// FuzzDecode: Decode never panics, and whatever it accepts is an envelope
// that encodes and decodes back to itself.
func FuzzDecode(f *testing.F) {
	f.Add(event200)
	f.Add(`{"type":"trade","data":{"p":"1.5"},"timestamp":1760700000100,"source":48211}`)
	f.Add(`{"type":"t","source":"a","seq":-3}`)
	f.Add(`{"typ\u0065":"a","source":"b","data":[{"x":"]}"}]}`)
	f.Fuzz(func(t *testing.T, wire string) {
		env, reason := Decode(wire, DefaultMaxPayload, nowMs)
		if reason != "" {
			return
		}
		if env.Type == "" || env.Source == "" {
			t.Fatalf("accepted without type or source: %q", wire)
		}
		if len(env.Data) > 0 && !json.Valid(env.Data) {
			t.Fatalf("accepted invalid data %q from %q", env.Data, wire)
		}
		again, r2 := Decode(string(AppendEnvelope(nil, &env)), DefaultMaxPayload, nowMs)
		if r2 != "" {
			t.Fatalf("re-encoding of accepted %q refused: %s", wire, r2)
		}
		if again.Type != env.Type || again.Source != env.Source || again.Seq != env.Seq || again.Boot != env.Boot {
			t.Fatalf("re-encoding changed %+v into %+v", env, again)
		}
	})
}
