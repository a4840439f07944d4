package bench

import (
	"context"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/probe"
)

// omemPollEvery is how often the observer lane reads CLIENT LIST: often
// enough to see a backlog that a 5 s segment builds and drains.
const omemPollEvery = 100 * time.Millisecond

// omemPoll tracks the largest output buffer (CLIENT LIST's omem) of the
// pub/sub connections with the given names.
type omemPoll struct {
	names  []string
	peaks  []int64
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func startOmemPoll(c redis.UniversalClient, names []string) *omemPoll {
	ctx, cancel := context.WithCancel(context.Background())
	p := &omemPoll{names: names, peaks: make([]int64, len(names)), cancel: cancel}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(omemPollEvery)
		defer t.Stop()
		for {
			p.poll(ctx, c)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return p
}

func (p *omemPoll) poll(ctx context.Context, c redis.UniversalClient) {
	ctx, cancel := context.WithTimeout(ctx, bridge.DefaultCommandTimeout)
	defer cancel()
	list, err := c.Do(ctx, "CLIENT", "LIST", "TYPE", "pubsub").Text()
	if err != nil {
		return // a missed poll is a missed sample; the figure is a maximum
	}
	for _, row := range probe.SubscriberRows(list, "") {
		for i, want := range p.names {
			if row.Name == want {
				p.peaks[i] = max(p.peaks[i], row.OmemBytes)
			}
		}
	}
}

// stop ends the polling and returns the peaks, in the order of the names.
func (p *omemPoll) stop() []int64 {
	p.cancel()
	p.wg.Wait()
	return p.peaks
}
