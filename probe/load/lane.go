package load

import (
	"context"
	"sync"
	"time"
)

// Lane is one set of instances on one Redis: each event is published by one
// of them and counted at every other.
type Lane interface {
	// Publish sends event k from instance from; a failure shows as a
	// delivery that never arrives.
	Publish(ctx context.Context, from int, k int64)
	Instances() int
	// Expected and Delivered count deliveries so far (0 where the lane
	// does not count them).
	Expected() int64
	Delivered() int64
}

// The closed loop's publishers, and how often a waiting one looks again.
const (
	closedWorkers  = 16
	inFlightPoll   = 50 * time.Microsecond
	drainPollEvery = time.Millisecond
)

// PublishPaced publishes on lane at rate per second for d from start,
// spreading senders round-robin, and returns when the last publish did.
func PublishPaced(ctx context.Context, lane Lane, start time.Time, d time.Duration, rate float64) time.Duration {
	workers := Workers(rate)
	jobs := make(chan int64, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := lane.Instances()
			for k := range jobs {
				lane.Publish(ctx, int((k+int64(w))%int64(n)), k)
			}
		}()
	}
	ran := Pace(ctx, start, d, rate, jobs)
	close(jobs)
	wg.Wait()
	return ran
}

// PublishClosed publishes as fast as the lane delivers until until: each
// worker waits while more than inFlight events are not yet delivered to
// every other instance.
func PublishClosed(ctx context.Context, lane Lane, until time.Time, inFlight int) {
	n := lane.Instances()
	limit := int64(inFlight) * int64(n-1)
	var wg sync.WaitGroup
	for w := range closedWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := int64(w); ctx.Err() == nil && time.Now().Before(until); {
				if lane.Expected()-lane.Delivered() > limit {
					time.Sleep(inFlightPoll)
					continue
				}
				lane.Publish(ctx, int(k%int64(n)), k)
				k += closedWorkers
			}
		}()
	}
	wg.Wait()
}

// Drain waits until every expected delivery arrived, or max passed.
func Drain(lane Lane, max time.Duration) {
	deadline := time.Now().Add(max)
	for lane.Delivered() < lane.Expected() && time.Now().Before(deadline) {
		time.Sleep(drainPollEvery)
	}
}
