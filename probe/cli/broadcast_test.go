package cli

import (
	"sync"
	"testing"
	"time"
)

// TestBroadcasterNewestWins: a subscriber that reads late gets the newest
// value, not a backlog; a new subscriber gets the last value at once.
func TestBroadcasterNewestWins(t *testing.T) {
	b := newBroadcaster[int]()
	slow, leaveSlow := b.subscribe()
	defer leaveSlow()
	for i := 1; i <= 100; i++ {
		b.publish(i)
	}
	if got := <-slow; got != 100 {
		t.Errorf("a slow reader got %d, want the newest (100)", got)
	}
	select {
	case v := <-slow:
		t.Errorf("a backlog: %d after the newest", v)
	default:
	}
	late, leaveLate := b.subscribe()
	defer leaveLate()
	if got := <-late; got != 100 {
		t.Errorf("a new subscriber got %d, want the last value at once", got)
	}
}

// TestBroadcasterNeverBlocks: a subscriber that never reads holds up
// neither the source nor the others.
func TestBroadcasterNeverBlocks(t *testing.T) {
	b := newBroadcaster[int]()
	_, leaveStuck := b.subscribe() // never read
	defer leaveStuck()
	live, leaveLive := b.subscribe()
	defer leaveLive()
	src := make(chan int)
	done := make(chan struct{})
	go func() { defer close(done); b.pump(src) }()
	var got []int
	for i := 1; i <= 1000; i++ {
		select {
		case src <- i:
		case <-time.After(5 * time.Second):
			t.Fatalf("the source blocked at %d", i)
		}
		if i%100 == 0 {
			deadline := time.After(5 * time.Second)
			for len(got) == 0 || got[len(got)-1] != i {
				select {
				case v := <-live:
					got = append(got, v)
				case <-deadline:
					t.Fatalf("the live subscriber never saw %d (got %v)", i, got)
				}
			}
		}
	}
	close(src)
	<-done
	if _, ok := <-live; ok {
		// the buffered newest may still be there: drain it once
		if _, ok := <-live; ok {
			t.Error("the live channel is not closed after the source")
		}
	}
}

// TestBroadcasterLeaveAndClose: a subscriber that leaves is forgotten
// (its channel closed, nothing more sent); after close every channel is
// closed and a new subscriber gets a closed one.
func TestBroadcasterLeaveAndClose(t *testing.T) {
	b := newBroadcaster[string]()
	a, leaveA := b.subscribe()
	c, leaveC := b.subscribe()
	defer leaveC()
	leaveA()
	leaveA() // idempotent
	if b.subscribers() != 1 {
		t.Errorf("%d subscribers after one left, want 1", b.subscribers())
	}
	if _, ok := <-a; ok {
		t.Error("the channel of a subscriber that left is open")
	}
	b.publish("x")
	b.close()
	b.close()
	if v := <-c; v != "x" {
		t.Errorf("got %q", v)
	}
	if _, ok := <-c; ok {
		t.Error("open after close")
	}
	d, leaveD := b.subscribe()
	leaveD()
	if _, ok := <-d; ok {
		t.Error("a subscriber after close gets an open channel")
	}
	b.publish("after") // no panic on closed channels
}

// TestBroadcasterConcurrent is for -race: subscribers come and go while
// values are published.
func TestBroadcasterConcurrent(t *testing.T) {
	b := newBroadcaster[int]()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				ch, leave := b.subscribe()
				select {
				case <-ch:
				case <-time.After(time.Millisecond):
				}
				leave()
			}
		}()
	}
	for i := range 20000 {
		b.publish(i)
	}
	close(stop)
	wg.Wait()
	b.close()
	if n := b.subscribers(); n != 0 {
		t.Errorf("%d subscribers left", n)
	}
}
