package bridge

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// The Streams transport (Config.Transport "streams").
//
// Every channel, the control channel included, is the stream Prefix+"stream:"+channel.
// Publish is XADD key MAXLEN ~ StreamMaxLen * e <envelope>: the same envelope bytes as
// pub/sub, so seq, boot and sentNs account for loss, duplicates and latency unchanged.
// Every instance reads every stream (no consumer groups) with XREAD BLOCK from the last
// ID it read. The first position is resolved once, when the first connection is made,
// to the stream's last-generated-id (XINFO STREAM), so nothing published after Start is
// missed and "$" is never sent; after a reconnect, a failover or a restart the read
// resumes from the last ID read: at-least-once across connection loss.
//
// The subscription machinery is the pub/sub one: the supervisor keeps one stream
// connection per node carrying streams (the server, the Sentinel master, or each
// cluster master owning some of the streams' slots), with the same states, reconnect
// counts and backoff. In a cluster one XREAD may not span slots, so each slot's streams
// get their own XREAD (and connection) on their master.
//
// Liveness: XREAD BLOCK answers nil when nothing arrived within StreamBlock, which
// proves the server alive. A read with no reply within StreamBlock+PingTimeout (a
// frozen server, a black hole) declares the link dead and reconnects.
//
// Loss: an entry trimmed by MAXLEN before it was read is lost. Before reading on after
// a reconnect, a full batch or a full dispatcher queue (the moments a reader may lag
// behind the trimming), XINFO STREAM tells whether the stream's first entry has moved
// past the last ID read; entries-added minus length then counts the entries removed
// (trimming only removes the oldest), and those neither read nor counted before are
// added to Stats.Trimmed. This assumes nobody XDELs entries, needs Redis ≥ 7.0, and
// can count late (never twice) when trimming races the read.
//
// ACL: a user needs +xadd +xread +xinfo|stream +ping and the keys ~<prefix>stream:*.

// errStreamSilent is the liveness verdict on a stream read that got no reply.
var errStreamSilent = errors.New("stream read silent")

// streamKey is StreamName on a config whose defaults are applied.
func (c *Config) streamKey(channel string) string { return c.Prefix + streamInfix + channel }

// streamSubs is the subscription set in Streams mode: the stream keys, placed like
// sharded channels (on the master owning their slot, grouped by slot).
func (b *Bridge) streamSubs(channels []string) subSet {
	keys := make([]string, len(channels))
	for i, ch := range channels {
		keys[i] = b.cfg.streamKey(ch)
	}
	return subSet{plain: keys, sharded: true}
}

// xadd appends one encoded envelope to channel's stream.
func (b *Bridge) xadd(ctx context.Context, channel string, msg []byte) error {
	return b.client.XAdd(ctx, &redis.XAddArgs{
		Stream: b.cfg.streamKey(channel), MaxLen: b.cfg.StreamMaxLen, Approx: true,
		Values: []any{StreamField, msg},
	}).Err()
}

// runStreamShard is one stream connection's life on a node: claim the streams, find
// where to read from, read until the link fails.
func (b *Bridge) runStreamShard(ctx context.Context, r *shardRun) shardExit {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c := streamClient(r.t.client, len(r.t.sharded))
	defer c.Close()
	// go-redis does not interrupt a blocked read on cancel; closing the client does.
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	defer stop()
	readers := make([]*streamReader, 0, len(r.t.sharded))
	var keys []string
	for _, group := range r.t.sharded {
		// A connection of its own, never swapped: go-redis's pool would replace a
		// reset connection silently, and the outage would not show.
		readers = append(readers, b.newStreamReader(c.Conn(), group))
		keys = append(keys, group...)
	}
	defer func() {
		for _, rd := range readers {
			_ = rd.c.Close()
		}
	}()
	release, err := b.streams.claim(ctx, keys)
	if err != nil {
		return shardExit{run: r, err: err}
	}
	defer release()
	for _, rd := range readers {
		if err := rd.resume(ctx); err != nil {
			return shardExit{run: r, err: fmt.Errorf("bridge: streams on %s: %w", r.t.addr, describeAt(err, r.t.addr))}
		}
	}
	b.shardConnected(r.t.addr)
	start := time.Now()
	err = runReaders(ctx, cancel, readers)
	return shardExit{run: r, err: err, subscribed: true, up: time.Since(start)}
}

// streamClient is a client of its own for one stream connection set, one connection
// per XREAD plus one: a blocked XREAD holds its connection, and closing the client is
// the only way to interrupt it. Its options are the node client's, rebuilt rather than
// copied (go-redis's defaulting is not idempotent: a copied MaxRetries 0 would turn
// into 3 silent retries, hiding every reconnect).
func streamClient(node *redis.Client, readers int) *redis.Client {
	o := node.Options()
	opt := &redis.Options{
		Addr: o.Addr, Username: o.Username, Password: o.Password, DB: o.DB, Protocol: o.Protocol,
		DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
		ContextTimeoutEnabled: true, MaxRetries: -1, DialerRetries: o.DialerRetries,
		DisableIdentity: true, OnConnect: o.OnConnect, PoolSize: readers + 1,
	}
	if o.TLSConfig != nil {
		opt.TLSConfig = o.TLSConfig.Clone()
	}
	return redis.NewClient(opt)
}

// runReaders runs every reader until one fails, then stops the others (cancel closes
// their client) and returns the first failure.
func runReaders(ctx context.Context, cancel context.CancelFunc, readers []*streamReader) error {
	errc := make(chan error, len(readers))
	for _, rd := range readers {
		go func() { errc <- rd.loop(ctx) }()
	}
	err := <-errc
	cancel()
	for range readers[1:] {
		<-errc
	}
	return err
}

// streamReader reads the streams of one slot with one XREAD.
type streamReader struct {
	b        *Bridge
	c        *redis.Conn
	keys     []string
	channels []string
	index    map[string]int
	pos      []*streamPos // owned while the run holds their leases
	check    []bool       // reconcile with XINFO before the next read
}

func (b *Bridge) newStreamReader(c *redis.Conn, keys []string) *streamReader {
	rd := &streamReader{b: b, c: c, keys: keys, index: make(map[string]int, len(keys)), check: make([]bool, len(keys))}
	for i, k := range keys {
		rd.channels = append(rd.channels, strings.TrimPrefix(k, b.cfg.Prefix+streamInfix))
		rd.pos = append(rd.pos, b.streams.get(k))
		rd.index[k] = i
	}
	return rd
}

// resume asks every stream where it stands: the first time, that is where reading
// starts; after a reconnect it tells whether trimming passed the last ID read. It is
// also the connection's first round trip.
func (rd *streamReader) resume(ctx context.Context) error {
	for i, k := range rd.keys {
		in, err := rd.info(ctx, k)
		if err != nil {
			return err
		}
		if p := rd.pos[i]; !p.resolved {
			p.resolve(in)
			continue
		}
		rd.countTrimmed(i, rd.pos[i].reconcile(in))
	}
	return nil
}

// loop reads until the link fails or ctx ends.
func (rd *streamReader) loop(ctx context.Context) error {
	cfg := &rd.b.cfg
	n := len(rd.keys)
	args := &redis.XReadArgs{Streams: make([]string, 2*n), Count: cfg.StreamBatch, Block: cfg.StreamBlock}
	copy(args.Streams, rd.keys)
	wait := cfg.StreamBlock + cfg.PingTimeout
	for {
		if err := rd.reconcileDue(ctx); err != nil {
			return rd.failed(ctx, err)
		}
		for i, p := range rd.pos {
			args.Streams[n+i] = p.lastID
		}
		rctx, cancel := context.WithTimeout(ctx, wait)
		res, err := rd.c.XRead(rctx, args).Result()
		cancel()
		if err != nil && !errors.Is(err, redis.Nil) { // nil: nothing new, the server answered
			if isTimeout(err) || errors.Is(err, context.DeadlineExceeded) {
				err = fmt.Errorf("%w: no reply to XREAD BLOCK %v within %v", errStreamSilent, cfg.StreamBlock, wait)
			}
			return rd.failed(ctx, err)
		}
		rd.deliver(res, time.Now().UnixNano())
	}
}

func (rd *streamReader) failed(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("bridge: streams: %w", err)
}

// deliver queues the entries read and moves the read positions past them.
func (rd *streamReader) deliver(res []redis.XStream, recvNs int64) {
	for _, s := range res {
		i, ok := rd.index[s.Stream]
		if !ok {
			continue
		}
		p, waited := rd.pos[i], false
		for _, m := range s.Messages {
			payload, _ := m.Values[StreamField].(string) // none: refused as malformed
			waited = rd.b.enqueueRaw(rawMsg{channel: rd.channels[i], payload: payload, recvNs: recvNs}) || waited
			p.advance(m.ID)
		}
		// A full batch or a full queue: this reader lags, trimming may overtake it.
		if waited || int64(len(s.Messages)) >= rd.b.cfg.StreamBatch {
			rd.check[i] = true
		}
	}
}

// enqueueRaw passes a message to the dispatcher like enqueue, and reports whether the
// queue was full (it waited, or dropped with DropWhenFull).
func (b *Bridge) enqueueRaw(raw rawMsg) (full bool) {
	b.bound(&raw)
	if b.trySend(raw) {
		return false
	}
	if !b.cfg.DropWhenFull {
		b.send(raw)
		return true
	}
	b.mu.Lock()
	b.c.drops++
	b.mu.Unlock()
	return true
}

func (rd *streamReader) reconcileDue(ctx context.Context) error {
	for i, due := range rd.check {
		if !due {
			continue
		}
		in, err := rd.info(ctx, rd.keys[i])
		if err != nil {
			return err
		}
		rd.check[i] = false
		rd.countTrimmed(i, rd.pos[i].reconcile(in))
	}
	return nil
}

func (rd *streamReader) countTrimmed(i int, n int64) {
	if n <= 0 {
		return
	}
	b := rd.b
	b.mu.Lock()
	b.c.trimmed += uint64(n)
	b.mu.Unlock()
	b.cfg.Logger.Warn("bridge: stream entries trimmed before they were read", "instance", b.cfg.InstanceID,
		"stream", rd.keys[i], "lost", n, "after", rd.pos[i].lastID)
}
