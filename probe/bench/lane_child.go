package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/probe"
)

// The observer lane's subscriber roles, each run in a process of its own so
// that its getrusage is its CPU alone.
const (
	RoleBare     = "bare"
	RoleObserver = "observer"
)

// LaneSpec is what a lane process is told on its first stdin line: JSON
// there keeps the password out of the process listing.
type LaneSpec struct {
	Role    string            `json:"role"`
	Conn    bridge.ConnConfig `json:"conn"`
	Channel string            `json:"channel"`
	// ID names the subscription (CLIENT SETNAME), so CLIENT LIST finds it.
	ID string `json:"id"`
	// CPUProfile, when set, is a file for the process's CPU profile.
	CPUProfile string `json:"cpuProfile,omitempty"`
}

// laneMark is a lane process's answer to each "mark" line: what it counted
// and the CPU it used, both since it started.
type laneMark struct {
	Ready   bool   `json:"ready,omitempty"`
	Counted int64  `json:"counted"`
	CPUNs   int64  `json:"cpuNs"`
	Error   string `json:"error,omitempty"`
}

// ServeLane runs one subscriber of the observer lane: it reads a LaneSpec
// from in, subscribes, writes {"ready":true}, then answers every "mark" line
// with its count and CPU until in ends. It is the hidden subcommand the
// bench starts its lane processes with.
func ServeLane(ctx context.Context, in io.Reader, out io.Writer) error {
	r := bufio.NewReader(in)
	line, err := r.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("bench: lane: read spec: %w", err)
	}
	var spec LaneSpec
	if err := json.Unmarshal(line, &spec); err != nil {
		return fmt.Errorf("bench: lane: spec: %w", err)
	}
	if spec.CPUProfile != "" {
		stop, err := startCPUProfile(spec.CPUProfile)
		if err != nil {
			_ = writeMark(out, laneMark{Error: err.Error()})
			return fmt.Errorf("bench: lane %s: %w", spec.Role, err)
		}
		defer stop()
	}
	var sub laneSubscriber
	switch spec.Role {
	case RoleBare:
		sub, err = startBareSub(ctx, spec)
	case RoleObserver:
		sub, err = startObserverSub(ctx, spec)
	default:
		err = fmt.Errorf("unknown role %q", spec.Role)
	}
	if err != nil {
		_ = writeMark(out, laneMark{Error: err.Error()})
		return fmt.Errorf("bench: lane %s: %w", spec.Role, err)
	}
	defer sub.stop()
	if err := writeMark(out, laneMark{Ready: true}); err != nil {
		return err
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil // the bench closed stdin: done
		}
		if line != "mark\n" {
			continue
		}
		cpu, _ := rusageCPU()
		if err := writeMark(out, laneMark{Counted: sub.counted(), CPUNs: cpu.Nanoseconds()}); err != nil {
			return err
		}
	}
}

// startCPUProfile profiles the process into path until the returned
// function is called.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close() // written by StopCPUProfile already
	}, nil
}

func writeMark(w io.Writer, m laneMark) error {
	b, _ := json.Marshal(m) // plain fields: cannot fail
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("bench: lane: write: %w", err)
	}
	return nil
}

// laneSubscriber is one role's subscription.
type laneSubscriber interface {
	counted() int64
	stop()
}

// bareSub is what a plain go-redis user writes: one subscription, read
// with ReceiveTimeout, every message counted.
type bareSub struct {
	b      *bridge.Bridge // never started: it owns the named client
	ps     *redis.PubSub
	n      atomic.Int64
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func startBareSub(ctx context.Context, spec LaneSpec) (*bareSub, error) {
	b, err := bridge.New(bridge.Config{Conn: spec.Conn, InstanceID: spec.ID, DisableSubscription: true})
	if err != nil {
		return nil, err
	}
	ps := b.Redis().Subscribe(ctx, spec.Channel)
	cctx, cancel := context.WithTimeout(ctx, bridge.DefaultDialTimeout+bridge.DefaultCommandTimeout)
	_, err = ps.Receive(cctx) // the confirmation: only then can it miss nothing
	cancel()
	if err != nil {
		_ = ps.Close()
		_ = b.Close()
		return nil, err
	}
	s := &bareSub{b: b, ps: ps}
	runCtx, stop := context.WithCancel(context.Background())
	s.cancel = stop
	s.wg.Add(1)
	go s.run(runCtx)
	return s, nil
}

func (s *bareSub) run(ctx context.Context) {
	defer s.wg.Done()
	for ctx.Err() == nil {
		msg, err := s.ps.ReceiveTimeout(ctx, time.Second)
		if err != nil {
			if errors.Is(err, redis.ErrClosed) {
				return
			}
			continue
		}
		if _, ok := msg.(*redis.Message); ok {
			s.n.Add(1)
		}
	}
}

func (s *bareSub) counted() int64 { return s.n.Load() }

func (s *bareSub) stop() {
	s.cancel()
	_ = s.ps.Close()
	s.wg.Wait()
	_ = s.b.Close()
}

// observerSub is the observer as watch --headless runs it: probing (on a
// channel of its own, so the bare subscriber does not receive the probes),
// taking snapshots, polling CLIENT LIST. It counts what its registry counted.
type observerSub struct {
	o  *probe.Observer
	wg sync.WaitGroup
}

func startObserverSub(ctx context.Context, spec LaneSpec) (*observerSub, error) {
	probes := spec.Channel + ":probes"
	o, err := probe.NewObserver(probe.ObserverConfig{Conn: spec.Conn, Channels: []string{spec.Channel, probes},
		ProbeChannels: []string{probes}, ID: spec.ID})
	if err != nil {
		return nil, err
	}
	if err := o.Start(ctx); err != nil {
		return nil, err
	}
	s := &observerSub{o: o}
	s.wg.Add(1)
	go func() { // the screen's part: take every snapshot
		defer s.wg.Done()
		for range o.Snapshots() {
		}
	}()
	return s, nil
}

func (s *observerSub) counted() int64 {
	var n int64
	for _, src := range s.o.Snapshot().Sources {
		n += src.Events
	}
	return n
}

func (s *observerSub) stop() {
	s.o.Stop()
	s.wg.Wait()
}
