package bridge

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"
)

var testKey = []byte("0123456789abcdef-test-control-key")

// signedBridge is a bridge with testKey (or key), not started.
func signedBridge(t testing.TB, id string, key []byte) *Bridge {
	t.Helper()
	b, err := New(Config{InstanceID: id, ControlKey: key, DeliverDuplicates: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// wire is what b would publish on channel: numbered, stamped and signed
// as Publish does.
func wire(t testing.TB, b *Bridge, channel, typ string, data string) string {
	t.Helper()
	now := time.Now()
	env := Envelope{Type: typ, Data: json.RawMessage(data), Timestamp: now.UnixMilli(), Source: b.cfg.InstanceID, Boot: b.boot, SentNs: now.UnixNano()}
	msg, err := b.pub.encode(channel, &env, b.cfg.MaxPayload)
	if err != nil {
		t.Fatal(err)
	}
	defer putMsg(msg)
	return string(*msg)
}

func TestSignedControlMessages(t *testing.T) {
	agent := signedBridge(t, "agent", testKey)
	obs := signedBridge(t, "obs", testKey)
	ack := wire(t, agent, "bridge:bridgescope", "bridgescope.ack", `{"n":1}`)
	if !strings.HasSuffix(ack, `"}`) || !strings.Contains(ack, sigMember) {
		t.Fatalf("a control message as sent: %s, want the sig member last", ack)
	}
	if _, r := Decode(ack, DefaultMaxPayload, time.Now().UnixMilli()); r != "" {
		t.Fatalf("a signed message is not a valid envelope for readers without the key: %s", r)
	}
	// Ordinary messages are never signed.
	if ev := wire(t, agent, DefaultChannel, "ticker", `{}`); strings.Contains(ev, sigMember) {
		t.Errorf("an ordinary event was signed: %s", ev)
	}
	oldTS := strconv.FormatInt(time.Now().Add(-MaxSignedAge-time.Minute).UnixMilli(), 10)
	stale := string(agent.sig.sign([]byte(`{"type":"bridgescope.stats","timestamp":` + oldTS + `,"source":"agent","seq":99,"boot":"b"}`)))
	other := signedBridge(t, "other", []byte("another key entirely, 32 bytes.."))
	for _, c := range []struct {
		name, msg string
		want      Reason
	}{
		{"signed", ack, ""},
		{"unsigned", `{"type":"bridgescope.ack","timestamp":1,"source":"agent","seq":7}`, ReasonUnsigned},
		{"sig not last", sigFirst(ack), ReasonUnsigned},
		{"tampered", strings.Replace(ack, `"n":1`, `"n":2`, 1), ReasonBadSignature},
		{"not hex", ack[:len(ack)-4] + `zz"}`, ReasonBadSignature},
		{"other key", wire(t, other, "bridge:bridgescope", "bridgescope.ack", `{"n":1}`), ReasonBadSignature},
		{"stale", stale, ReasonStale},
	} {
		_, mal, ok := obs.accept(queuedOn("bridge:bridgescope", c.msg))
		switch {
		case c.want == "" && (mal != nil || !ok):
			t.Errorf("%s: refused %+v", c.name, mal)
		case c.want != "" && (mal == nil || mal.Reason != c.want):
			t.Errorf("%s: %+v, want %s", c.name, mal, c.want)
		}
	}
	st := obs.Stats()
	if st.MalformedByChannel["bridge:bridgescope"][ReasonUnsigned] != 2 || st.MalformedByReason[ReasonBadSignature] != 3 ||
		st.MalformedByReason[ReasonStale] != 1 || st.Control != 1 {
		t.Errorf("counted %v by channel, %d control delivered", st.MalformedByChannel, st.Control)
	}
	// Ordinary traffic needs no signature.
	if _, mal, ok := obs.accept(queued(`{"type":"ticker","source":"ws"}`, time.Now().UnixNano())); mal != nil || !ok {
		t.Errorf("an ordinary event with a control key: %+v", mal)
	}
}

// sigFirst moves a signed message's signature to its first member: still
// the right signature, in no place a reader looks for one.
func sigFirst(signed string) string {
	body := signed[:len(signed)-sigSuffix] + "}"
	sig := signed[len(signed)-sigSuffix+len(sigMember) : len(signed)-2]
	return `{"sig":"` + sig + `",` + body[1:]
}

func queuedOn(channel, payload string) rawMsg {
	raw := queued(payload, time.Now().UnixNano())
	raw.channel = channel
	return raw
}

// TestNoKeyAcceptsBoth: without a key, signed and unsigned control messages
// are delivered alike, as before signing existed.
func TestNoKeyAcceptsBoth(t *testing.T) {
	agent := signedBridge(t, "agent", testKey)
	obs := signedBridge(t, "obs", nil)
	for _, m := range []string{
		wire(t, agent, "bridge:bridgescope", "bridgescope.stats", `{}`),
		`{"type":"bridgescope.stats","source":"seedlike"}`,
	} {
		if _, mal, ok := obs.accept(queuedOn("bridge:bridgescope", m)); mal != nil || !ok {
			t.Errorf("no key: %s refused: %+v", m, mal)
		}
	}
}

// TestSignedReplayIsCaughtAfterAFlood: a replayed signed message is a
// duplicate, even after a flood of proven forged streams that evicts every
// stream of the ordinary tracker: verified streams are tracked apart.
func TestSignedReplayIsCaughtAfterAFlood(t *testing.T) {
	agent := signedBridge(t, "agent", testKey)
	obs := signedBridge(t, "obs", testKey)
	stats := wire(t, agent, "bridge:bridgescope", "bridgescope.stats", `{"received":5}`)
	if ev, mal, _ := obs.accept(queuedOn("bridge:bridgescope", stats)); mal != nil || ev.Seq.Dup {
		t.Fatalf("first delivery: %+v %+v", mal, ev.Seq)
	}
	for i := range 2 * maxStreams {
		for seq := 1; seq <= provenRun; seq++ {
			obs.accept(queued(`{"type":"t","source":"forged-`+strconv.Itoa(i)+`","seq":`+strconv.Itoa(seq)+`}`, time.Now().UnixNano()))
		}
	}
	if obs.tracker.evicted == 0 {
		t.Fatal("the flood evicted nothing")
	}
	ev, mal, _ := obs.accept(queuedOn("bridge:bridgescope", stats))
	if mal != nil || !ev.Seq.Dup {
		t.Errorf("replay after the flood: %+v %+v, want a duplicate", mal, ev.Seq)
	}
}

// BenchmarkVerify is the cost a control key adds to each control message.
func BenchmarkVerify(b *testing.B) {
	agent := signedBridge(b, "agent", testKey)
	msg := wire(b, agent, "bridge:bridgescope", "bridgescope.ack", `{"probe":{"source":"obs","boot":"9f2c4e1a","seq":12,"channel":"bridge:events"},"recvNs":1760700000123456789}`)
	env, _ := Decode(msg, DefaultMaxPayload, nowMs)
	now := time.Now().UnixMilli()
	b.ReportAllocs()
	for b.Loop() {
		if r := agent.sig.verify(msg, &env, now); r != "" {
			b.Fatal(r)
		}
	}
}
