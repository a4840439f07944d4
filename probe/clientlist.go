package probe

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/metrics"
)

// Output-buffer watch: Redis disconnects a subscriber whose output buffer
// passes the pubsub limit (default 32mb hard). CLIENT LIST shows each
// connection's omem, and bridge connections are named after their
// instance (CLIENT SETNAME), so the observer can warn before Redis acts.
const (
	bufferRetry        = 30 * time.Second
	defaultPubsubLimit = 32 << 20
	noteBuffers        = "buffers"
	// baselineID is the raw lane's client name: its subscriptions are the
	// observer's own, not a subscriber's.
	baselineID          = "bridgescope-baseline"
	clientListCmdBudget = 2 * time.Second
	// firstPoll waits for the agents' first stats reports (each sends one
	// at once, then every second) so that their connections are matched
	// at the first poll, not listed as passive for one.
	firstPoll = 1500 * time.Millisecond
)

func (o *Observer) bufferLoop(ctx context.Context) {
	defer o.wg.Done()
	wait := min(firstPoll, o.cfg.BufferPoll)
	for {
		if !sleepCtx(ctx, wait) {
			return
		}
		wait = o.cfg.BufferPoll
		if err := o.pollBuffers(ctx); err != nil {
			// Refused by an ACL, it is a trouble to act on (grant the
			// command); a Redis that has no CLIENT LIST (the embedded one)
			// is a fact to know.
			const off = "output-buffer warnings and passive subscribers off (subscriber counts from PUBSUB NUMSUB): "
			if strings.Contains(err.Error(), "NOPERM") {
				o.reg.Note(noteBuffers, off+err.Error()+": grant +client|list")
			} else {
				o.reg.Info(noteBuffers, off+err.Error())
			}
			wait = bufferRetry
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// pollBuffers reads who is subscribed: CLIENT LIST TYPE pubsub on every
// node (output buffers, passive subscribers) and the watched channels'
// NUMSUB. A refused CLIENT LIST still leaves the counts; its error is
// returned for the note.
func (o *Observer) pollBuffers(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, clientListCmdBudget)
	defer cancel()
	poll := metrics.SubscriberPoll{Counts: o.numsub(ctx)}
	lists, err := o.clientLists(ctx)
	if err != nil {
		o.reg.Subscribers(poll, time.Now())
		return fmt.Errorf("CLIENT LIST refused (%s)", shortErr(err))
	}
	limit, limitNote := o.pubsubLimit(ctx)
	o.reg.Note(noteBuffers, "")
	o.reg.Info(noteBuffers, limitNote)
	poll.Listed, poll.Limit = true, limit
	known := make(map[string]string)
	for _, id := range o.reg.InstanceIDs() {
		known[bridge.ClientName(id)] = id
	}
	own := map[string]bool{bridge.ClientName(o.cfg.ID): true, bridge.ClientName(baselineID): true}
	for node, list := range lists {
		for _, row := range SubscriberRows(list, node) {
			if own[row.Name] {
				continue
			}
			row.Instance = known[row.Name]
			poll.Rows = append(poll.Rows, row)
		}
	}
	o.reg.Subscribers(poll, time.Now())
	return nil
}

// clientLists reads CLIENT LIST TYPE pubsub on every node the observer's
// command client reaches: each shard of a cluster, else its one server (the
// current master behind Sentinel), by address.
func (o *Observer) clientLists(ctx context.Context) (map[string]string, error) {
	out := make(map[string]string)
	list := func(ctx context.Context, c *redis.Client) error {
		v, err := c.Do(ctx, "CLIENT", "LIST", "TYPE", "pubsub").Text()
		if err != nil {
			return err
		}
		node := c.Options().Addr
		if sh := o.b.Stats().Shards; len(sh) == 1 && sh[0].Addr != "" {
			node = sh[0].Addr // behind Sentinel: the master the subscription is on, not the client's name for it
		}
		out[node] = v
		return nil
	}
	switch c := o.b.Redis().(type) {
	case *redis.ClusterClient:
		var mu sync.Mutex
		err := c.ForEachShard(ctx, func(ctx context.Context, n *redis.Client) error {
			v, err := n.Do(ctx, "CLIENT", "LIST", "TYPE", "pubsub").Text()
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				out[n.Options().Addr] = v
			}
			return err
		})
		return out, err
	case *redis.Client:
		return out, list(ctx, c)
	default:
		v, err := o.b.Redis().Do(ctx, "CLIENT", "LIST", "TYPE", "pubsub").Text()
		out[""] = v
		return out, err
	}
}

// numsub is each watched plain channel's subscriber count (PUBSUB NUMSUB,
// SHARDNUMSUB when sharded), summed over a cluster's nodes, less the
// observer's own subscription. nil when refused.
func (o *Observer) numsub(ctx context.Context) []metrics.ChannelSubscribers {
	var chans []string
	for _, ch := range o.cfg.Channels {
		if !bridge.IsPattern(ch) {
			chans = append(chans, ch)
		}
	}
	if len(chans) == 0 {
		return nil
	}
	sub := "NUMSUB"
	if o.b.Config().Sharded {
		sub = "SHARDNUMSUB"
	}
	sums := make(map[string]int64)
	ask := func(ctx context.Context, c redis.UniversalClient) error {
		args := []any{"PUBSUB", sub}
		for _, ch := range chans {
			args = append(args, ch)
		}
		v, err := c.Do(ctx, args...).Slice()
		if err != nil {
			return err
		}
		for i := 0; i+1 < len(v); i += 2 {
			ch, _ := v[i].(string)
			n, _ := v[i+1].(int64)
			sums[ch] += n
		}
		return nil
	}
	var err error
	if cc, ok := o.b.Redis().(*redis.ClusterClient); ok {
		var mu sync.Mutex
		err = cc.ForEachShard(ctx, func(ctx context.Context, n *redis.Client) error {
			mu.Lock() // one node at a time into sums: they are few
			defer mu.Unlock()
			return ask(ctx, n)
		})
	} else {
		err = ask(ctx, o.b.Redis())
	}
	if err != nil {
		return nil
	}
	mine := int64(0)
	if o.b.Stats().State == bridge.StateConnected {
		mine = 1 // the observer listens to each watched channel once
	}
	out := make([]metrics.ChannelSubscribers, 0, len(chans))
	for _, ch := range chans {
		out = append(out, metrics.ChannelSubscribers{Channel: ch, Count: max(sums[ch]-mine, 0)})
	}
	return out
}

// pubsubLimit reads the pubsub hard limit; a user without CONFIG gets the
// default, and a note saying so.
func (o *Observer) pubsubLimit(ctx context.Context) (int64, string) {
	v, err := o.b.Redis().ConfigGet(ctx, "client-output-buffer-limit").Result()
	if err != nil {
		return defaultPubsubLimit, "output-buffer limit assumed 32mb (CONFIG GET refused)"
	}
	if limit, ok := parsePubsubLimit(v["client-output-buffer-limit"]); ok && limit > 0 {
		return limit, ""
	}
	return defaultPubsubLimit, ""
}

// parsePubsubLimit finds the pubsub hard limit in a value like
// "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60".
func parsePubsubLimit(v string) (int64, bool) {
	f := strings.Fields(v)
	for i := 0; i+1 < len(f); i++ {
		if f[i] == "pubsub" {
			n, err := strconv.ParseInt(f[i+1], 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

// SubscriberRows parses CLIENT LIST output from node into the rows of the
// connections holding a subscription.
func SubscriberRows(list, node string) []metrics.SubscriberRow {
	var out []metrics.SubscriberRow
	for _, line := range strings.Split(list, "\n") {
		r := metrics.SubscriberRow{Node: node}
		for _, kv := range strings.Fields(line) {
			k, v, _ := strings.Cut(kv, "=")
			n, _ := strconv.ParseInt(v, 10, 64)
			switch k {
			case "addr":
				r.Addr = v
			case "name":
				r.Name = v
			case "age":
				r.AgeS = n
			case "idle":
				r.IdleS = n
			case "omem":
				r.OmemBytes = n
			case "sub", "psub", "ssub":
				r.Subscriptions += n
			}
		}
		if r.Addr != "" && r.Subscriptions > 0 {
			out = append(out, r)
		}
	}
	return out
}

func shortErr(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return s
}
