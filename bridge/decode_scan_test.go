package bridge

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
	"unsafe"
)

// jsonCases are inputs at the edges of the JSON grammar, checked against
// encoding/json in every run and seeding the fuzzers.
var jsonCases = []string{
	`{}`, `[]`, ` {} `, `{"a":1}`, `{"a":1,}`, `{,"a":1}`, `{"a" 1}`, `{"a":}`, `{"a":1 "b":2}`,
	`[1,]`, `[,1]`, `[1 2]`, `[1,2]`, `"x"`, `"\u12"`, `"\u12g4"`, `"\uABCD"`, `"\x"`, `"\/"`,
	"\"a\tb\"", "\"\x7f\"", `"unterminated`, `"esc at end\`, `-`, `-0`, `-01`, `01`, `0.`, `0.5`,
	`.5`, `1e`, `1e+`, `1E-7`, `1.5e10`, `1.e5`, `tru`, `true`, `truex`, `nul`, `null`, `false`,
	`[true,false,null]`, `{"a":[{"b":{"c":[]}}]}`, `{"a":"}"}`, `{"a":"\"}"}`, ``, ` `, `{`, `}`,
	`{"a":1}}`, `{"a":1} x`, `[[[[]]]]`, `{"type":"t","source":"a"}x`, "{\"a\":1}\n",
	`{"type":"t","source":"a","data":[1,2,{"x":null}]}`, `{"type":"t","source":"a","data":01}`,
}

// TestValidJSONMatchesStdlib: for valid UTF-8 within the depth limit, the
// one-pass scanner accepts exactly what encoding/json.Valid accepts.
func TestValidJSONMatchesStdlib(t *testing.T) {
	for _, c := range jsonCases {
		if got, want := validJSON(c, MaxDepth), json.Valid([]byte(c)); got != want {
			t.Errorf("validJSON(%q) = %v, encoding/json says %v", c, got, want)
		}
	}
}

func FuzzValidJSON(f *testing.F) {
	for _, c := range jsonCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if !utf8.ValidString(p) || tooDeep(p, MaxDepth) {
			return
		}
		if got, want := validJSON(p, MaxDepth), json.Valid([]byte(p)); got != want {
			t.Fatalf("validJSON(%q) = %v, encoding/json says %v", p, got, want)
		}
	})
}

// TestDecodeMatchesReference: the one-pass Decode gives the reason, type,
// source, data and numbers the three-pass reference gives.
func TestDecodeMatchesReference(t *testing.T) {
	for _, c := range append(jsonCases, event200, `{"source":7,"type":"trade","timestamp":1.7607e12}`,
		`{"type":"t","source":"a","seq":-3}`, `{"typ\u0065":"a","source":"b","data":[{"x":"]}"}]}`,
		`{"type":"t","source":"a","data":`+strings.Repeat("[", 40)+`}`, "[\xff]") {
		compareReference(t, c)
	}
}

func FuzzDecodeReference(f *testing.F) {
	for _, c := range jsonCases {
		f.Add(c)
	}
	f.Add(event200)
	f.Fuzz(compareReference)
}

func compareReference(t *testing.T, p string) {
	got, gr := Decode(p, DefaultMaxPayload, nowMs)
	want, wr := decodeReference(p, DefaultMaxPayload, nowMs)
	if gr != wr || got.Type != want.Type || got.Source != want.Source || string(got.Data) != string(want.Data) ||
		got.Seq != want.Seq || got.Boot != want.Boot || got.Timestamp != want.Timestamp || got.SentNs != want.SentNs {
		t.Fatalf("Decode(%q) = %+v %q, reference %+v %q", p, got, gr, want, wr)
	}
}

// decodeReference is Decode as it was before the one-pass scanner:
// encoding/json.Valid, then a walk over the already valid object.
func decodeReference(payload string, maxPayload int, nowMs int64) (Envelope, Reason) {
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
	var first Reason
	for i++; ; {
		i = skipWS(payload, i)
		if payload[i] == '}' {
			break
		}
		if payload[i] == ',' {
			i = skipWS(payload, i+1)
		}
		kEnd := refSkipValue(payload, i)
		key := payload[i:kEnd]
		i = skipWS(payload, skipWS(payload, kEnd)+1)
		vEnd := refSkipValue(payload, i)
		first = firstOf(first, setField(&env, &seen, unquoteKey(key), payload[i:vEnd]))
		i = vEnd
	}
	if first != "" {
		return env, first
	}
	return env, seen.check(&env, nowMs)
}

func refSkipValue(p string, i int) int {
	switch p[i] {
	case '"':
		return skipQuoted(p, i)
	case '{', '[':
		depth := 0
		for ; i < len(p); i++ {
			switch p[i] {
			case '"':
				i = skipQuoted(p, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
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

func TestPlainInt(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"42", 42, true}, {"1760700000123456789", 1760700000123456789, true},
		{"9223372036854775807", 9223372036854775807, true}, {"9223372036854775808", 0, false},
		{"9999999999999999999", 0, false}, {"12345678901234567890", 0, false}, {"", 0, false},
		{"-1", 0, false}, {"1.5", 0, false}, {"1e3", 0, false},
	} {
		if got, ok := plainInt(c.in); got != c.want || ok != c.ok {
			t.Errorf("plainInt(%q) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// TestValidDataMatchesStdlib: MarshalData's check keeps encoding/json's
// nesting limit, invalid UTF-8 included (encoding/json lets it through).
func TestValidDataMatchesStdlib(t *testing.T) {
	for _, c := range append(jsonCases, strings.Repeat("[", maxDataDepth)+strings.Repeat("]", maxDataDepth),
		strings.Repeat("[", maxDataDepth+1)+strings.Repeat("]", maxDataDepth+1), "\"\xff\"") {
		if got, want := validData([]byte(c)), json.Valid([]byte(c)); got != want {
			t.Errorf("validData(%.40q) = %v, encoding/json says %v", c, got, want)
		}
	}
}
