package bridgetest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Sentinel timings: small, so a test sees a failover in about a second.
const (
	sentinelDownAfter      = 1000 // ms, down-after-milliseconds
	sentinelFailoverTO     = 5000 // ms, failover-timeout
	sentinelSettleTimeout  = 20 * time.Second
	sentinelFailoverWindow = 15 * time.Second
)

// SentinelSet is a private Sentinel deployment: a master, one replica and three
// sentinels that monitor them under Name, each process on its own free port.
type SentinelSet struct {
	Name      string
	Nodes     [2]*Server // the initial master and replica; roles swap on failover
	Sentinels []*Sentinel
}

// Sentinel is one redis-server --sentinel process owned by a test.
type Sentinel struct {
	dir, conf, logPath string
	port               int
	proc               *proc
}

// StartSentinel starts a master, a replica of it and three sentinels monitoring them
// as "bridgetest", waits until the sentinels know the replica, and stops everything in
// t.Cleanup. opts apply to the two data nodes. It skips where only miniredis exists.
func StartSentinel(t testing.TB, opts ...Option) *SentinelSet {
	t.Helper()
	// Diskless sync waits 5s by default for more replicas to join: we have one.
	opts = append([]Option{WithArgs("--repl-diskless-sync-delay", "0")}, opts...)
	master := Start(t, opts...)
	master.RequireReal(t)
	_, mport, _ := net.SplitHostPort(master.Addr())
	replica := Start(t, append(opts, WithArgs("--replicaof", "127.0.0.1", mport))...)
	set := &SentinelSet{Name: "bridgetest", Nodes: [2]*Server{master, replica}}
	eventuallyTB(t, sentinelSettleTimeout, "the replica to sync", func() bool {
		v, err := replica.DoErr("INFO", "replication")
		return err == nil && strings.Contains(fmt.Sprint(v), "master_link_status:up")
	})
	for i := 0; i < 3; i++ {
		set.Sentinels = append(set.Sentinels, startSentinel(t, master.bin, set.Name, mport))
	}
	eventuallyTB(t, sentinelSettleTimeout, "the sentinels to know the replica", func() bool {
		for _, s := range set.Sentinels {
			v, err := s.DoErr("SENTINEL", "REPLICAS", set.Name)
			reps, _ := v.([]any)
			if err != nil || len(reps) != 1 || strings.Contains(fmt.Sprint(reps[0]), "disconnected") {
				return false
			}
		}
		return true
	})
	return set
}

func startSentinel(t testing.TB, bin, name, masterPort string) *Sentinel {
	t.Helper()
	dir := t.TempDir()
	s := &Sentinel{dir: dir, conf: filepath.Join(dir, "sentinel.conf"), logPath: filepath.Join(dir, "sentinel.log")}
	t.Cleanup(s.stop)
	var err error
	for attempt := 1; attempt <= maxPortTries; attempt++ {
		if s.port, err = freePort(); err != nil {
			t.Fatalf("bridgetest: %v", err)
		}
		if err = s.boot(bin, name, masterPort); err == nil || !errors.Is(err, errPortInUse) {
			break
		}
	}
	if err != nil {
		tail, _ := readTail(s.logPath, 0, logTailLines)
		t.Fatalf("bridgetest: start sentinel: %v\n%s", err, tail)
	}
	return s
}

// boot writes a fresh sentinel.conf (a sentinel rewrites its own) and starts it.
func (s *Sentinel) boot(bin, name, masterPort string) error {
	conf := fmt.Sprintf("port %d\nbind 127.0.0.1\nprotected-mode no\ndir %s\nlogfile %s\n"+
		"sentinel monitor %s 127.0.0.1 %s 2\n"+
		"sentinel down-after-milliseconds %[4]s %[6]d\nsentinel failover-timeout %[4]s %[7]d\n"+
		"sentinel parallel-syncs %[4]s 1\n",
		s.port, s.dir, s.logPath, name, masterPort, sentinelDownAfter, sentinelFailoverTO)
	if err := os.WriteFile(s.conf, []byte(conf), 0o600); err != nil {
		return fmt.Errorf("write sentinel.conf: %w", err)
	}
	offset := fileSize(s.logPath)
	cmd := exec.Command(bin, s.conf, "--sentinel")
	cmd.Dir = s.dir
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("exec %s --sentinel: %w", bin, err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	if err := awaitReady(p, s.Addr()); err != nil {
		p.signal(os.Kill)
		<-p.done
		if log, _ := readTail(s.logPath, offset, logTailLines); strings.Contains(log, "Address already in use") {
			return fmt.Errorf("sentinel on %s: %w", s.Addr(), errPortInUse)
		}
		return err
	}
	s.proc = p
	return nil
}

func (s *Sentinel) stop() {
	if s.proc != nil {
		s.proc.terminate(stopGrace)
		s.proc = nil
	}
}

// Addr returns "127.0.0.1:PORT".
func (s *Sentinel) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// DoErr runs one command on the sentinel over a fresh connection, as Server.DoErr does.
func (s *Sentinel) DoErr(args ...any) (any, error) {
	// A Server value with only a port is enough for DoErr: it dials Addr and nothing else.
	return (&Server{port: s.port}).DoErr(args...)
}

// SentinelAddrs returns the sentinels' "127.0.0.1:PORT" addresses.
func (set *SentinelSet) SentinelAddrs() []string {
	addrs := make([]string, len(set.Sentinels))
	for i, s := range set.Sentinels {
		addrs[i] = s.Addr()
	}
	return addrs
}

// MasterAddr asks the first sentinel where the master is.
func (set *SentinelSet) MasterAddr(t testing.TB) string {
	t.Helper()
	v, err := set.Sentinels[0].DoErr("SENTINEL", "GET-MASTER-ADDR-BY-NAME", set.Name)
	parts, _ := v.([]any)
	if err != nil || len(parts) != 2 {
		t.Fatalf("bridgetest: master address: %v %v", v, err)
	}
	return net.JoinHostPort(fmt.Sprint(parts[0]), fmt.Sprint(parts[1]))
}

// Node returns the data node listening on addr, or nil.
func (set *SentinelSet) Node(addr string) *Server {
	for _, n := range set.Nodes {
		if n.Addr() == addr {
			return n
		}
	}
	return nil
}

// Failover runs SENTINEL FAILOVER (retrying while a sentinel still refuses it, e.g. with
// NOGOODSLAVE right after start) and waits until every sentinel names the new master and
// that node answers ROLE as master. It returns the new master's address.
func (set *SentinelSet) Failover(t testing.TB) string {
	t.Helper()
	old := set.MasterAddr(t)
	eventuallyTB(t, sentinelFailoverWindow, "SENTINEL FAILOVER to be accepted", func() bool {
		_, err := set.Sentinels[0].DoErr("SENTINEL", "FAILOVER", set.Name)
		return err == nil
	})
	var addr string
	eventuallyTB(t, sentinelFailoverWindow, "every sentinel to name a new master", func() bool {
		for _, s := range set.Sentinels {
			v, err := s.DoErr("SENTINEL", "GET-MASTER-ADDR-BY-NAME", set.Name)
			parts, _ := v.([]any)
			if err != nil || len(parts) != 2 {
				return false
			}
			addr = net.JoinHostPort(fmt.Sprint(parts[0]), fmt.Sprint(parts[1]))
			if addr == old {
				return false
			}
		}
		n := set.Node(addr)
		role, err := n.DoErr("ROLE")
		r, _ := role.([]any)
		return err == nil && len(r) > 0 && r[0] == "master"
	})
	return addr
}

// eventuallyTB polls cond every 20ms for up to d, then fails t.
func eventuallyTB(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("bridgetest: after %v still waiting for %s", d, what)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
