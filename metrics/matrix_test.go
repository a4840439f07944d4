package metrics

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// fanout simulates cooperating instances publishing on one channel and
// reporting what they received, stream by stream, every second.
type fanout struct {
	s    *sim
	seq  map[string]uint64            // per sender: its last seq
	got  map[string]map[string]uint64 // receiver → sender → received
	gaps map[string]map[string]uint64
	tot  map[string]uint64 // receiver → received, all senders
	pub  map[string]uint64
}

func newFanout() *fanout {
	return &fanout{s: newSim(), seq: map[string]uint64{}, got: map[string]map[string]uint64{},
		gaps: map[string]map[string]uint64{}, tot: map[string]uint64{}, pub: map[string]uint64{}}
}

// second publishes n events from each sender; drop(from, to, i) loses one.
func (f *fanout) second(senders, receivers []string, n int, drop func(from, to string, i uint64) bool) {
	for _, from := range senders {
		for range n {
			f.seq[from]++
			f.pub[from]++
			f.s.r.Event(SourceEvent{Source: from, Boot: "boot-" + from, Channel: "bridge:events", Seq: f.seq[from], HasSeq: true}, f.s.now)
			for _, to := range receivers {
				if to == from {
					continue
				}
				if f.got[to] == nil {
					f.got[to], f.gaps[to] = map[string]uint64{}, map[string]uint64{}
				}
				if drop != nil && drop(from, to, f.seq[from]) {
					f.gaps[to][from]++
					continue
				}
				f.got[to][from]++
				f.tot[to]++
			}
		}
	}
	f.s.now = f.s.now.Add(time.Second)
	for _, to := range receivers {
		rep := InstanceReport{Role: "agent", State: "connected", Received: f.tot[to], Published: f.pub[to], Matrix: true,
			Channels: []string{"bridge:*"}, PublishedChannels: []ChannelCount{{"bridge:events", f.pub[to]}}}
		for _, from := range senders {
			if from == to || f.got[to][from]+f.gaps[to][from] == 0 {
				continue
			}
			rep.Streams = append(rep.Streams, StreamCount{Source: from, Boot: "boot-" + from, Channel: "bridge:events",
				MaxSeq: f.seq[from], Received: f.got[to][from], Gaps: f.gaps[to][from],
				Latency: OneWay{Count: int64(n), P50: 400, P95: 800, P99: 900, Max: 1000}})
		}
		f.s.r.Report(to, "boot-"+to, rep, f.s.now)
	}
	f.s.r.Tick(f.s.now)
}

func cell(rows []MatrixRow, from, to string) (MatrixRow, bool) {
	for _, m := range rows {
		if m.From == from && m.To == to {
			return m, true
		}
	}
	return MatrixRow{}, false
}

// TestMatrixPairLoss: a receiver that loses 20 % of one sender's events
// shows exactly that pair at 80 %, judged WARN→CRIT by pair_delivery; every
// other pair is at 100 %; a publisher it never heard at all is expected from
// the seq the observer saw; the rows add up to each receiver's own total.
func TestMatrixPairLoss(t *testing.T) {
	f := newFanout()
	senders, receivers := []string{"a", "b", "c"}, []string{"a", "b", "c"}
	drop := func(from, to string, i uint64) bool { return from == "a" && to == "c" && i%5 == 0 }
	for range 15 {
		f.second(senders, receivers, 10, drop)
	}
	// A passive publisher (the seed's bot, with seq) only the observer hears.
	for i := range 20 {
		f.s.r.Event(SourceEvent{Source: "passive", Boot: "p", Channel: "bridge:events", Seq: uint64(i + 1), HasSeq: true}, f.s.now)
	}
	f.second(senders, receivers, 10, drop)
	for i := range 10 {
		f.s.r.Event(SourceEvent{Source: "passive", Boot: "p", Channel: "bridge:events", Seq: uint64(21 + i), HasSeq: true}, f.s.now)
	}
	for range 4 {
		f.second(senders, receivers, 10, drop)
	}
	snap := f.s.snap(f.s.now)
	for _, from := range senders {
		for _, to := range receivers {
			if from == to {
				continue
			}
			m, ok := cell(snap.Matrix, from, to)
			want := 100.0
			if from == "a" && to == "c" {
				want = 80
			}
			if !ok || math.Abs(m.Session.DeliveryPct-want) > 2 || math.Abs(m.DeliveryPct-want) > 2 {
				t.Errorf("%s→%s: %+v, want %.0f%%", from, to, m, want)
			}
			if level := m.Status.Level; (want == 100) != (level == OK) {
				t.Errorf("%s→%s judged %v at %.1f%%", from, to, level, m.DeliveryPct)
			}
		}
	}
	// The passive publisher's 10 events after the first report that saw it,
	// expected at every receiver, received by none.
	for _, to := range receivers {
		if m, ok := cell(snap.Matrix, "passive", to); !ok || m.Session.Expected != 10 || m.Session.Received != 0 || m.Session.Lost != 10 {
			t.Errorf("passive→%s: %+v, want 10 expected, 0 received", to, m)
		}
	}
	// The rows add up to each receiver's own total (since its baseline).
	for _, in := range snap.Instances {
		var sum int64
		for _, m := range snap.Matrix {
			if m.To == in.ID {
				sum += m.Session.Received
			}
		}
		if sum != in.Received || in.Received == 0 {
			t.Errorf("%s: matrix rows add up to %d, its total is %d", in.ID, sum, in.Received)
		}
	}
	var crit bool
	for _, a := range snap.Alerts {
		if a.Rule == "pair_delivery" && a.Instance == PairSubject("a", "c") && a.Level == Crit {
			crit = true
		}
	}
	if !crit {
		t.Errorf("no pair_delivery CRIT for a→c: %+v", snap.Alerts)
	}
	b, err := json.Marshal(snap)
	if err != nil || !strings.Contains(string(b), `"from":"a","to":"c","channel":"bridge:events","expected":`) {
		t.Errorf("matrix JSON: %v\n%.600s", err, b)
	}
}

// TestMatrixLatencyCorrection: raw one-way figures moved by the receiver's
// clock offset are corrected by the offsets the probes measure, and marked
// skewed; without the sender's offset the correction is unknown.
func TestMatrixLatencyCorrection(t *testing.T) {
	f := newFanout()
	// Probes: receiver "r" 250 ms ahead of the observer, sender "s" on time.
	for range 30 {
		f.s.seq++
		k := ProbeKey{"bridge:events", f.s.seq}
		f.s.r.ProbeSent(k, f.s.now.UnixNano())
		for id, off := range map[string]time.Duration{"r": 250 * time.Millisecond, "s": 0} {
			f.s.r.Ack(id, "boot-"+id, k, f.s.now.Add(500*time.Microsecond+off).UnixNano(), f.s.now.Add(time.Millisecond).UnixNano())
		}
		f.s.now = f.s.now.Add(100 * time.Millisecond)
	}
	rep := func(seq uint64, p50 float64) InstanceReport {
		return InstanceReport{Role: "agent", State: "connected", Matrix: true, Received: seq, Streams: []StreamCount{
			{Source: "s", Boot: "boot-s", Channel: "bridge:events", MaxSeq: seq, Received: seq,
				Latency: OneWay{Count: 10, P50: p50, P95: p50 + 100, P99: p50 + 200, Max: p50 + 300}},
			{Source: "x", Boot: "boot-x", Channel: "bridge:events", MaxSeq: seq, Received: seq,
				Latency: OneWay{Count: 10, P50: p50, P95: p50, P99: p50, Max: p50}}}}
	}
	for i := range 5 {
		f.s.r.Report("r", "boot-r", rep(uint64(10*(i+1)), 250_400), f.s.now)
		f.s.now = f.s.now.Add(time.Second)
	}
	snap := f.s.snap(f.s.now)
	m, _ := cell(snap.Matrix, "s", "r")
	l := m.Latency
	if l.Correction != "corrected" || !l.Skewed || math.Abs(l.Corrected10s.P50-400) > 50 || math.Abs(l.ClockSkewUs-250_000) > 50 {
		t.Errorf("s→r latency %+v: want corrected to 400 µs ± 50, marked skewed", l)
	}
	if x, _ := cell(snap.Matrix, "x", "r"); x.Latency.Correction == "corrected" || x.Latency.Corrected10s.Count != 0 {
		t.Errorf("x→r (a sender answering no probe): %+v, want the correction unknown", x.Latency)
	}
	for _, in := range snap.Instances {
		if in.ID == "r" && (in.OneWayCorrection == "corrected" || in.OneWayCorrected.W10s.Count != 40 || !in.OneWaySkewed) {
			t.Errorf("r's one-way: %q %+v skewed %v", in.OneWayCorrection, in.OneWayCorrected, in.OneWaySkewed)
		}
	}
}

// TestMatrixBounds: one receiver's reports cannot take more than its share
// of the pair table, and what is refused is counted.
func TestMatrixBounds(t *testing.T) {
	s := newSim()
	for k := range maxPairsPerReceiver/64 + 2 {
		rep := InstanceReport{Role: "agent", State: "connected", Matrix: true}
		for i := range 64 {
			rep.Streams = append(rep.Streams, StreamCount{Source: fmt.Sprintf("src-%d-%d", k, i), Boot: "b", Channel: "c", MaxSeq: 1, Received: 1})
		}
		s.r.Report("hog", "boot", rep, s.now)
		s.now = s.now.Add(time.Second)
	}
	snap := s.snap(s.now)
	if n := len(snap.Matrix); n != maxPairsPerReceiver || snap.Tables.Pairs.Refused == 0 {
		t.Errorf("%d pairs of one receiver (cap %d), %d refused", n, maxPairsPerReceiver, snap.Tables.Pairs.Refused)
	}
	if !globMatch("bridge:*", "bridge:events") || globMatch("bridge:?", "bridge:ab") || !globMatch("a[b-d]e", "ace") ||
		globMatch("a[^b]c", "abc") || !globMatch(`a\*`, "a*") {
		t.Error("globMatch disagrees with Redis's glob")
	}
}

// TestMatrixTableCaps drives every table of the matrix past its cap: the
// pair table (unproven pairs make room for new ones, counted), a
// receiver's remembered streams, and the channels kept per source and per
// instance.
func TestMatrixTableCaps(t *testing.T) {
	s := newSim()
	receivers := maxPairs/maxPairsPerReceiver + 1
	for k := range maxPairsPerReceiver/64 + 1 {
		for rcv := range receivers {
			rep := InstanceReport{Role: "agent", State: "connected", Matrix: true}
			for i := range 64 {
				rep.Streams = append(rep.Streams, StreamCount{Source: fmt.Sprintf("src-%d-%d", k, i), Boot: "b", Channel: "c", MaxSeq: 1, Received: 1})
			}
			s.r.Report(fmt.Sprintf("rcv-%d", rcv), "boot", rep, s.now)
		}
		s.now = s.now.Add(time.Second)
	}
	snap := s.snap(s.now)
	if n := len(snap.Matrix); n != maxPairs || snap.Tables.Pairs.Evicted == 0 {
		t.Errorf("%d pairs (cap %d), %d evicted", n, maxPairs, snap.Tables.Pairs.Evicted)
	}
	if n := len(s.r.instances["rcv-0"].rx.streams); n > maxReceiverStreams {
		t.Errorf("%d streams remembered for one receiver, cap %d", n, maxReceiverStreams)
	}
	var chans []ChannelCount
	for i := range maxRowChannels + 5 {
		ch := fmt.Sprintf("ch-%d", i)
		chans = append(chans, ChannelCount{Channel: ch, Published: 1})
		s.r.Event(SourceEvent{Source: "wide", Boot: "b", Channel: ch, Seq: 1, HasSeq: true}, s.now)
	}
	s.r.Report("wide", "b", InstanceReport{Role: "agent", PublishedChannels: chans}, s.now)
	if n, m := len(s.r.sources["wide"].chans), len(s.r.instances["wide"].pub); n != maxRowChannels || m != maxRowChannels {
		t.Errorf("channels kept: %d of a source, %d of an instance; cap %d", n, m, maxRowChannels)
	}
}
