package probe

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
)

// minPaceTick is the shortest sleep of the pacer: above ~1000 events/s it
// releases the events due in each tick together rather than waking up per
// event. Events are released up to one tick before they are due, so a
// wake-up a little late at the end does not lose the last ones.
const minPaceTick = time.Millisecond

// maxPaceLag is how far behind the publisher pool may fall and still get
// the events that fell due before the end: more, and the pool is
// saturated; those events were not published in time and are not sent.
const maxPaceLag = 50 * time.Millisecond

// pace sends event numbers 1, 2, … on jobs at rate per second for d,
// event k being due (k−1)/rate after start, round(d×rate) events in all.
// It paces by elapsed time, so a late wake-up is made up at once rather
// than slowing the rate. It returns how long the schedule ran: d, or less
// when ctx ended first. Sends block, so a saturated worker pool slows the pacer
// rather than queueing without limit.
func pace(ctx context.Context, start time.Time, d time.Duration, rate float64, jobs chan<- int64) time.Duration {
	total := int64(math.Round(d.Seconds() * rate))
	lagLimit := int64(rate*maxPaceLag.Seconds()) + 1
	timer := time.NewTimer(0)
	defer timer.Stop()
	var sent int64
	for {
		elapsed := time.Since(start)
		due := min(int64((elapsed+minPaceTick).Seconds()*rate)+1, total)
		if elapsed >= d && total-sent > lagLimit {
			return d
		}
		for ; sent < due; sent++ {
			select {
			case jobs <- sent + 1:
			case <-ctx.Done():
				return time.Since(start)
			}
		}
		if sent >= total {
			return d // the whole schedule ran
		}
		// Wake one tick before the next event is due, and at d at the latest.
		next := time.Duration(float64(sent)/rate*float64(time.Second)) - minPaceTick
		timer.Reset(max(min(next, d)-time.Since(start), minPaceTick))
		select {
		case <-ctx.Done():
			return time.Since(start)
		case <-timer.C:
		}
	}
}

// publisherCount sizes the worker pool: enough concurrent PUBLISH round
// trips that a slow one does not cap the rate, few enough to stay cheap.
func publisherCount(rate float64) int {
	return int(min(max(math.Ceil(rate/250), 2), 16))
}

// publishers publishes each job from a random instance on a pool of
// workers, counting successes per instance.
type publishers struct {
	bridges   []*bridge.Bridge
	channel   string
	published []atomic.Int64
	failed    atomic.Int64
	logf      func(format string, args ...any)
	lastLog   atomic.Int64 // unix ns of the last logged publish error
	// track, when set before run, sees every publish attempt as it
	// returns: the fault accounting's ground truth (fault_track.go).
	track func(i int, env bridge.Envelope, err error)
}

func newPublishers(bridges []*bridge.Bridge, channel string, logf func(string, ...any)) *publishers {
	return &publishers{
		bridges: bridges, channel: channel,
		published: make([]atomic.Int64, len(bridges)), logf: logf,
	}
}

// run starts workers that publish jobs until jobs is closed. Jobs taken
// after ctx ended are skipped; a publish under way is finished with its own
// timeout, so an interrupted run does not count it as an error.
func (p *publishers) run(ctx context.Context, workers int, jobs <-chan int64) *sync.WaitGroup {
	pubCtx := context.WithoutCancel(ctx)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range jobs {
				if ctx.Err() != nil {
					continue
				}
				p.publish(pubCtx, rand.IntN(len(p.bridges)), k)
			}
		}()
	}
	return &wg
}

func (p *publishers) publish(ctx context.Context, i int, k int64) {
	data := json.RawMessage(`{"n":` + strconv.FormatInt(k, 10) + `}`)
	env, err := p.bridges[i].Publish(ctx, p.channel, harnessEventType, data)
	if p.track != nil {
		p.track(i, env, err)
	}
	if err != nil {
		p.failed.Add(1)
		p.logError(i, err)
		return
	}
	p.published[i].Add(1)
}

// logError logs at most one publish error per second: during an outage
// every publish fails.
func (p *publishers) logError(i int, err error) {
	now := time.Now().UnixNano()
	last := p.lastLog.Load()
	if now-last < int64(time.Second) || !p.lastLog.CompareAndSwap(last, now) {
		return
	}
	p.logf("instance %d: publish failed (%d failures so far): %v", i, p.failed.Load(), err)
}

func (p *publishers) total() int64 {
	var n int64
	for i := range p.published {
		n += p.published[i].Load()
	}
	return n
}

func (p *publishers) counts() []int64 {
	out := make([]int64, len(p.published))
	for i := range p.published {
		out[i] = p.published[i].Load()
	}
	return out
}
