package bridge

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// Reason says why a message was refused. The empty Reason means it was accepted.
type Reason string

// The reasons a message is counted as malformed. They are stable: reports,
// JSON and Prometheus labels use them.
const (
	ReasonOversize        Reason = "oversize"
	ReasonEmpty           Reason = "empty"
	ReasonInvalidUTF8     Reason = "invalid_utf8"
	ReasonTooDeep         Reason = "too_deep"
	ReasonNotJSON         Reason = "not_json"
	ReasonNotObject       Reason = "not_object"
	ReasonMissingType     Reason = "missing_type"
	ReasonBadType         Reason = "bad_type"
	ReasonMissingSource   Reason = "missing_source"
	ReasonBadSource       Reason = "bad_source"
	ReasonBadTimestamp    Reason = "bad_timestamp"
	ReasonFutureTimestamp Reason = "future_timestamp"
	ReasonBadSeq          Reason = "bad_seq"
	ReasonBadBoot         Reason = "bad_boot"
	ReasonBadSentNs       Reason = "bad_sent_ns"
	// ReasonLongChannel is a channel name past MaxChannelLen, checked by the
	// dispatcher before decoding.
	ReasonLongChannel Reason = "long_channel"
	// With Config.ControlKey, a control message that is not signed, whose
	// signature does not match, or that is older than MaxSignedAge (sign.go).
	ReasonUnsigned     Reason = "unsigned"
	ReasonBadSignature Reason = "bad_signature"
	ReasonStale        Reason = "stale"
)

// Reasons lists every Reason, in a stable order.
var Reasons = []Reason{
	ReasonOversize, ReasonEmpty, ReasonInvalidUTF8, ReasonTooDeep, ReasonNotJSON,
	ReasonNotObject, ReasonMissingType, ReasonBadType, ReasonMissingSource,
	ReasonBadSource, ReasonBadTimestamp, ReasonFutureTimestamp, ReasonBadSeq,
	ReasonBadBoot, ReasonBadSentNs, ReasonLongChannel, ReasonUnsigned, ReasonBadSignature,
	ReasonStale,
}

const (
	// MaxDepth is the deepest nesting of objects and arrays accepted.
	MaxDepth = 32
	// MaxIDLen bounds type, source and boot: they become map keys and table rows.
	MaxIDLen = 256
	// FutureSlackMs is how far ahead of our clock a timestamp may be before
	// it is refused: clocks drift, but not by an hour.
	FutureSlackMs = int64(3600_000)
)

// Decode parses and validates one message. payload is not retained except
// through substrings of it (Type, Source, Boot); Data is a copy.
// nowMs is the receiver's clock, for refusing timestamps far in the future.
//
// It validates the JSON and reads the envelope's fields in one pass; the
// reasons are still checked in the order of the Reason list, so a message
// both invalid UTF-8 and too deep is refused as invalid_utf8.
func Decode(payload string, maxPayload int, nowMs int64) (Envelope, Reason) {
	return decode(payload, maxPayload, nowMs, false)
}

// decode is Decode; with shareData, Data points into payload instead of
// being a copy, for a dispatcher that copies it only when it delivers:
// the caller must never hand such a Data out or write to it.
func decode(payload string, maxPayload int, nowMs int64, shareData bool) (Envelope, Reason) {
	var env Envelope
	switch {
	case len(payload) > maxPayload:
		return env, ReasonOversize
	case strings.TrimSpace(payload) == "":
		return env, ReasonEmpty
	case !utf8.ValidString(payload):
		return env, ReasonInvalidUTF8
	}
	i := skipWS(payload, 0)
	if payload[i] != '{' {
		if validJSON(payload, MaxDepth) {
			return env, ReasonNotObject
		}
		return env, invalidReason(payload)
	}
	seen := fields{shareData: shareData}
	r, end := walkObject(payload, i, &env, &seen)
	switch {
	case end == scanDeep:
		return Envelope{}, ReasonTooDeep
	case end < 0 || skipWS(payload, end) != len(payload):
		return Envelope{}, invalidReason(payload)
	case r != "":
		return env, r
	}
	return env, seen.check(&env, nowMs)
}

// invalidReason tells a message nested too deep from one that is not JSON
// at all, the depth being checked first whatever follows.
func invalidReason(p string) Reason {
	if tooDeep(p, MaxDepth) {
		return ReasonTooDeep
	}
	return ReasonNotJSON
}

// firstOf keeps the first reason found: every field is still read, so a
// refused message's source is known whenever it can be.
func firstOf(have, r Reason) Reason {
	if have != "" {
		return have
	}
	return r
}

type fields struct{ typ, source, timestamp, shareData bool }

func (f *fields) check(env *Envelope, nowMs int64) Reason {
	switch {
	case !f.typ || env.Type == "":
		return ReasonMissingType
	case !f.source || env.Source == "":
		return ReasonMissingSource
	case f.timestamp && env.Timestamp > nowMs+FutureSlackMs:
		return ReasonFutureTimestamp
	}
	return ""
}

// walkObject validates the top-level object whose '{' is at i and reads
// its members into env. It returns the first field's refusal and the offset
// just past the object, or scanSyntax / scanDeep.
func walkObject(p string, i int, env *Envelope, seen *fields) (Reason, int) {
	var first Reason
	if i = skipWS(p, i+1); i < len(p) && p[i] == '}' {
		return first, i + 1
	}
	for {
		if i >= len(p) || p[i] != '"' {
			return first, scanSyntax
		}
		kEnd := scanString(p, i)
		if kEnd < 0 {
			return first, kEnd
		}
		key := p[i:kEnd]
		if i = skipWS(p, kEnd); i >= len(p) || p[i] != ':' {
			return first, scanSyntax
		}
		i = skipWS(p, i+1)
		vEnd := scanValue(p, i, 1, MaxDepth)
		if vEnd < 0 {
			return first, vEnd
		}
		first = firstOf(first, setField(env, seen, unquoteKey(key), p[i:vEnd]))
		i = skipWS(p, vEnd)
		switch {
		case i >= len(p):
			return first, scanSyntax
		case p[i] == ',':
			i = skipWS(p, i+1)
		case p[i] == '}':
			return first, i + 1
		default:
			return first, scanSyntax
		}
	}
}

func setField(env *Envelope, seen *fields, key, v string) Reason {
	var ok bool
	switch key {
	case "type":
		env.Type, ok = idString(v)
		seen.typ = true
		return failIf(!ok, ReasonBadType)
	case "source":
		env.Source, ok = sourceString(v)
		seen.source = true
		return failIf(!ok, ReasonBadSource)
	case "data":
		if seen.shareData {
			env.Data = unsafe.Slice(unsafe.StringData(v), len(v))
		} else {
			env.Data = json.RawMessage(v)
		}
	case "timestamp":
		env.Timestamp, ok = wholeNumber(v)
		seen.timestamp = true
		return failIf(!ok || env.Timestamp < 0, ReasonBadTimestamp)
	case "seq":
		var n int64
		n, ok = wholeNumber(v)
		env.Seq = uint64(n)
		return failIf(!ok || n < 0, ReasonBadSeq)
	case "boot":
		env.Boot, ok = idString(v)
		return failIf(!ok, ReasonBadBoot)
	case "sentNs":
		env.SentNs, ok = wholeNumber(v)
		return failIf(!ok || env.SentNs < 0, ReasonBadSentNs)
	}
	return ""
}

func failIf(bad bool, r Reason) Reason {
	if bad {
		return r
	}
	return ""
}

// idString accepts a JSON string of printable text of bounded length.
func idString(v string) (string, bool) {
	if len(v) < 2 || v[0] != '"' {
		return "", false
	}
	s := v[1 : len(v)-1]
	if strings.IndexByte(s, '\\') >= 0 {
		s = unescape(v)
		if s == "" && len(v) > 2 {
			return "", false
		}
	}
	if len(s) > MaxIDLen || !printable(s) {
		return "", false
	}
	return s, true
}

// sourceString accepts a string, or a whole number as the seed sends
// process.pid, which is then compared in its decimal form.
func sourceString(v string) (string, bool) {
	if len(v) > 0 && (v[0] == '-' || (v[0] >= '0' && v[0] <= '9')) {
		n, ok := wholeNumber(v)
		if !ok {
			return "", false
		}
		return strconv.FormatInt(n, 10), true
	}
	return idString(v)
}

// wholeNumber accepts a JSON number with an integral value (JavaScript may
// send 1760700000123 as 1.760700000123e12).
func wholeNumber(v string) (int64, bool) {
	if n, ok := plainInt(v); ok {
		return n, true
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n, true
	}
	if len(v) == 0 || (v[0] != '-' && (v[0] < '0' || v[0] > '9')) {
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<62 {
		return 0, false
	}
	return int64(f), true
}

// plainInt reads the common case, 1 to 19 decimal digits (ns since the
// epoch have 19); anything else, or an overflow, is left to strconv.
func plainInt(v string) (int64, bool) {
	if len(v) == 0 || len(v) > 19 {
		return 0, false
	}
	var n uint64 // 19 digits fit: 10^19 − 1 < 2^64
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
	}
	if n > math.MaxInt64 {
		return 0, false
	}
	return int64(n), true
}

// printable refuses control characters (C0, DEL, C1) and so terminal
// escape sequences, which would otherwise travel into tables and screens.
func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || (r >= 0x7f && r < 0xa0) {
			return false
		}
	}
	return true
}

func unquoteKey(k string) string {
	if strings.IndexByte(k, '\\') < 0 {
		return k[1 : len(k)-1]
	}
	return unescape(k)
}

// unescape decodes a JSON string with escapes, or returns "" when it does
// not decode. Its own variable keeps the common, unescaped path free of
// the heap allocation that passing a pointer to encoding/json costs.
func unescape(quoted string) string {
	var s string
	if json.Unmarshal([]byte(quoted), &s) != nil {
		return ""
	}
	return s
}
