package bridge

import (
	"context"
	"errors"
	"sync"
	"time"
)

// shardRun is one running subscription connection.
type shardRun struct {
	t      target
	sig    string
	cancel context.CancelFunc
}

// shardExit is a subscription connection's end: it failed to subscribe, or its link
// failed after up time.
type shardExit struct {
	run        *shardRun
	err        error
	subscribed bool
	up         time.Duration
}

// retryAt is a node's reconnect backoff: doubling, with jitter, reset after a link
// that stayed up longer than BackoffMax.
type retryAt struct {
	next  time.Time
	delay time.Duration
}

// supervisor keeps one subscription per target of the topology: it starts them,
// restarts them after a backoff when they end, and moves them when the topology
// changes (a failover, a slot on another shard, a broadcast node that died).
type supervisor struct {
	b            *Bridge
	running      map[string]*shardRun
	retries      map[string]*retryAt
	exits        chan shardExit
	changed      chan struct{}
	wg           sync.WaitGroup
	resolveDelay time.Duration
}

// run owns the subscriptions until ctx ends. go-redis's PubSub.Channel is not used: it
// drops messages when its Go channel stays full and only logs it, and its health check
// never waits for the PONG.
func (b *Bridge) run(parent context.Context) {
	defer b.runWG.Done()
	ctx, cancel := context.WithCancel(parent)
	sv := &supervisor{
		b: b, running: map[string]*shardRun{}, retries: map[string]*retryAt{},
		exits: make(chan shardExit), changed: make(chan struct{}, 1),
	}
	defer sv.wg.Wait()
	defer cancel()
	sv.wg.Add(1)
	go func() {
		defer sv.wg.Done()
		b.topo.watch(ctx, sv.changed)
	}()
	sv.loop(ctx)
}

func (sv *supervisor) loop(ctx context.Context) {
	wake := time.NewTimer(0)
	defer wake.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case ex := <-sv.exits:
			if sv.exited(ex) {
				return
			}
		case <-sv.changed:
		case <-wake.C:
		}
		next, stop := sv.reconcile(ctx)
		if stop {
			return
		}
		wake.Reset(next)
	}
}

// reconcile reads the topology, stops what no longer matches it, starts what is due, and
// says when to look again.
func (sv *supervisor) reconcile(ctx context.Context) (time.Duration, bool) {
	b := sv.b
	targets, err := b.topo.resolve(ctx, b.subs(), sv.avoid)
	if err != nil {
		if ctx.Err() != nil {
			return time.Hour, true
		}
		sv.resolveDelay = min(max(sv.resolveDelay*2, b.cfg.BackoffMin), b.cfg.BackoffMax)
		return jitter(sv.resolveDelay), b.resolveFailed(err)
	}
	sv.resolveDelay = 0
	b.setTargets(targets)
	next := time.Hour
	if p := b.topo.poll(); p > 0 {
		next = p
	}
	now := time.Now()
	current := map[string]bool{}
	for _, t := range targets {
		current[t.addr] = true
		if r := sv.running[t.addr]; r != nil {
			if r.sig == t.sig() {
				continue
			}
			sv.stop(t.addr) // same node, other channels: resubscribe
		}
		if rt := sv.retries[t.addr]; rt != nil && now.Before(rt.next) {
			next = min(next, rt.next.Sub(now))
			continue
		}
		sv.start(ctx, t)
	}
	for addr := range sv.running {
		if !current[addr] {
			sv.stop(addr)
		}
	}
	return next, false
}

func (sv *supervisor) avoid(addr string) bool {
	rt := sv.retries[addr]
	return rt != nil && time.Now().Before(rt.next)
}

func (sv *supervisor) start(ctx context.Context, t target) {
	sctx, cancel := context.WithCancel(ctx)
	r := &shardRun{t: t, sig: t.sig(), cancel: cancel}
	sv.running[t.addr] = r
	sv.wg.Add(1)
	go func() {
		defer sv.wg.Done()
		defer cancel()
		ex := sv.b.runShard(sctx, r)
		select {
		case sv.exits <- ex:
		case <-sctx.Done():
		}
	}()
}

func (sv *supervisor) stop(addr string) {
	sv.running[addr].cancel()
	delete(sv.running, addr)
}

// exited books a subscription's end and schedules its retry. It says whether the
// supervisor must stop (Start has failed for good).
func (sv *supervisor) exited(ex shardExit) bool {
	addr := ex.run.t.addr
	if sv.running[addr] != ex.run {
		return false // stopped by reconcile already
	}
	delete(sv.running, addr)
	cfg := sv.b.cfg
	rt := sv.retries[addr]
	if rt == nil || (ex.subscribed && ex.up > cfg.BackoffMax) {
		rt = &retryAt{delay: cfg.BackoffMin} // it was up long enough: start over
		sv.retries[addr] = rt
	}
	rt.next = time.Now().Add(jitter(rt.delay))
	rt.delay = min(rt.delay*2, cfg.BackoffMax)
	if ex.err == nil {
		ex.err = errors.New("subscription ended")
	}
	return sv.b.shardLost(addr, ex.err)
}

// runShard is one subscription connection's life: subscribe, read until the link fails.
func (b *Bridge) runShard(ctx context.Context, r *shardRun) shardExit {
	if b.cfg.Transport == TransportStreams {
		return b.runStreamShard(ctx, r)
	}
	h := newReadHook(b)
	ctx = withReadHook(ctx, h) // the subscription's connections are dialled with it
	ps, err := b.subscribe(ctx, r.t)
	if err != nil {
		return shardExit{run: r, err: err}
	}
	b.shardConnected(r.t.addr)
	start := time.Now()
	err = b.read(ctx, ps, h)
	_ = ps.Close()
	return shardExit{run: r, err: err, subscribed: true, up: time.Since(start)}
}
