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
)

// Reasons lists every Reason, in a stable order.
var Reasons = []Reason{
	ReasonOversize, ReasonEmpty, ReasonInvalidUTF8, ReasonTooDeep, ReasonNotJSON,
	ReasonNotObject, ReasonMissingType, ReasonBadType, ReasonMissingSource,
	ReasonBadSource, ReasonBadTimestamp, ReasonFutureTimestamp, ReasonBadSeq,
	ReasonBadBoot, ReasonBadSentNs,
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
func Decode(payload string, maxPayload int, nowMs int64) (Envelope, Reason) {
	var env Envelope
	switch {
	case len(payload) > maxPayload:
		return env, ReasonOversize
	case strings.TrimSpace(payload) == "":
		return env, ReasonEmpty
	case !utf8.ValidString(payload):
		return env, ReasonInvalidUTF8
	case tooDeep(payload, MaxDepth):
		return env, ReasonTooDeep
	case !json.Valid(unsafe.Slice(unsafe.StringData(payload), len(payload))):
		return env, ReasonNotJSON
	}
	i := skipWS(payload, 0)
	if payload[i] != '{' {
		return env, ReasonNotObject
	}
	var seen fields
	if r := walkObject(payload, i+1, &env, &seen); r != "" {
		return env, r
	}
	return env, seen.check(&env, nowMs)
}

// firstOf keeps the first reason found: every field is still read, so a
// refused message's source is known whenever it can be.
func firstOf(have, r Reason) Reason {
	if have != "" {
		return have
	}
	return r
}

type fields struct{ typ, source, timestamp bool }

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

// walkObject reads the top-level members of an object already known to be
// valid JSON, starting after its '{'.
func walkObject(p string, i int, env *Envelope, seen *fields) Reason {
	var first Reason
	for {
		i = skipWS(p, i)
		if p[i] == '}' {
			return first
		}
		if p[i] == ',' {
			i = skipWS(p, i+1)
		}
		kEnd := skipValue(p, i)
		key := p[i:kEnd]
		i = skipWS(p, kEnd)
		i = skipWS(p, i+1) // ':'
		vEnd := skipValue(p, i)
		first = firstOf(first, setField(env, seen, unquoteKey(key), p[i:vEnd]))
		i = vEnd
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
		env.Data = json.RawMessage(v)
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
		if err := json.Unmarshal([]byte(v), &s); err != nil {
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
	var s string
	if json.Unmarshal([]byte(k), &s) != nil {
		return ""
	}
	return s
}

func skipWS(p string, i int) int {
	for i < len(p) && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the end of the JSON value starting at i. The input is
// already known to be valid JSON.
func skipValue(p string, i int) int {
	switch p[i] {
	case '"':
		return skipString(p, i)
	case '{', '[':
		depth := 0
		for ; i < len(p); i++ {
			switch p[i] {
			case '"':
				i = skipString(p, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return i
	}
	for i < len(p) && !strings.ContainsRune(",}] \t\r\n", rune(p[i])) {
		i++
	}
	return i
}

// skipString returns the index just past the closing quote of the string at i.
func skipString(p string, i int) int {
	for i++; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}

// tooDeep reports whether objects and arrays nest deeper than max, without
// parsing: a 10k-deep message must cost no more than its length.
func tooDeep(p string, max int) bool {
	depth := 0
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '"':
			i = skipString(p, i) - 1
		case '{', '[':
			depth++
			if depth > max {
				return true
			}
		case '}', ']':
			depth--
		}
	}
	return false
}
