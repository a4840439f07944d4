package bridge

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"sync"
	"time"
	"unsafe"
)

// A signed control message ends with one more member, `,"sig":"<hex>"}`: the
// HMAC-SHA256, keyed with Config.ControlKey, of the envelope without it (its
// bytes up to the member, then the closing brace). Readers that do not know
// the key ignore the field; a reader with the key checks the suffix without
// re-encoding anything. A "sig" member anywhere else is not a signature.
const (
	sigMember = `,"sig":"`
	sigHexLen = 2 * sha256.Size
	sigSuffix = len(sigMember) + sigHexLen + len(`"}`)
)

// MaxSignedAge is how old a signed control message may be, by its signed
// timestamp on the reader's clock, before it is refused as stale. The seq
// tracker catches a replay while it remembers the stream; this bounds a replay
// into an observer that does not yet (one just restarted) to a report of the
// last two minutes. Hosts that run agents keep NTP time, far inside that; a
// skewed one shows as stale counts, never as silence.
const MaxSignedAge = 2 * time.Minute

var closeBrace = []byte{'}'}

// signer signs and verifies control messages with one key. It is safe for
// concurrent use.
type signer struct{ pool sync.Pool }

// newSigner returns nil for an empty key: nothing is signed or verified.
func newSigner(key []byte) *signer {
	if len(key) == 0 {
		return nil
	}
	key = append([]byte(nil), key...)
	s := &signer{}
	s.pool.New = func() any { return hmac.New(sha256.New, key) }
	return s
}

// mac appends to dst the HMAC of body followed by a closing brace.
func (s *signer) mac(dst []byte, body string) []byte {
	h := s.pool.Get().(hash.Hash)
	defer s.pool.Put(h)
	h.Reset()
	// Not a copy: a hash neither keeps nor writes what it is given. Writes to
	// a hash.Hash never fail.
	_, _ = h.Write(unsafe.Slice(unsafe.StringData(body), len(body)))
	_, _ = h.Write(closeBrace)
	return h.Sum(dst)
}

// sign turns msg, an envelope as AppendEnvelope writes it, into its signed form.
func (s *signer) sign(msg []byte) []byte {
	var sum [sha256.Size]byte
	mac := s.mac(sum[:0], string(msg[:len(msg)-1]))
	msg = append(msg[:len(msg)-1], sigMember...)
	msg = hex.AppendEncode(msg, mac)
	return append(msg, `"}`...)
}

// verify checks the signature of a decoded control message: unsigned without
// the suffix, bad_signature when it does not match, stale when it is older
// than MaxSignedAge by its timestamp.
func (s *signer) verify(payload string, env *Envelope, nowMs int64) Reason {
	n := len(payload) - sigSuffix
	if n < 1 || payload[n:n+len(sigMember)] != sigMember || payload[len(payload)-2:] != `"}` {
		return ReasonUnsigned
	}
	var hx [sigHexLen]byte
	copy(hx[:], payload[n+len(sigMember):])
	var got [sha256.Size]byte
	if _, err := hex.Decode(got[:], hx[:]); err != nil {
		return ReasonBadSignature
	}
	var sum [sha256.Size]byte
	if !hmac.Equal(got[:], s.mac(sum[:0], payload[:n])) {
		return ReasonBadSignature
	}
	if env.Timestamp < nowMs-MaxSignedAge.Milliseconds() {
		return ReasonStale
	}
	return ""
}
