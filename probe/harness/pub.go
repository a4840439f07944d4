package harness

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
)

// publishers publishes each job from a random instance on a pool of
// workers, counting successes and failures per instance and the windows in
// which publishes failed.
type publishers struct {
	bridges   []*bridge.Bridge
	channel   string
	published []atomic.Int64
	failed    []atomic.Int64
	outages   outageLog
	start     time.Time // the outage log's time axis; set before run
	logf      func(format string, args ...any)
	lastLog   atomic.Int64 // unix ns of the last logged publish error
	// track, when set before run, sees every publish attempt as it
	// returns: the fault accounting's ground truth (fault_track.go).
	track func(i int, env bridge.Envelope, err error)
}

func newPublishers(bridges []*bridge.Bridge, channel string, logf func(string, ...any)) *publishers {
	return &publishers{
		bridges: bridges, channel: channel,
		published: make([]atomic.Int64, len(bridges)), failed: make([]atomic.Int64, len(bridges)), logf: logf,
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
	data := eventData(k)
	began := time.Since(p.start)
	env, err := p.bridges[i].Publish(ctx, p.channel, harnessEventType, data)
	if p.track != nil {
		p.track(i, env, err)
	}
	if err != nil {
		p.failed[i].Add(1)
		p.outages.failed(began)
		p.logError(i, err)
		return
	}
	p.outages.ok(began)
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
	p.logf("instance %d: publish failed (%d failures so far): %v", i, sum(p.failedCounts()), err)
}

// total is the events published successfully.
func (p *publishers) total() int64 { return sum(p.counts()) }

func (p *publishers) counts() []int64 { return loadAll(p.published) }

func (p *publishers) failedCounts() []int64 { return loadAll(p.failed) }

func loadAll(c []atomic.Int64) []int64 {
	out := make([]int64, len(c))
	for i := range c {
		out[i] = c[i].Load()
	}
	return out
}

func sum(s []int64) int64 {
	var n int64
	for _, v := range s {
		n += v
	}
	return n
}

// eventData is event k's data field, built in one allocation: the bench
// counts the harness's allocations with the bridge's.
func eventData(k int64) json.RawMessage {
	b := make([]byte, 0, len(`{"n":}`)+20)
	b = append(b, `{"n":`...)
	b = strconv.AppendInt(b, k, 10)
	return append(b, '}')
}
