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
