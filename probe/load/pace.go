package load

import (
	"context"
	"math"
	"time"
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

// Pace sends event numbers 1, 2, … on jobs at rate per second for d,
// event k being due (k−1)/rate after start, round(d×rate) events in all.
// It paces by elapsed time, so a late wake-up is made up at once rather
// than slowing the rate. It returns how long the schedule ran: d, or less
// when ctx ended first. Sends block, so a saturated worker pool slows the
// pacer rather than queueing without limit.
func Pace(ctx context.Context, start time.Time, d time.Duration, rate float64, jobs chan<- int64) time.Duration {
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

// Workers sizes a publisher pool for rate events per second: enough
// concurrent PUBLISH round trips that a slow one does not cap the rate, few
// enough to stay cheap (2..16).
func Workers(rate float64) int {
	return int(min(max(math.Ceil(rate/250), 2), 16))
}
