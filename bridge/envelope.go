package bridge

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"
	"unsafe"
)

// Envelope is one message on a data channel: the seed's four fields plus
// bridgescope's seq, boot and sentNs. Seq == 0 means the publisher sent none
// (the seed's own bridge); SentNs == 0 likewise.
type Envelope struct {
	Type      string          `json:"type"`
	Data      json.RawMessage `json:"data,omitempty"`
	Timestamp int64           `json:"timestamp"` // publisher's clock, ms since epoch
	Source    string          `json:"source"`    // publisher's instance ID
	Seq       uint64          `json:"seq,omitempty"`
	Boot      string          `json:"boot,omitempty"`
	SentNs    int64           `json:"sentNs,omitempty"` // publisher's clock, ns since epoch
}

// IsControl reports whether the envelope is one of bridgescope's own
// messages (probe, ack, stats).
func (e *Envelope) IsControl() bool {
	return len(e.Type) > len(ControlTypePrefix) && e.Type[:len(ControlTypePrefix)] == ControlTypePrefix
}

// NewBoot returns a random boot ID: it tells a restarted process from
// another process that shares its instance ID.
func NewBoot() string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("bridge: crypto/rand: %v", err)) // never fails on Linux
	}
	return hex.EncodeToString(b[:])
}

// AppendEnvelope appends the JSON encoding of e to buf. data must already
// be valid JSON (nil means no data field). The field order matches the seed.
func AppendEnvelope(buf []byte, e *Envelope) []byte {
	buf = append(buf, `{"type":`...)
	buf = appendJSONString(buf, e.Type)
	if len(e.Data) > 0 {
		buf = append(buf, `,"data":`...)
		buf = append(buf, e.Data...)
	}
	buf = append(buf, `,"timestamp":`...)
	buf = strconv.AppendInt(buf, e.Timestamp, 10)
	buf = append(buf, `,"source":`...)
	buf = appendJSONString(buf, e.Source)
	if e.Seq != 0 {
		buf = append(buf, `,"seq":`...)
		buf = strconv.AppendUint(buf, e.Seq, 10)
	}
	if e.Boot != "" {
		buf = append(buf, `,"boot":`...)
		buf = appendJSONString(buf, e.Boot)
	}
	if e.SentNs != 0 {
		buf = append(buf, `,"sentNs":`...)
		buf = strconv.AppendInt(buf, e.SentNs, 10)
	}
	return append(buf, '}')
}

// MarshalData turns a handler's data into envelope JSON: json.RawMessage
// and []byte must already be valid JSON; anything else goes through
// encoding/json.
func MarshalData(data any) (json.RawMessage, error) {
	switch d := data.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		if !validData(d) {
			return nil, fmt.Errorf("bridge: data is not valid JSON")
		}
		return d, nil
	case []byte:
		if !validData(d) {
			return nil, fmt.Errorf("bridge: data is not valid JSON")
		}
		return d, nil
	}
	b, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("bridge: encode data: %w", err)
	}
	return b, nil
}

// maxDataDepth is encoding/json's nesting limit, which MarshalData keeps.
const maxDataDepth = 10000

// validData is encoding/json.Valid without its scanner's cost per byte.
func validData(d []byte) bool {
	return validJSON(unsafe.String(unsafe.SliceData(d), len(d)), maxDataDepth)
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as a JSON string. Invalid UTF-8 becomes U+FFFD,
// as encoding/json does.
func appendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				buf = append(buf, '\\', c)
			case c < 0x20:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				buf = append(buf, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, `\ufffd`...)
		} else {
			buf = append(buf, s[i:i+size]...)
		}
		i += size
	}
	return append(buf, '"')
}
