package bridge

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Event is one accepted message handed to a handler.
type Event struct {
	Channel string
	Pattern string // the PSUBSCRIBE pattern that matched, if any
	Envelope
	RecvNs int64 // our clock when the message was read off the socket, ns since epoch
	Size   int   // bytes on the wire

	// Collision is set when the message bears our instance ID but another
	// boot: another process uses our ID. It is still delivered — the data is
	// real — and counted in Stats.Collisions.
	Collision bool
	Seq       SeqVerdict
}

// Malformed describes a refused message. It never reaches a handler.
type Malformed struct {
	Channel string
	Reason  Reason
	Source  string // when it could be read
	Size    int
	RecvNs  int64
}

// Handler receives events. Handlers run one event at a time, in arrival
// order: on the subscription reader's goroutine while they are quick (no
// goroutine to wake per socket read), or on the bridge's dispatcher
// goroutine for a while after a batch of them took over a millisecond, so
// that a slow handler fills the queue (Config.QueueSize) rather than holding
// up the socket. A panic in a handler is recovered and counted.
type Handler func(Event)

// Bridge is one instance on the event bridge.
type Bridge struct {
	cfg            Config
	boot           string
	client         redis.UniversalClient // PUBLISH and Redis()
	conns          *conns
	topo           topology // where the subscriptions go
	setNameRefused atomic.Bool
	pub            publisher
	streams        streamBook // read positions, with Transport streams

	hmu         sync.Mutex
	handlers    []Handler
	routes      []route // handlers by type prefix; see HandlePrefix
	onMalformed []func(Malformed)
	extra       []string // channels added before Start (AddChannel)

	mu      sync.Mutex // guards c and the trackers
	c       counters
	tracker *seqTracker
	// signedTracker follows the streams of verified control messages: only
	// holders of the key can fill it, so no flood evicts what catches replays.
	signedTracker *seqTracker
	sig           *signer // nil without Config.ControlKey

	queue chan rawMsg
	// queued counts messages sent to the queue and not yet delivered: a
	// reader delivers by itself only when it is 0 (nothing earlier waits).
	queued atomic.Int64
	// dmu is held by whoever delivers (the dispatcher or a reader), so
	// handlers run one at a time; disp is what they deliver to, fixed at Start.
	dmu      sync.Mutex
	disp     dispatchSet
	started  atomic.Bool
	closed   atomic.Bool
	cancel   context.CancelFunc
	runWG    sync.WaitGroup // the subscription loop
	dispWG   sync.WaitGroup // the dispatcher
	ready    chan struct{}
	readyErr error
	closeErr error
	once     sync.Once
}

type rawMsg struct {
	channel, pattern, payload string
	recvNs                    int64
	size                      int  // of the payload as read: it is dropped when oversize (see bound)
	longChannel               bool // channel was cut from a name past MaxChannelLen
}

// New validates cfg and builds a bridge. It does no I/O: Start connects.
func New(cfg Config) (*Bridge, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	b := &Bridge{cfg: cfg, boot: NewBoot(), tracker: newSeqTracker(maxStreams), signedTracker: newSeqTracker(maxStreams),
		sig: newSigner(cfg.ControlKey), ready: make(chan struct{})}
	cs, err := newConns(cfg, &b.setNameRefused)
	if err != nil {
		return nil, err
	}
	b.conns, b.client, b.topo = cs, cs.cmd, cs.topo
	registerSecrets(&b.cfg.Conn)
	b.pub.chans, b.pub.sig = make(map[string]*pubChannel), b.sig
	b.c.state, b.c.stateSince = StateConnecting, time.Now()
	b.c.collidingBoots = make(map[string]struct{})
	b.c.malformedByChannel = make(map[string]map[Reason]uint64)
	b.queue = make(chan rawMsg, cfg.QueueSize)
	return b, nil
}

// InstanceID is this instance's ID on the wire.
func (b *Bridge) InstanceID() string { return b.cfg.InstanceID }

// Boot is this process's boot ID.
func (b *Bridge) Boot() string { return b.boot }

// Config returns the bridge's configuration with defaults applied.
func (b *Bridge) Config() Config { return b.cfg }

// Redis returns the bridge's command client (not the subscription): a *redis.Client
// for one server or a Sentinel-managed master, a *redis.ClusterClient for a cluster.
func (b *Bridge) Redis() redis.UniversalClient { return b.client }

// Handle adds a handler for ordinary events. It must be called before Start.
func (b *Bridge) Handle(h Handler) { b.addHandler(&b.handlers, h) }

// route sends events whose type starts with prefix to its handlers.
type route struct {
	prefix   string
	handlers []Handler
}

// HandlePrefix adds a handler for the events whose type starts with prefix,
// which then reach neither the ordinary handlers nor another prefix's
// (the longest matching prefix wins). Types starting ControlTypePrefix are
// reserved for control messages: they reach only prefix handlers, never the
// ordinary ones, and are not counted as received. Before Start only.
func (b *Bridge) HandlePrefix(prefix string, h Handler) {
	b.hmu.Lock()
	defer b.hmu.Unlock()
	b.mustNotBeStarted()
	for i := range b.routes {
		if b.routes[i].prefix == prefix {
			b.routes[i].handlers = append(b.routes[i].handlers, h)
			return
		}
	}
	b.routes = append(b.routes, route{prefix: prefix, handlers: []Handler{h}})
	// Longest first: the first match is the most specific.
	slices.SortStableFunc(b.routes, func(x, y route) int { return len(y.prefix) - len(x.prefix) })
}

// AddChannel subscribes the bridge to ch as well as Config.Channels (the
// observer adds the control channel, where acks and stats travel; a
// cooperating instance does not, or it would read every other's acks).
// Before Start only.
func (b *Bridge) AddChannel(ch string) {
	b.hmu.Lock()
	defer b.hmu.Unlock()
	b.mustNotBeStarted()
	if slices.Contains(b.cfg.Channels, ch) || slices.Contains(b.extra, ch) {
		return
	}
	b.extra = append(b.extra, ch)
}

// OnMalformed adds a callback for refused messages. Before Start only.
func (b *Bridge) OnMalformed(f func(Malformed)) {
	b.hmu.Lock()
	defer b.hmu.Unlock()
	b.mustNotBeStarted()
	b.onMalformed = append(b.onMalformed, f)
}

func (b *Bridge) addHandler(list *[]Handler, h Handler) {
	b.hmu.Lock()
	defer b.hmu.Unlock()
	b.mustNotBeStarted()
	*list = append(*list, h)
}

func (b *Bridge) mustNotBeStarted() {
	if b.started.Load() {
		panic("bridge: handlers must be added before Start")
	}
}

// Start connects, subscribes, and returns once Redis has confirmed every
// subscription — only then will a message published anywhere reach this
// instance. It fails if that does not happen before ctx ends or within
// DialTimeout+CommandTimeout; after a successful Start the bridge
// reconnects by itself until Close.
func (b *Bridge) Start(ctx context.Context) error {
	if !b.started.CompareAndSwap(false, true) {
		return errors.New("bridge: already started")
	}
	if !b.cfg.DisableSubscription {
		// One command first: a wrong password, a plaintext server under
		// TLS or an unreachable host is named at once, with what to do
		// about it, rather than after the subscription's retries.
		if err := b.Ping(ctx); err != nil {
			return err
		}
	}
	runCtx, cancel := context.WithCancel(context.Background())
	b.cancel = cancel
	b.hmu.Lock()
	b.disp = dispatchSet{handlers: b.handlers, routes: b.routes, onMal: b.onMalformed}
	b.hmu.Unlock()
	b.dispWG.Add(1)
	go b.dispatch()
	if b.cfg.DisableSubscription {
		b.setState(StateConnected, nil)
		close(b.ready)
		return b.Ping(ctx)
	}

	b.runWG.Add(1)
	go b.run(runCtx)
	wait := time.NewTimer(b.cfg.DialTimeout + b.cfg.CommandTimeout)
	defer wait.Stop()
	select {
	case <-b.ready:
		return b.readyErr
	case <-ctx.Done():
		return fmt.Errorf("bridge: start: %w", ctx.Err())
	case <-wait.C:
		st := b.Stats()
		return fmt.Errorf("bridge: start: not subscribed after %v: %s", b.cfg.DialTimeout+b.cfg.CommandTimeout, st.LastError)
	}
}

// Ping checks that Redis answers a command within DialTimeout, with the
// same hints and redaction as Start: a quick verdict on an unreachable or
// misconfigured Redis before a subscription starts retrying.
func (b *Bridge) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.DialTimeout)
	defer cancel()
	if err := b.pingTLSAware(ctx); err != nil {
		err = describe(err)
		if he := (*HintError)(nil); errors.As(err, &he) && he.Addr == "" {
			he.Addr = b.cfg.Conn.Redacted()
		}
		err = fmt.Errorf("bridge: connect %s: %w", b.cfg.Conn.Redacted(), err)
		b.setState(StateDisconnected, err)
		return b.cfg.Conn.redact(err)
	}
	return nil
}

// Close stops the bridge: it unsubscribes, lets the handlers finish what
// was queued, and closes the connections. It is safe to call more than once.
func (b *Bridge) Close() error {
	b.once.Do(func() {
		b.closed.Store(true)
		if b.cancel != nil {
			b.cancel()
			b.runWG.Wait()
			close(b.queue) // the dispatcher drains what is queued, then exits
			b.dispWG.Wait()
		}
		b.setState(StateClosed, nil)
		b.closeErr = b.conns.close()
		unregisterSecrets(&b.cfg.Conn)
	})
	return b.closeErr
}

func (b *Bridge) setState(s ConnState, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err != nil {
		b.c.lastError = b.cfg.Conn.scrub(Explain(err))
	}
	if b.c.state != s {
		b.c.state, b.c.stateSince = s, time.Now()
	}
}
