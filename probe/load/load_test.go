package load

import (
	"context"
	"testing"
	"time"
)

func TestPaceReleasesExactlyRateTimesDuration(t *testing.T) {
	for _, tc := range []struct {
		rate float64
		d    time.Duration
		want int64
	}{
		{10, 300 * time.Millisecond, 3},
		{2000, 500 * time.Millisecond, 1000},
		{20000, 250 * time.Millisecond, 5000},
	} {
		jobs := make(chan int64, 16)
		got := make(chan []int64, 1)
		go func() {
			var seen []int64
			for k := range jobs {
				seen = append(seen, k)
			}
			got <- seen
		}()
		start := time.Now()
		ran := Pace(context.Background(), start, tc.d, tc.rate, jobs)
		took := time.Since(start)
		close(jobs)
		seen := <-got
		if int64(len(seen)) != tc.want {
			t.Errorf("rate %v for %v: released %d events, want %d", tc.rate, tc.d, len(seen), tc.want)
		}
		for i, k := range seen {
			if k != int64(i+1) {
				t.Errorf("rate %v: event %d numbered %d, want %d", tc.rate, i, k, i+1)
				break
			}
		}
		// The last event is due (want−1)/rate after start, and released at
		// most one tick early.
		lastDue := time.Duration(float64(tc.want-1)/tc.rate*float64(time.Second)) - minPaceTick
		if took < lastDue || took > tc.d+200*time.Millisecond || ran > tc.d {
			t.Errorf("rate %v for %v: took %v (ran %v), want between %v and %v", tc.rate, tc.d, took, ran, lastDue, tc.d)
		}
	}
}

func TestPaceSpreadsEventsOverTime(t *testing.T) {
	jobs := make(chan int64)
	done := make(chan time.Duration, 1)
	start := time.Now()
	go func() {
		var at50 time.Duration
		for k := range jobs {
			if k == 50 {
				at50 = time.Since(start)
			}
		}
		done <- at50
	}()
	Pace(context.Background(), start, time.Second, 100, jobs)
	close(jobs)
	// Event 50 is due at 490ms: not released in a burst at the start.
	if at := <-done; at < 480*time.Millisecond || at > 650*time.Millisecond {
		t.Errorf("event 50 of 100/s released at %v, want about 490ms", at)
	}
}

func TestPaceStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	jobs := make(chan int64) // nobody receives: the pacer is blocked sending
	start := time.Now()
	ran := Pace(ctx, start, time.Minute, 1000, jobs)
	if ran > time.Second || time.Since(start) > time.Second {
		t.Errorf("pace ran %v after its context ended at 100ms", ran)
	}
}

func TestSeqSet(t *testing.T) {
	var s SeqSet
	for _, seq := range []uint64{1, 2, 64, 65, 1000, 70000} {
		if !s.Add(seq) {
			t.Errorf("add(%d) on first sight = false", seq)
		}
	}
	for _, seq := range []uint64{1, 65, 70000} {
		if s.Add(seq) {
			t.Errorf("add(%d) twice = true", seq)
		}
	}
	if s.Count() != 6 {
		t.Errorf("count = %d, want 6", s.Count())
	}
	if !s.Add(3) || !s.Add(69999) {
		t.Error("neighbours of seen seqs were reported as seen")
	}
}

func TestPublisherCount(t *testing.T) {
	for rate, want := range map[float64]int{1: 2, 10: 2, 1000: 4, 2000: 8, 10000: 16, 1e6: 16} {
		if got := Workers(rate); got != want {
			t.Errorf("Workers(%v) = %d, want %d", rate, got, want)
		}
	}
}
