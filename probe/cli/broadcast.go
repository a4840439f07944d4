package cli

import "sync"

// offer puts v in ch, replacing a value nobody has read yet: newest wins.
// ch has a buffer of one and the caller is its only sender (it holds the
// lock that makes it so), so after the drain the send cannot block.
func offer[T any](ch chan T, v T) {
	select {
	case <-ch:
	default:
	}
	ch <- v
}

// broadcaster gives every subscriber its own channel of the newest value
// from one source: a slow subscriber only skips values, never holds up
// the source or another subscriber, and one that leaves costs nothing.
// The observer's Snapshots() delivers to one reader; serve's sessions are
// many.
type broadcaster[T any] struct {
	mu     sync.Mutex
	subs   map[chan T]struct{}
	last   T
	have   bool // last holds a value
	closed bool
}

func newBroadcaster[T any]() *broadcaster[T] {
	return &broadcaster[T]{subs: map[chan T]struct{}{}}
}

// subscribe returns a channel that holds the newest value (the last one at
// once, if any) and is closed by leave or when the broadcaster closes.
// leave is idempotent.
func (b *broadcaster[T]) subscribe() (ch <-chan T, leave func()) {
	c := make(chan T, 1)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		close(c)
		return c, func() {}
	}
	if b.have {
		c <- b.last
	}
	b.subs[c] = struct{}{}
	return c, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if _, ok := b.subs[c]; ok {
			delete(b.subs, c)
			close(c)
		}
	}
}

// publish offers v to every subscriber without waiting for any.
func (b *broadcaster[T]) publish(v T) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.last, b.have = v, true
	for c := range b.subs {
		offer(c, v)
	}
}

// close closes every subscriber's channel; later subscribers get a closed
// one. Idempotent.
func (b *broadcaster[T]) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.closed = true
	for c := range b.subs {
		close(c)
	}
	clear(b.subs)
}

// pump publishes everything from src until it is closed, then closes the
// broadcaster. It is the one reader src has; its caller owns the
// goroutine, which ends with src.
func (b *broadcaster[T]) pump(src <-chan T) {
	for v := range src {
		b.publish(v)
	}
	b.close()
}

// subscribers is how many channels are open.
func (b *broadcaster[T]) subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}
