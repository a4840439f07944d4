package metrics

import (
	"encoding/json"
	"math"
)

// jsonFloat marshals NaN and infinities — "no data" in a snapshot — as
// null, which encoding/json refuses to do for a float64.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(f))
}

func jsonFloats(v []float64) []jsonFloat {
	out := make([]jsonFloat, len(v))
	for i, f := range v {
		out[i] = jsonFloat(f)
	}
	return out
}

// MarshalJSON writes seconds without samples as null.
func (s Series) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		P50 []jsonFloat `json:"p50Us"`
		P99 []jsonFloat `json:"p99Us"`
	}{jsonFloats(s.P50), jsonFloats(s.P99)})
}

// MarshalJSON writes delivery figures and the clock offset as null while
// there is no data for them (NaN in Go).
func (r InstanceRow) MarshalJSON() ([]byte, error) {
	type plain InstanceRow
	return json.Marshal(struct {
		plain
		Delivery      jsonFloat `json:"delivery"`
		Delivery10s   jsonFloat `json:"delivery10s"`
		Delivery1m    jsonFloat `json:"delivery1m"`
		ClockOffsetUs jsonFloat `json:"clockOffsetUs"`
	}{plain(r), jsonFloat(r.Delivery), jsonFloat(r.Delivery10s), jsonFloat(r.Delivery1m), jsonFloat(r.ClockOffsetUs)})
}

// UnmarshalJSON reads what MarshalJSON writes: null is NaN again, so a
// snapshot read back from its JSON (a recording) writes the same JSON.
func (s *Series) UnmarshalJSON(b []byte) error {
	var v struct {
		P50 []*float64 `json:"p50Us"`
		P99 []*float64 `json:"p99Us"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	s.P50, s.P99 = nanFloats(v.P50), nanFloats(v.P99)
	return nil
}

// UnmarshalJSON reads what MarshalJSON writes: the delivery figures and the
// clock offset read null (or absent) as NaN, "no data".
func (r *InstanceRow) UnmarshalJSON(b []byte) error {
	type plain InstanceRow
	v := struct {
		*plain
		Delivery      *float64 `json:"delivery"`
		Delivery10s   *float64 `json:"delivery10s"`
		Delivery1m    *float64 `json:"delivery1m"`
		ClockOffsetUs *float64 `json:"clockOffsetUs"`
	}{plain: (*plain)(r)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	r.Delivery, r.Delivery10s, r.Delivery1m, r.ClockOffsetUs = nanOr(v.Delivery), nanOr(v.Delivery10s), nanOr(v.Delivery1m), nanOr(v.ClockOffsetUs)
	return nil
}

func nanOr(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

func nanFloats(v []*float64) []float64 {
	if v == nil {
		return nil
	}
	out := make([]float64, len(v))
	for i, p := range v {
		out[i] = nanOr(p)
	}
	return out
}
