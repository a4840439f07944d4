package bridge

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const nowMs = int64(1760700000123)

func TestDecodeRoundTrip(t *testing.T) {
	in := Envelope{
		Type: "ticker", Data: json.RawMessage(`{"s":"BTCUSDT","p":[1,2.5,"x"]}`),
		Timestamp: nowMs, Source: "websocket-host \"quoted\" ü", Seq: 42, Boot: "9f2c4e1a",
		SentNs: nowMs*1e6 + 456789,
	}
	wire := string(AppendEnvelope(nil, &in))
	// encoding/json must read what we write.
	var std Envelope
	if err := json.Unmarshal([]byte(wire), &std); err != nil {
		t.Fatalf("encoding/json cannot read %s: %v", wire, err)
	}
	out, reason := Decode(wire, DefaultMaxPayload, nowMs)
	if reason != "" {
		t.Fatalf("Decode(%s) refused: %s", wire, reason)
	}
	if diff := cmp.Diff(in, out); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(in, std); diff != "" {
		t.Errorf("encoding/json reading (-want +got):\n%s", diff)
	}
}

func TestDecodeSeedEnvelope(t *testing.T) {
	// The seed's bridge: no seq, boot or sentNs, and source = process.pid.
	for _, tc := range []struct{ wire, source string }{
		{`{"type":"trade","data":{"p":"1.5"},"timestamp":1760700000100,"source":48211}`, "48211"},
		{`{"type":"trade","data":null,"timestamp":1760700000100,"source":"test-instance-2"}`, "test-instance-2"},
		{`{"source":7,"type":"trade","timestamp":1.7607e12}`, "7"},
	} {
		env, reason := Decode(tc.wire, DefaultMaxPayload, nowMs)
		if reason != "" {
			t.Fatalf("Decode(%s): %s", tc.wire, reason)
		}
		if env.Source != tc.source || env.Type != "trade" || env.Seq != 0 || env.Boot != "" {
			t.Errorf("Decode(%s) = %+v", tc.wire, env)
		}
	}
}

func TestDecodeMalformed(t *testing.T) {
	deep := strings.Repeat("[", 10000) + strings.Repeat("]", 10000)
	for _, tc := range []struct {
		name, wire string
		want       Reason
		source     string // readable source, if any
	}{
		{"not json", `hello`, ReasonNotJSON, ""},
		{"truncated", `{"type":"ticker","source":"a"`, ReasonNotJSON, ""},
		{"empty", ``, ReasonEmpty, ""},
		{"blank", " \n\t", ReasonEmpty, ""},
		{"array", `[1,2]`, ReasonNotObject, ""},
		{"string", `"type"`, ReasonNotObject, ""},
		{"invalid utf8", "{\"type\":\"t\xff\",\"source\":\"a\"}", ReasonInvalidUTF8, ""},
		{"deep data", `{"type":"t","source":"a","data":` + deep + `}`, ReasonTooDeep, ""},
		{"missing type", `{"source":"a","timestamp":1}`, ReasonMissingType, "a"},
		{"empty type", `{"type":"","source":"a"}`, ReasonMissingType, "a"},
		{"type number", `{"type":5,"source":"a"}`, ReasonBadType, "a"},
		{"type object", `{"type":{"x":1},"source":"a"}`, ReasonBadType, "a"},
		{"missing source", `{"type":"t"}`, ReasonMissingSource, ""},
		{"source bool", `{"type":"t","source":true}`, ReasonBadSource, ""},
		{"source float", `{"type":"t","source":1.5}`, ReasonBadSource, ""},
		{"ansi in source", `{"type":"t","source":"\u001b[2Jevil"}`, ReasonBadSource, ""},
		{"ansi in type", `{"type":"\u001b]0;pwn\u0007","source":"a"}`, ReasonBadType, "a"},
		{"huge source", `{"type":"t","source":"` + strings.Repeat("x", MaxIDLen+1) + `"}`, ReasonBadSource, ""},
		{"timestamp string", `{"type":"t","source":"a","timestamp":"1760700000123"}`, ReasonBadTimestamp, "a"},
		{"timestamp negative", `{"type":"t","source":"a","timestamp":-5}`, ReasonBadTimestamp, "a"},
		{"timestamp fraction", `{"type":"t","source":"a","timestamp":17.5}`, ReasonBadTimestamp, "a"},
		{"timestamp future", `{"type":"t","source":"a","timestamp":1860700000123}`, ReasonFutureTimestamp, "a"},
		{"seq string", `{"type":"t","source":"a","seq":"3"}`, ReasonBadSeq, "a"},
		{"seq negative", `{"type":"t","source":"a","seq":-3}`, ReasonBadSeq, "a"},
		{"boot number", `{"type":"t","source":"a","boot":12}`, ReasonBadBoot, "a"},
		{"sentNs string", `{"type":"t","source":"a","sentNs":"x"}`, ReasonBadSentNs, "a"},
		{"oversize", `{"type":"t","source":"a","data":"` + strings.Repeat("x", 2048) + `"}`, ReasonOversize, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			max := DefaultMaxPayload
			if tc.want == ReasonOversize {
				max = 1024
			}
			env, reason := Decode(tc.wire, max, nowMs)
			if reason != tc.want {
				t.Fatalf("Decode(%.60q) = %q, want %q", tc.wire, reason, tc.want)
			}
			if env.Source != tc.source {
				t.Errorf("source = %q, want %q", env.Source, tc.source)
			}
		})
	}
}

func TestDecodeEscapedFields(t *testing.T) {
	env, reason := Decode(`{"typ\u0065":"a\"b","source":"x\/y","data":{"k":"}]\"["}}`, DefaultMaxPayload, nowMs)
	if reason != "" {
		t.Fatal(reason)
	}
	if env.Type != `a"b` || env.Source != "x/y" || string(env.Data) != `{"k":"}]\"["}` {
		t.Errorf("got %+v data %s", env, env.Data)
	}
}

func TestBadURLErrorHasNoPassword(t *testing.T) {
	for _, u := range []string{"redis://:s3cret@127.0.0.1:notaport", "http://u:s3cret@h:1", "redis://u:s3cret@h:1/notadb"} {
		_, err := New(Config{Conn: ConnConfig{URL: u}})
		if err == nil {
			t.Fatalf("New(%q) accepted a bad URL", u)
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("error leaks the password: %v", err)
		}
	}
}

func TestUnparseableURLWithPasswordQuotesNothing(t *testing.T) {
	for _, u := range []string{"redis://bs:Sekr1t/9f@h:1", "redis://bs:Sek#r1t@h:1", "redis://bs:Zebra%Quail@Hx/42 #"} {
		_, err := New(Config{Conn: ConnConfig{URL: u}})
		if err == nil {
			t.Fatalf("New(%q) accepted it", u)
		}
		for _, frag := range []string{"Sekr1t", "Sek", "Zebra", "Quail"} {
			if strings.Contains(err.Error(), frag) {
				t.Errorf("error for %q shows %q: %v", u, frag, err)
			}
		}
	}
}
