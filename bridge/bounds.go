package bridge

import (
	"strings"
	"unicode/utf8"
)

// What the bridge keeps of the wire is bounded by bytes as well as by count
// (DESIGN.md, "Bounded by bytes"). The caps of the decoder are MaxIDLen (type,
// source, boot) and Config.MaxPayload; these are the rest.
const (
	// MaxChannelLen bounds the channel names the bridge accepts messages on.
	// Redis allows 512 MB; real names are tens of bytes (bridge:market:BTCUSDT),
	// and 256 as for MaxIDLen leaves room for a few IDs in one name. A message
	// on a longer channel (only a pattern subscription can receive one) is
	// refused as long_channel before it is queued, and counted under its
	// channel cut to channelMarkLen bytes and marked: refused, not delivered
	// under a cut name, since two long names sharing a prefix would otherwise
	// be taken for one stream.
	MaxChannelLen = 256
	// channelMarkLen is how much of a refused long channel name is kept to
	// count it under: enough to tell which namespace the flood used.
	channelMarkLen = 64
	// channelMark ends a cut channel name; no subscribed name can contain it
	// at that length, so a cut name never counts as a real one.
	channelMark = "…(long)"

	// maxMalformedChannels bounds Stats.MalformedByChannel: a bridge carries a
	// handful of channels, a pattern perhaps hundreds; beyond 1,024 the rest
	// are counted under "(other)", and 1,024 × (MaxChannelLen + the reasons)
	// stays under a MiB.
	maxMalformedChannels = 1024
	// otherChannels is the row the channels past maxMalformedChannels share.
	otherChannels = "(other)"

	// maxCollidingBoots bounds Stats.CollidingBoots: one would say it all; 64
	// tells a restart loop from a handful of impostors.
	maxCollidingBoots = 64

	// maxPinnedPayload: a decoded ID (type, source, boot) is a substring of
	// its payload and pins all of it for as long as anyone keeps the ID (a
	// tracker key, an observer's table row). Above 1 KiB the IDs are copied
	// out, so a kept ID never holds more than 1 KiB; a typical 200-byte event
	// is not copied at all.
	maxPinnedPayload = 1 << 10
)

// bound trims a message to what the queue may hold before it is queued: a
// channel name past MaxChannelLen is cut and marked, a payload past
// MaxPayload is dropped (only its size is needed, to refuse it). Queued
// messages are then bounded by QueueSize × (MaxPayload + MaxChannelLen).
func (b *Bridge) bound(raw *rawMsg) {
	raw.size = len(raw.payload)
	if len(raw.channel) > MaxChannelLen {
		raw.channel, raw.longChannel = cutChannel(raw.channel), true
	}
	if raw.size > b.cfg.MaxPayload {
		raw.payload = ""
	}
}

// cutChannel is a long channel name cut to channelMarkLen bytes, on a UTF-8
// boundary when it is UTF-8, and marked; it is a copy, not a substring.
func cutChannel(ch string) string {
	n := channelMarkLen
	for n > 0 && !utf8.RuneStart(ch[n]) {
		n--
	}
	return strings.Clone(ch[:n]) + channelMark
}

// detachIDs copies env's IDs out of a payload larger than maxPinnedPayload.
func detachIDs(env *Envelope, payloadLen int) {
	if payloadLen <= maxPinnedPayload {
		return
	}
	env.Type, env.Source, env.Boot = strings.Clone(env.Type), strings.Clone(env.Source), strings.Clone(env.Boot)
}
