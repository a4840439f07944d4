package harness

import (
	"sync/atomic"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/probe/load"
)

// harnessEventType is the type of every event the harness publishes.
const harnessEventType = "validate.event"

// maxHarnessSeq bounds the seq a receiver accepts from a harness sender, so
// a forged envelope cannot make a bitset allocate without limit: 2^31
// events are more than a month at 1000/s.
const maxHarnessSeq = 1 << 31

// senderKey identifies a harness instance on the wire. The boot, not the
// ID, tells instances apart, so a run with a shared ID still attributes
// every event to the instance that sent it.
type senderKey struct{ source, boot string }

// receiver accounts for what one harness instance received. handle runs
// on that instance's dispatcher goroutine only, so the plain fields need no
// lock; they are read after the bridge is closed. received is atomic
// because progress and the drain read it while the run goes on.
type receiver struct {
	index   int
	id      string
	channel string
	senders map[senderKey]int // read-only once the bridges start

	from     []load.SeqSet // per sender index
	dups     int64
	self     int64
	foreign  int64 // events from outside this run, ignored
	lat      *metrics.Histogram
	received atomic.Int64 // distinct events from the other instances, by the cut-off

	// cut is set at the cut-off (the end of the drain): a distinct event
	// arriving after it was in flight. inFlight counts them per sender (the
	// dispatcher's only), late in all (read while the harness waits).
	cut      atomic.Bool
	inFlight []int64
	late     atomic.Int64

	atHandler bool // time deliveries now rather than at the socket; set before Start
}

func newReceiver(index int, id, channel string, senders map[senderKey]int, n int) *receiver {
	return &receiver{
		index: index, id: id, channel: channel, senders: senders,
		from: make([]load.SeqSet, n), inFlight: make([]int64, n), lat: metrics.NewHistogram(),
	}
}

// handle is the bridge handler. Duplicates are delivered to it
// (Config.DeliverDuplicates) so the bitset, not the bridge's bounded
// window, decides exactly what was seen before.
func (r *receiver) handle(ev bridge.Event) {
	if ev.Source == r.id {
		r.self++ // the seed's self-received: our ID on an event a handler got
	}
	s, ok := r.senders[senderKey{ev.Source, ev.Boot}]
	if !ok || s == r.index || ev.Type != harnessEventType || ev.Channel != r.channel ||
		ev.Envelope.Seq == 0 || ev.Envelope.Seq > maxHarnessSeq {
		r.foreign++
		return
	}
	if !r.from[s].Add(ev.Envelope.Seq) {
		r.dups++
		return
	}
	if r.cut.Load() {
		r.inFlight[s]++
		r.late.Add(1)
	} else {
		r.received.Add(1)
	}
	// Sender and receiver share this process's clock: the latency is exact.
	// Events in flight at the cut-off are timed too: they did arrive.
	recvNs := ev.RecvNs
	if r.atHandler {
		recvNs = time.Now().UnixNano()
	}
	r.lat.Record(time.Duration(recvNs - ev.SentNs))
}
