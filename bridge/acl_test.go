package bridge_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/bridge/bridgetest"
	"github.com/redis/go-redis/v9"
)

// The users of the issue: the minimal one may only publish, subscribe and PING on its
// channels; the full one may also name itself and list clients.
var (
	minimalACL = []any{"resetchannels", "&bridge:*", "-@all", "+publish", "+subscribe", "+psubscribe",
		"+unsubscribe", "+punsubscribe", "+ping"}
	fullACL = append(append([]any(nil), minimalACL...), "+client|list", "+client|setname")
)

func setUser(t *testing.T, srv *bridgetest.Server, name, password string, rules []any) string {
	t.Helper()
	srv.Do(t, append([]any{"ACL", "SETUSER", name, "reset", "on", ">" + password}, rules...)...)
	return "redis://" + name + ":" + password + "@" + srv.Addr()
}

// TestACLUsers: both users connect, subscribe, publish and keep the subscription alive
// with PINGs; only the minimal one is refused CLIENT SETNAME, which shows in Stats.
func TestACLUsers(t *testing.T) {
	srv := bridgetest.Start(t)
	srv.RequireReal(t)
	for _, u := range []struct {
		name    string
		rules   []any
		refused bool
	}{{"minimal", minimalACL, true}, {"full", fullACL, false}} {
		url := setUser(t, srv, u.name, "pw-"+u.name, u.rules)
		sub := roundTrip(t, fastCfg(url, u.name), 5)
		// Idle for several ping timeouts: a refused PING would end the subscription.
		time.Sleep(2 * sub.Config().PingTimeout)
		st := sub.Stats()
		if st.State != bridge.StateConnected || st.SubscribeFails != 0 || st.Reconnects != 0 {
			t.Errorf("%s: idle subscription: state %s, %d failures, %d reconnects (%s)",
				u.name, st.State, st.SubscribeFails, st.Reconnects, st.LastError)
		}
		if st.SetNameRefused != u.refused {
			t.Errorf("%s: SetNameRefused %v, want %v", u.name, st.SetNameRefused, u.refused)
		}
	}
}

func TestWrongPassword(t *testing.T) {
	srv := bridgetest.Start(t)
	srv.RequireReal(t)
	setUser(t, srv, "bot", "right-pw", minimalACL)
	cfg := fastCfg("redis://bot@"+srv.Addr(), "wrong-pw")
	cfg.Conn.Password = "Wr0ng-Pa55word"
	err, took := startErr(t, cfg)
	if !strings.Contains(err.Error(), "authentication failed") || strings.Contains(err.Error(), cfg.Conn.Password) {
		t.Errorf("wrong password: %v", err)
	}
	if took > time.Second {
		t.Errorf("Start took %v to refuse a wrong password", took)
	}
}

// TestRevokedChannelIsLoudAndRecovers: taking the channel permission away mid-run kills
// the subscription; the bridge must say so (disconnected, NOPERM, failures counting up)
// and come back by itself when the permission returns.
func TestRevokedChannelIsLoudAndRecovers(t *testing.T) {
	srv := bridgetest.Start(t)
	srv.RequireReal(t)
	url := setUser(t, srv, "bot", "pw", minimalACL)
	sub, rec := startBridge(t, fastCfg(url, "bot"))
	pub, _ := startBridge(t, fastCfg(srv.URL(), "pub"))
	publish(t, pub, 3)
	waitFor(t, "deliveries before the revocation", 5*time.Second, func() bool { return rec.count() == 3 })

	srv.Do(t, "ACL", "SETUSER", "bot", "resetchannels")
	waitFor(t, "the NOPERM to show", 5*time.Second, func() bool {
		st := sub.Stats()
		return st.State == bridge.StateDisconnected && strings.Contains(st.LastError, "NOPERM")
	})
	before := sub.Stats().SubscribeFails
	waitFor(t, "retries to go on", 5*time.Second, func() bool { return sub.Stats().SubscribeFails >= before+2 })
	st := sub.Stats()
	if len(st.Shards) != 1 || st.Shards[0].State != bridge.StateDisconnected || !strings.Contains(st.Shards[0].LastError, "NOPERM") {
		t.Errorf("shard row during the revocation: %+v", st.Shards)
	}
	t.Logf("revoked: %s", st.LastError)

	srv.Do(t, "ACL", "SETUSER", "bot", "&bridge:*")
	waitFor(t, "recovery", 5*time.Second, func() bool { return sub.Stats().State == bridge.StateConnected })
	publish(t, pub, 3)
	waitFor(t, "deliveries after the restoration", 5*time.Second, func() bool { return rec.count() == 6 })
	if st := sub.Stats(); st.Reconnects != 1 {
		t.Errorf("reconnects %d, want 1", st.Reconnects)
	}
}

// botsACL is README's user for untrusted bots (Deployments, "Keeping bots off
// the control channel"): they publish and subscribe on the data channel, and
// may subscribe to the control channel but never publish on it. The selector
// names both channels: one SUBSCRIBE of both must be allowed by one selector.
var botsACL = []any{"resetchannels", "&bridge:events", "-@all", "+publish", "+subscribe", "+psubscribe",
	"+unsubscribe", "+punsubscribe", "+ping", "(&bridge:events &bridge:bridgescope +subscribe +unsubscribe +ping)"}

// TestACLKeepsBotsOffTheControlChannel: with README's users, a bot's PUBLISH
// on the control channel is refused with NOPERM, from a plain client and from
// a bridge; its data traffic and a subscription to the control channel work;
// the observer's user (the minimal one, &bridge:*) publishes control messages
// that a subscriber receives.
func TestACLKeepsBotsOffTheControlChannel(t *testing.T) {
	srv := bridgetest.Start(t)
	srv.RequireReal(t)
	botsURL := setUser(t, srv, "bots", "pw-bots", botsACL)
	obsURL := setUser(t, srv, "bridgescope", "pw-obs", minimalACL)
	ctl := bridge.Config{}.ControlChannel()
	ctx := context.Background()

	opt, err := redis.ParseURL(botsURL)
	if err != nil {
		t.Fatal(err)
	}
	raw := redis.NewClient(opt)
	defer raw.Close()
	if err := raw.Publish(ctx, ctl, `{"type":"bridgescope.stats","source":"forger"}`).Err(); err == nil || !strings.Contains(err.Error(), "NOPERM") {
		t.Errorf("a bot's PUBLISH on %s: %v, want NOPERM", ctl, err)
	}
	if err := raw.Publish(ctx, bridge.DefaultChannel, "x").Err(); err != nil {
		t.Errorf("a bot's PUBLISH on %s: %v", bridge.DefaultChannel, err)
	}
	ps := raw.Subscribe(ctx, ctl)
	defer ps.Close()
	if _, err := ps.ReceiveTimeout(ctx, 2*time.Second); err != nil {
		t.Errorf("a bot's SUBSCRIBE to %s: %v", ctl, err)
	}

	bot, rec := startBridge(t, fastCfg(botsURL, "bot"))
	if _, err := bot.Publish(ctx, ctl, "bridgescope.stats", nil); err == nil || !strings.Contains(err.Error(), "NOPERM") {
		t.Errorf("a bot bridge's control message: %v, want NOPERM", err)
	}
	obs, _ := startBridge(t, fastCfg(obsURL, "obs"))
	publish(t, obs, 2)
	if _, err := obs.Publish(ctx, ctl, "bridgescope.stats", nil); err != nil {
		t.Errorf("the observer's user on %s: %v", ctl, err)
	}
	waitFor(t, "the observer's events at the bot", 5*time.Second, func() bool { return rec.count() == 2 })
	msg, err := ps.ReceiveTimeout(ctx, 2*time.Second)
	if m, ok := msg.(*redis.Message); err != nil || !ok || !strings.Contains(m.Payload, `"source":"obs"`) {
		t.Errorf("the observer's control message at a subscriber: %v %v", msg, err)
	}
}
