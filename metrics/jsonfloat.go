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
		Uncertainty   jsonFloat `json:"oneWayUncertaintyUs"`
	}{plain(r), jsonFloat(r.Delivery), jsonFloat(r.Delivery10s), jsonFloat(r.Delivery1m), jsonFloat(r.ClockOffsetUs),
		jsonFloat(r.OneWayUncertaintyUs)})
}

// MarshalJSON writes a delivery without anything expected as null.
func (c PairCounts) MarshalJSON() ([]byte, error) {
	type plain PairCounts
	return json.Marshal(struct {
		plain
		DeliveryPct jsonFloat `json:"deliveryPct"`
	}{plain(c), jsonFloat(c.DeliveryPct)})
}

// MarshalJSON writes an unknown correction as null.
func (l PairLatency) MarshalJSON() ([]byte, error) {
	type plain PairLatency
	return json.Marshal(struct {
		plain
		ClockSkewUs   jsonFloat `json:"clockSkewUs"`
		UncertaintyUs jsonFloat `json:"uncertaintyUs"`
	}{plain(l), jsonFloat(l.ClockSkewUs), jsonFloat(l.UncertaintyUs)})
}

// MarshalJSON flattens the 10 s counts into the row (the embedded
// PairCounts' own MarshalJSON would otherwise stand for the whole row).
func (m MatrixRow) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		From         string      `json:"from"`
		To           string      `json:"to"`
		Channel      string      `json:"channel"`
		OtherStreams uint64      `json:"otherStreams,omitempty"`
		Expected     int64       `json:"expected"`
		Received     int64       `json:"received"`
		Lost         int64       `json:"lost"`
		Duplicates   int64       `json:"duplicates"`
		DeliveryPct  jsonFloat   `json:"deliveryPct"`
		Window1m     PairCounts  `json:"1m"`
		Session      PairCounts  `json:"session"`
		Latency      PairLatency `json:"latency"`
		Status       Judgement   `json:"status"`
	}{m.From, m.To, m.Channel, m.OtherStreams, m.Expected, m.Received, m.Lost, m.Duplicates, jsonFloat(m.DeliveryPct),
		m.Window1m, m.Session, m.Latency, m.Status})
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
		Uncertainty   *float64 `json:"oneWayUncertaintyUs"`
	}{plain: (*plain)(r)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	r.Delivery, r.Delivery10s, r.Delivery1m, r.ClockOffsetUs = nanOr(v.Delivery), nanOr(v.Delivery10s), nanOr(v.Delivery1m), nanOr(v.ClockOffsetUs)
	r.OneWayUncertaintyUs = nanOr(v.Uncertainty)
	return nil
}

// UnmarshalJSON reads what MarshalJSON writes: a null delivery is NaN.
func (c *PairCounts) UnmarshalJSON(b []byte) error {
	type plain PairCounts
	v := struct {
		*plain
		DeliveryPct *float64 `json:"deliveryPct"`
	}{plain: (*plain)(c)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	c.DeliveryPct = nanOr(v.DeliveryPct)
	return nil
}

// UnmarshalJSON reads what MarshalJSON writes: an unknown correction is NaN.
func (l *PairLatency) UnmarshalJSON(b []byte) error {
	type plain PairLatency
	v := struct {
		*plain
		ClockSkewUs   *float64 `json:"clockSkewUs"`
		UncertaintyUs *float64 `json:"uncertaintyUs"`
	}{plain: (*plain)(l)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	l.ClockSkewUs, l.UncertaintyUs = nanOr(v.ClockSkewUs), nanOr(v.UncertaintyUs)
	return nil
}

// UnmarshalJSON reads the flat row MarshalJSON writes (the embedded
// PairCounts' own UnmarshalJSON would otherwise take the whole row).
func (m *MatrixRow) UnmarshalJSON(b []byte) error {
	var v struct {
		From         string      `json:"from"`
		To           string      `json:"to"`
		Channel      string      `json:"channel"`
		OtherStreams uint64      `json:"otherStreams"`
		Expected     int64       `json:"expected"`
		Received     int64       `json:"received"`
		Lost         int64       `json:"lost"`
		Duplicates   int64       `json:"duplicates"`
		DeliveryPct  *float64    `json:"deliveryPct"`
		Window1m     PairCounts  `json:"1m"`
		Session      PairCounts  `json:"session"`
		Latency      PairLatency `json:"latency"`
		Status       Judgement   `json:"status"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*m = MatrixRow{From: v.From, To: v.To, Channel: v.Channel, OtherStreams: v.OtherStreams,
		PairCounts: PairCounts{Expected: v.Expected, Received: v.Received, Lost: v.Lost, Duplicates: v.Duplicates,
			DeliveryPct: nanOr(v.DeliveryPct)},
		Window1m: v.Window1m, Session: v.Session, Latency: v.Latency, Status: v.Status}
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
