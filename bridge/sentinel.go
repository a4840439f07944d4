package bridge

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// sentinelPoolSize bounds the connections to one sentinel: a watch and a query.
const sentinelPoolSize = 2

// sentinelTopo follows a Sentinel-managed master. go-redis's failover client moves its
// command connections on +switch-master but leaves an open subscription on the old
// master, and asks a single sentinel, which may not have heard of a failover yet. So
// the subscription is placed here: every resolve asks all sentinels and believes the
// highest config epoch, a watch on each sentinel's +switch-master triggers a resolve at
// once, and a poll catches what the watches miss. A changed master address makes the
// supervisor move the subscription.
type sentinelTopo struct {
	master     string
	sentinels  []sentinelConn
	nodes      *nodePool
	timeout    time.Duration // one round of questions
	every      time.Duration // poll and watch liveness
	backoffMin time.Duration
	backoffMax time.Duration
}

func newSentinelConns(cfg Config, base *redis.Options) *conns {
	c := cfg.Conn
	cmd := redis.NewFailoverClient(&redis.FailoverOptions{
		MasterName: c.SentinelMaster, SentinelAddrs: c.SentinelAddrs, SentinelPassword: c.SentinelPassword,
		Username: base.Username, Password: base.Password, DB: base.DB, TLSConfig: base.TLSConfig,
		DialTimeout: base.DialTimeout, ReadTimeout: base.ReadTimeout, WriteTimeout: base.WriteTimeout,
		DialerRetries: base.DialerRetries, ContextTimeoutEnabled: true, MaxRetries: -1,
		DisableIdentity: true, OnConnect: base.OnConnect,
	})
	t := &sentinelTopo{
		master: c.SentinelMaster, nodes: newNodePool(base), timeout: cfg.CommandTimeout,
		every: cfg.PingTimeout, backoffMin: cfg.BackoffMin, backoffMax: cfg.BackoffMax,
	}
	for _, addr := range c.SentinelAddrs {
		opt := &redis.Options{
			Addr: addr, Password: c.SentinelPassword, DialTimeout: base.DialTimeout,
			ReadTimeout: base.ReadTimeout, WriteTimeout: base.WriteTimeout, ContextTimeoutEnabled: true,
			MaxRetries: -1, DialerRetries: base.DialerRetries, DisableIdentity: true, PoolSize: sentinelPoolSize,
		}
		if base.TLSConfig != nil {
			opt.TLSConfig = base.TLSConfig.Clone()
		}
		t.sentinels = append(t.sentinels, sentinelConn{addr: addr, c: redis.NewSentinelClient(opt)})
	}
	return &conns{cmd: cmd, topo: t}
}

func (s *sentinelTopo) resolve(ctx context.Context, subs subSet, _ func(string) bool) ([]target, error) {
	addr, err := s.masterAddr(ctx)
	if err != nil {
		return nil, err
	}
	return []target{newTarget(addr, s.nodes.get(addr), subs, nil)}, nil
}

// sentinelConn is a client of one sentinel, and its address for error messages.
type sentinelConn struct {
	addr string
	c    *redis.SentinelClient
}

type sentinelAnswer struct {
	addr  string
	epoch int64
	err   error
}

// masterAddr asks every sentinel at once and believes the highest config epoch: right
// after a failover, sentinels that have not heard of it (they learn within ~2s) still
// name the old master.
func (s *sentinelTopo) masterAddr(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	answers := make(chan sentinelAnswer, len(s.sentinels))
	for _, sc := range s.sentinels {
		go func() { answers <- s.ask(ctx, sc) }()
	}
	best := sentinelAnswer{epoch: -1}
	var errs []error
	for range s.sentinels {
		a := <-answers
		if a.err != nil {
			errs = append(errs, a.err)
		} else if a.epoch > best.epoch {
			best = a
		}
	}
	if best.addr == "" {
		return "", fmt.Errorf("bridge: no sentinel named master %q: %w", s.master, errors.Join(errs...))
	}
	return best.addr, nil
}

func (s *sentinelTopo) ask(ctx context.Context, sc sentinelConn) sentinelAnswer {
	m, err := sc.c.Master(ctx, s.master).Result()
	if err != nil {
		return sentinelAnswer{err: fmt.Errorf("sentinel %s: %w", sc.addr, err)}
	}
	epoch, _ := strconv.ParseInt(m["config-epoch"], 10, 64)
	if m["ip"] == "" || m["port"] == "" {
		return sentinelAnswer{err: fmt.Errorf("sentinel %s: no address for %q", sc.addr, s.master)}
	}
	return sentinelAnswer{addr: net.JoinHostPort(m["ip"], m["port"]), epoch: epoch}
}

func (s *sentinelTopo) poll() time.Duration { return s.every }

// watch listens to +switch-master on every sentinel until ctx ends.
func (s *sentinelTopo) watch(ctx context.Context, changed chan<- struct{}) {
	var wg sync.WaitGroup
	for _, sc := range s.sentinels {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.watchOne(ctx, sc, changed)
		}()
	}
	wg.Wait()
}

func (s *sentinelTopo) watchOne(ctx context.Context, sc sentinelConn, changed chan<- struct{}) {
	backoff := s.backoffMin
	for ctx.Err() == nil {
		ps := sc.c.Subscribe(ctx, "+switch-master")
		s.listen(ctx, ps, changed)
		_ = ps.Close()
		if !sleepCtx(ctx, jitter(backoff)) {
			return
		}
		backoff = min(backoff*2, s.backoffMax)
	}
}

// listen signals changed on every switch of our master and on every (re)subscription,
// since a switch may have happened while the watch was down. It returns when the link
// fails; the poll covers a sentinel that stays silent.
func (s *sentinelTopo) listen(ctx context.Context, ps *redis.PubSub, changed chan<- struct{}) {
	stop := context.AfterFunc(ctx, func() { _ = ps.Close() })
	defer stop()
	for {
		msg, err := ps.ReceiveTimeout(ctx, s.every)
		if isTimeout(err) {
			if ps.Ping(ctx) != nil {
				return
			}
			continue
		}
		if err != nil {
			return
		}
		switch m := msg.(type) {
		case *redis.Subscription:
			signal(changed)
		case *redis.Message:
			if strings.HasPrefix(m.Payload, s.master+" ") {
				signal(changed)
			}
		}
	}
}

func (s *sentinelTopo) close() error {
	errs := []error{s.nodes.close()}
	for _, sc := range s.sentinels {
		errs = append(errs, sc.c.Close())
	}
	return errors.Join(errs...)
}
