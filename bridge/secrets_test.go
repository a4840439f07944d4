package bridge_test

import (
	"bytes"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/bridge/bridgetest"
)

// transcript collects every text the failure paths produce: errors, Stats, the bridges'
// log lines and go-redis's (through SetRedisLogger).
type transcript struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (tr *transcript) Write(p []byte) (int, error) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.buf.Write(p)
}

func (tr *transcript) add(texts ...string) {
	for _, s := range texts {
		_, _ = tr.Write([]byte(s + "\n"))
	}
}

func (tr *transcript) addStats(st bridge.Stats) {
	tr.add(st.LastError)
	for _, row := range st.Shards {
		tr.add(row.Addr, row.LastError)
	}
}

func (tr *transcript) String() string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.buf.String()
}

const (
	urlPW      = "url-PW-1f9c2e"
	filePW     = "file-PW-7b3d5a"
	sentinelPW = "sentinel-PW-9e8d7c"
)

// TestPasswordNeverLeaks drives every failure path with passwords set — in the URL,
// in Password (which must win over the URL's), for sentinels — and searches all the
// text produced for them.
func TestPasswordNeverLeaks(t *testing.T) {
	t.Cleanup(func() { awaitDialProbes(t) }) // runs last, after every Close
	tr := &transcript{}
	log := slog.New(slog.NewTextHandler(tr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	bridge.SetRedisLogger(log)
	t.Cleanup(func() { bridge.SetRedisLogger(nil) })
	srv := bridgetest.Start(t)
	srv.RequireReal(t)
	setUser(t, srv, "bot", filePW, minimalACL)
	quick := func(cfg bridge.Config) bridge.Config {
		cfg.Logger, cfg.DialTimeout, cfg.CommandTimeout = log, 300*time.Millisecond, 300*time.Millisecond
		return cfg
	}
	fail := func(cfg bridge.Config) {
		b, err := bridge.New(quick(cfg))
		if err != nil {
			tr.add(err.Error())
			return
		}
		defer b.Close()
		tr.add(b.Config().Conn.Redacted(), b.Start(t.Context()).Error())
		tr.addStats(b.Stats())
	}

	// The URL's password is wrong; Password overrides it with the right one.
	good := fastCfg("redis://bot:"+urlPW+"@"+srv.Addr(), "override")
	good.Conn.Password = filePW
	sub := roundTrip(t, quick(good), 2)
	tr.add(sub.Config().Conn.Redacted())
	failurePaths(t, srv, fail)

	revoked := quick(good)
	revoked.InstanceID = "revoked"
	b, _ := startBridge(t, revoked)
	srv.Do(t, "ACL", "SETUSER", "bot", "resetchannels")
	waitFor(t, "the NOPERM", 5*time.Second, func() bool { return strings.Contains(b.Stats().LastError, "NOPERM") })
	tr.addStats(b.Stats())

	text := tr.String()
	for _, want := range []string{"authentication failed", "NOPERM", "client certificate", "invalid Redis URL",
		"xxxxx", "redis+sentinel://bot@", "redis+cluster://bot@", "subscription lost", "sentinel"} {
		if !strings.Contains(text, want) {
			t.Errorf("the transcript lacks %q: the failure paths did not all run\n%s", want, text)
		}
	}
	for _, pw := range []string{urlPW, filePW, sentinelPW} {
		if strings.Contains(text, pw) {
			t.Errorf("password %q leaked:\n%s", pw, text)
		}
	}
	t.Logf("searched %d lines of errors, stats and logs", strings.Count(text, "\n"))
}

// failurePaths runs fail on every way a connection can fail with a password set.
func failurePaths(t *testing.T, srv *bridgetest.Server, fail func(bridge.Config)) {
	fail(fastCfg("redis://bot:"+urlPW+"@"+srv.Addr(), "wrong-url-pw"))
	wrongFile := fastCfg("redis://bot@"+srv.Addr(), "wrong-file-pw")
	wrongFile.Conn.Password = urlPW
	fail(wrongFile)
	fail(fastCfg("redis://bot:"+urlPW+"@127.0.0.1:1", "unreachable"))
	fail(fastCfg("redis://bot:"+urlPW+"@127.0.0.1:notaport", "bad-url"))
	fail(fastCfg("redis://bot:"+urlPW+"@127.0.0.1:1/?sentinel_password="+sentinelPW+"&x=%zz", "bad-query"))

	certs := bridgetest.GenerateCerts(t)
	tlsSrv := bridgetest.StartTLS(t, certs, true)
	noCert := fastCfg("rediss://bot:"+urlPW+"@"+tlsSrv.TLSAddr(), "tls-no-cert")
	noCert.Conn.TLSCA = certs.CAFile
	fail(noCert)

	sentinel := fastCfg("redis://bot:"+urlPW+"@ignored:1", "sentinel")
	sentinel.Conn.Password, sentinel.Conn.SentinelPassword = filePW, sentinelPW
	sentinel.Conn.SentinelMaster, sentinel.Conn.SentinelAddrs = "m", []string{"127.0.0.1:1", "127.0.0.1:2"}
	fail(sentinel)
	cluster := fastCfg("redis://bot:"+urlPW+"@ignored:1", "cluster")
	cluster.Conn.Password, cluster.Conn.ClusterAddrs = filePW, []string{"127.0.0.1:1"}
	fail(cluster)
}

// awaitDialProbes waits until go-redis's dial probes have ended. A pool whose dials
// failed PoolSize times probes its server once a second from a goroutine that notices
// the pool's Close only after its current sleep: up to a second after Close, longer
// than goleak waits.
func awaitDialProbes(t *testing.T) {
	t.Helper()
	buf := make([]byte, 1<<20)
	waitFor(t, "go-redis dial probes to end", 3*time.Second, func() bool {
		return !strings.Contains(string(buf[:runtime.Stack(buf, true)]), "(*ConnPool).tryDial")
	})
}
