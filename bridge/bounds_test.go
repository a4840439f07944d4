package bridge

import (
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
	"unsafe"
)

// queued is payload on the default channel as the reader queues it.
func queued(payload string, recvNs int64) rawMsg {
	return rawMsg{channel: DefaultChannel, payload: payload, recvNs: recvNs, size: len(payload)}
}

func newTestBridge(t testing.TB) *Bridge {
	t.Helper()
	b, err := New(Config{InstanceID: "observer", MaxPayload: 4 << 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// boundAndAccept is what a message goes through from the socket.
func boundAndAccept(b *Bridge, channel, payload string) (Event, *Malformed, bool) {
	raw := rawMsg{channel: channel, payload: payload, recvNs: time.Now().UnixNano()}
	b.bound(&raw)
	return b.accept(raw)
}

// TestLongChannelIsRefusedAndCut: a message on a channel past MaxChannelLen
// is refused as long_channel and counted under a cut, marked copy of the
// name; one at the cap is delivered.
func TestLongChannelIsRefusedAndCut(t *testing.T) {
	b := newTestBridge(t)
	env := `{"type":"ticker","source":"ws","seq":1}`
	if _, mal, ok := boundAndAccept(b, strings.Repeat("c", MaxChannelLen), env); mal != nil || !ok {
		t.Fatalf("a channel at the cap: refused %+v", mal)
	}
	long := "bridge:market:" + strings.Repeat("é", 300<<10) // 600 KiB, and multi-byte at the cut
	_, mal, ok := boundAndAccept(b, long, env)
	if ok || mal == nil || mal.Reason != ReasonLongChannel {
		t.Fatalf("a %d-byte channel: %+v ok=%v, want long_channel", len(long), mal, ok)
	}
	if !strings.HasSuffix(mal.Channel, channelMark) || len(mal.Channel) > channelMarkLen+len(channelMark) ||
		!utf8.ValidString(mal.Channel) || !strings.HasPrefix(long, strings.TrimSuffix(mal.Channel, channelMark)) {
		t.Errorf("cut channel %q: want a valid UTF-8 prefix of at most %d bytes and the mark", mal.Channel, channelMarkLen)
	}
	if within(mal.Channel, long) {
		t.Error("the cut channel is a substring of the long name: it pins all of it")
	}
	st := b.Stats()
	if st.MalformedByChannel[mal.Channel][ReasonLongChannel] != 1 || len(st.Streams) != 1 {
		t.Errorf("by channel %v, %d streams: want the cut name counted once and only the accepted stream", st.MalformedByChannel, len(st.Streams))
	}
}

// TestOversizeIsNotQueued: bound drops an oversize payload before it is
// queued; it is still refused as oversize, with its size.
func TestOversizeIsNotQueued(t *testing.T) {
	b := newTestBridge(t)
	big := `{"type":"t","source":"ws","data":"` + strings.Repeat("x", 8<<10) + `"}`
	raw := rawMsg{channel: DefaultChannel, payload: big}
	b.bound(&raw)
	if raw.payload != "" || raw.size != len(big) {
		t.Fatalf("queued payload %d bytes, size %d; want none, %d", len(raw.payload), raw.size, len(big))
	}
	if _, mal, _ := b.accept(raw); mal == nil || mal.Reason != ReasonOversize || mal.Size != len(big) {
		t.Errorf("oversize: %+v", mal)
	}
}

// TestMalformedByChannelIsCapped drives twice maxMalformedChannels channels
// past the cap: the rest share one row, and nothing is lost from the count.
func TestMalformedByChannelIsCapped(t *testing.T) {
	b := newTestBridge(t)
	n := 2 * maxMalformedChannels
	for i := range n {
		boundAndAccept(b, "bridge:x:"+strconv.Itoa(i), "not json")
	}
	st := b.Stats()
	if len(st.MalformedByChannel) != maxMalformedChannels+1 || st.Malformed != uint64(n) {
		t.Errorf("%d rows, %d malformed; want %d rows (+%s) and %d", len(st.MalformedByChannel), st.Malformed, maxMalformedChannels, otherChannels, n)
	}
	if got := st.MalformedByChannel[otherChannels][ReasonNotJSON]; got != uint64(n-maxMalformedChannels) {
		t.Errorf("%s: %d, want %d", otherChannels, got, n-maxMalformedChannels)
	}
}

// TestCollidingBootsAreCapped: boots bearing our ID past maxCollidingBoots
// are counted as collisions but not listed.
func TestCollidingBootsAreCapped(t *testing.T) {
	b := newTestBridge(t)
	n := 2 * maxCollidingBoots
	for i := range n {
		boundAndAccept(b, DefaultChannel, `{"type":"t","source":"observer","boot":"b`+strconv.Itoa(i)+`"}`)
	}
	if st := b.Stats(); len(st.CollidingBoots) != maxCollidingBoots || st.Collisions != uint64(n) {
		t.Errorf("%d boots listed, %d collisions; want %d and %d", len(st.CollidingBoots), st.Collisions, maxCollidingBoots, n)
	}
}

// TestLargePayloadIDsAreDetached: the IDs of a payload past
// maxPinnedPayload are copies, so keeping one (a tracker key, an observer's
// row) does not keep the payload; a small payload's are not copied.
func TestLargePayloadIDsAreDetached(t *testing.T) {
	b := newTestBridge(t)
	for _, pad := range []int{10, 2 * maxPinnedPayload} {
		p := `{"type":"ticker","source":"ws","boot":"b1","seq":1,"data":"` + strings.Repeat("x", pad) + `"}`
		ev, mal, _ := boundAndAccept(b, "bridge:p"+strconv.Itoa(pad), p)
		if mal != nil {
			t.Fatal(mal.Reason)
		}
		pinned := within(ev.Type, p) || within(ev.Source, p) || within(ev.Boot, p)
		if big := len(p) > maxPinnedPayload; pinned == big {
			t.Errorf("%d-byte payload: IDs point into it: %v, want %v", len(p), pinned, !big)
		}
	}
}

// within reports whether s's bytes lie inside of's.
func within(s, of string) bool {
	if s == "" {
		return false
	}
	p, lo := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.StringData(of)))
	return p >= lo && p < lo+uintptr(len(of))
}

func TestConfigRefusesLongChannels(t *testing.T) {
	for _, c := range []Config{
		{Channels: []string{strings.Repeat("c", MaxChannelLen+1)}},
		{Channels: []string{"bridge:" + strings.Repeat("*", MaxChannelLen)}},
		{Prefix: strings.Repeat("p", MaxChannelLen)},
	} {
		if _, err := New(c); err == nil || !strings.Contains(err.Error(), strconv.Itoa(MaxChannelLen)) {
			t.Errorf("config %.40v…: %v, want a refusal naming the cap", c, err)
		}
	}
}
