package harness

import (
	"bytes"
	"context"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/bridge/bridgetest"
	"github.com/bridgescope/bridgescope/metrics"
	"github.com/bridgescope/bridgescope/metrics/report"
	"github.com/bridgescope/bridgescope/probe/load"
)

// syncBuffer is a bytes.Buffer safe for the harness's concurrent log lines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func harnessConfig(url string, n int, d time.Duration, rate float64) Config {
	return Config{
		Conn: bridge.ConnConfig{URL: url}, Instances: n, Duration: d, Drain: 2 * time.Second,
		Rate: rate, Channel: "bridge:events",
	}
}

// checkFullDelivery asserts that every instance received every event of
// every other instance exactly once and nothing went wrong.
func checkFullDelivery(t *testing.T, in report.ValidateInput, n int) {
	t.Helper()
	if len(in.Instances) != n || len(in.Matrix) != n || len(in.Published) != n {
		t.Fatalf("got %d instances, %d matrix rows, %d published, want %d each", len(in.Instances), len(in.Matrix), len(in.Published), n)
	}
	for s := range n {
		if in.Published[s] == 0 {
			t.Errorf("instance %d published nothing: senders are not chosen at random", s)
		}
		for r := range n {
			want := in.Published[s]
			if r == s {
				want = 0
			}
			if got := in.Matrix[s][r]; got != want {
				t.Errorf("Matrix[%d][%d] = %d, want %d", s, r, got, want)
			}
		}
	}
	for name, v := range map[string][]int64{"Duplicates": in.Duplicates, "SelfReceived": in.SelfReceived,
		"Collisions": in.Collisions, "Errors": in.Errors, "Malformed": in.Malformed} {
		if sum(v) != 0 {
			t.Errorf("%s = %v, want all zero", name, v)
		}
	}
	if want := sum(in.Published) * int64(n-1); in.Latency.Count() != want {
		t.Errorf("latency samples = %d, want one per delivery (%d)", in.Latency.Count(), want)
	}
	if len(in.CollisionIDs) != 0 {
		t.Errorf("CollisionIDs = %v, want none", in.CollisionIDs)
	}
}

func TestHarnessThreeInstances(t *testing.T) {
	s := bridgetest.Start(t)
	cfg := harnessConfig(s.URL(), 3, 2*time.Second, 100)
	var log syncBuffer
	cfg.Log = &log
	var mu sync.Mutex
	var calls []Progress
	returned := false
	cfg.Progress = func(p Progress) {
		mu.Lock()
		defer mu.Unlock()
		if returned {
			t.Error("Progress called after Run returned")
		}
		calls = append(calls, p)
	}
	in, err := Run(context.Background(), cfg)
	mu.Lock()
	returned = true
	mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	checkFullDelivery(t, in, 3)
	// 100/s for 2s is 200 events; the pacer releases exactly that many.
	if got := sum(in.Published); got != 200 {
		t.Errorf("published %d events, want 200 (100/s × 2s)", got)
	}
	r := report.BuildValidateReport(in, metrics.DefaultThresholds())
	if r.Status != "PASS" || r.Received != 2*r.Published || r.DeliveryRate != 100 || r.SelfReceived != 0 {
		t.Errorf("report: status %s, received %d of published %d, delivery %v%%, self %d; reasons %v",
			r.Status, r.Received, r.Published, r.DeliveryRate, r.SelfReceived, r.Reasons)
	}
	if in.Duration != 2*time.Second || in.Rate != 100 || in.Redis != s.URL() || in.Instances[2] != "test-instance-2" {
		t.Errorf("input echoes config wrongly: duration %v rate %v redis %q ids %v", in.Duration, in.Rate, in.Redis, in.Instances)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(calls) < 6 {
		t.Errorf("Progress called %d times in 2s, want about 4 a second", len(calls))
	}
	for i := 1; i < len(calls); i++ {
		if calls[i].Published < calls[i-1].Published || calls[i].Received < calls[i-1].Received || calls[i].Elapsed <= calls[i-1].Elapsed {
			t.Errorf("progress went backwards: %+v then %+v", calls[i-1], calls[i])
		}
	}
	for _, want := range []string{"3 instances subscribed to bridge:events", "drain: all 400 deliveries arrived"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}
}

func TestHarnessFiveInstances(t *testing.T) {
	s := bridgetest.Start(t)
	in, err := Run(context.Background(), harnessConfig(s.URL(), 5, 2*time.Second, 1000))
	if err != nil {
		t.Fatal(err)
	}
	checkFullDelivery(t, in, 5)
	if got := sum(in.Published); got < 1800 {
		t.Errorf("published %d events, want about 2000 (1000/s × 2s)", got)
	}
	r := report.BuildValidateReport(in, metrics.DefaultThresholds())
	if r.Received != 4*r.Published || r.Status != "PASS" {
		t.Errorf("received %d, want 4 × %d; status %s %v", r.Received, r.Published, r.Status, r.Reasons)
	}
}

func TestHarnessSharedIDIsACollision(t *testing.T) {
	s := bridgetest.Start(t)
	cfg := harnessConfig(s.URL(), 3, time.Second, 100)
	cfg.SharedID = true
	in, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if in.Instances[i] != "test-instance" {
			t.Errorf("instance %d ID = %q, want the shared test-instance", i, in.Instances[i])
		}
		if in.Collisions[i] == 0 || in.SelfReceived[i] == 0 {
			t.Errorf("instance %d: collisions %d, self-received %d, want both > 0", i, in.Collisions[i], in.SelfReceived[i])
		}
		for r := range 3 {
			if r != i && in.Matrix[i][r] != in.Published[i] {
				t.Errorf("Matrix[%d][%d] = %d, want %d: senders are told apart by boot", i, r, in.Matrix[i][r], in.Published[i])
			}
		}
	}
	if len(in.CollisionIDs) != 1 || in.CollisionIDs[0] != "test-instance" {
		t.Errorf("CollisionIDs = %v, want [test-instance]", in.CollisionIDs)
	}
	r := report.BuildValidateReport(in, metrics.DefaultThresholds())
	if r.Status != "FAIL" || !strings.Contains(strings.Join(r.Reasons, "\n"), `collision: "test-instance"`) {
		t.Errorf("status %s, reasons %q; want FAIL naming the collision on test-instance", r.Status, r.Reasons)
	}
}

func TestHarnessSurvivesRedisRestart(t *testing.T) {
	s := bridgetest.Start(t)
	s.RequireReal(t)
	const n = 3
	cfg := harnessConfig(s.URL(), n, 8*time.Second, 200)
	cfg.Drain = time.Second
	var log syncBuffer
	cfg.Log = &log
	var mu sync.Mutex
	var last Progress
	cfg.Progress = func(p Progress) {
		mu.Lock()
		last = p
		mu.Unlock()
	}
	type result struct {
		in  report.ValidateInput
		err error
	}
	done := make(chan result, 1)
	go func() {
		in, err := Run(context.Background(), cfg)
		done <- result{in, err}
	}()
	time.Sleep(1500 * time.Millisecond)
	s.Kill(t)
	time.Sleep(time.Second)
	s.Restart(t)
	// The bridges back off at most ~1.6s before resubscribing after a 1s outage.
	time.Sleep(3 * time.Second)
	mu.Lock()
	cp := last
	mu.Unlock()
	res := <-done
	if res.err != nil {
		t.Fatal(res.err)
	}
	in := res.in
	published := sum(in.Published)
	var received int64
	for s := range n {
		received += sum(in.Matrix[s])
	}
	if cp.Published == 0 || published-cp.Published < 200 {
		t.Fatalf("checkpoint at %v: %d published then, %d at the end: too little published after the restart", cp.Elapsed, cp.Published, published)
	}
	// A publish under way at the checkpoint may be delivered (counted in
	// cp.Received) before its reply is counted as published: allow those.
	inFlight := int64((n - 1) * load.Workers(cfg.Rate))
	if after, want := received-cp.Received, (n-1)*(published-cp.Published); after < want-inFlight {
		t.Errorf("after the restart %d events were published and %d delivered, want all %d delivered\n%s",
			published-cp.Published, after, want, log.String())
	}
	r := report.BuildValidateReport(in, metrics.DefaultThresholds())
	// During the outage PUBLISH fails: those events count as errors, not as
	// published; events published before every subscriber was back are lost.
	// Which of the two an event becomes depends on go-redis's and the
	// bridge's reconnect timing, so only their sum is certain.
	if due := int64(cfg.Rate * cfg.Duration.Seconds()); r.Lost == 0 && published > due-100 || r.Errors < n {
		t.Errorf("lost %d, published %d of %d due, errors %d: want the outage visible and every lost subscription an error\n%s",
			r.Lost, published, due, r.Errors, log.String())
	}
	if !strings.Contains(log.String(), "reconnects 1") {
		t.Errorf("log shows no reconnect:\n%s", log.String())
	}
	t.Logf("published %d, received %d of %d, lost %d, errors %d", r.Published, r.Received, r.Expected, r.Lost, r.Errors)
}

func TestHarnessCountsLossWhenSubscriptionsDrop(t *testing.T) {
	s := bridgetest.Start(t)
	s.RequireReal(t)
	const n = 3
	cfg := harnessConfig(s.URL(), n, 3*time.Second, 500)
	cfg.Drain = time.Second
	done := make(chan error, 1)
	var in report.ValidateInput
	go func() {
		var err error
		in, err = Run(context.Background(), cfg)
		done <- err
	}()
	time.Sleep(time.Second)
	// Publishing goes on while the bridges back off (≥50ms) and resubscribe:
	// whatever is published meanwhile is lost for them.
	if killed := s.ClientKill(t, "pubsub"); killed != n {
		t.Errorf("CLIENT KILL TYPE pubsub closed %d connections, want %d", killed, n)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	r := report.BuildValidateReport(in, metrics.DefaultThresholds())
	if r.Lost == 0 || r.Received+r.Lost != r.Expected || r.Errors < n {
		t.Errorf("lost %d, received %d of %d, errors %d: want the gap counted as lost and each drop an error",
			r.Lost, r.Received, r.Expected, r.Errors)
	}
	for i := range n {
		if in.Published[i] == 0 || sum(in.Matrix[i]) == 0 {
			t.Errorf("instance %d published %d, delivered %d: deliveries must resume", i, in.Published[i], sum(in.Matrix[i]))
		}
	}
	if r.Published < 1400 {
		t.Errorf("published %d of 1500: publishing must not stop while subscriptions drop", r.Published)
	}
	t.Logf("published %d, received %d of %d, lost %d, errors %d", r.Published, r.Received, r.Expected, r.Lost, r.Errors)
}

func TestHarnessUnreachableRedis(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	url := "redis://u:s3cret@127.0.0.1:" + strconv.Itoa(port)
	begin := time.Now()
	_, err = Run(context.Background(), harnessConfig(url, 3, time.Second, 10))
	if err == nil {
		t.Fatal("Run on a closed port succeeded")
	}
	if time.Since(begin) > 3*time.Second {
		t.Errorf("took %v to fail, want a quick failure", time.Since(begin))
	}
	msg := err.Error()
	if strings.Contains(msg, "s3cret") || !strings.Contains(msg, "redis://u:xxxxx@127.0.0.1:"+strconv.Itoa(port)) {
		t.Errorf("error %q: want the redacted URL and no password", msg)
	}
}

func TestHarnessRejectsBadConfig(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Instances: 1, Rate: 1, Duration: time.Second}, "at least 2 instances"},
		{Config{Instances: 2, Rate: 0, Duration: time.Second}, "rate must be positive"},
		{Config{Instances: 2, Rate: 1}, "duration must be positive"},
		{Config{Instances: 2, Rate: 1, Duration: time.Second, Drain: -1}, "drain must not be negative"},
	} {
		_, err := Run(context.Background(), tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err = %v, want %q", tc.cfg, err, tc.want)
		}
	}
}

func TestHarnessInterrupted(t *testing.T) {
	s := bridgetest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	begin := time.Now()
	in, err := Run(ctx, harnessConfig(s.URL(), 3, time.Minute, 100))
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(begin); took > 3*time.Second {
		t.Errorf("interrupted run took %v", took)
	}
	if in.Duration <= 0 || in.Duration > time.Second {
		t.Errorf("Duration = %v, want the time actually published (<1s)", in.Duration)
	}
	checkFullDelivery(t, in, 3)
}

func TestHarnessIgnoresForeignTraffic(t *testing.T) {
	s := bridgetest.Start(t)
	cfg := harnessConfig(s.URL(), 2, time.Second, 50)
	var log syncBuffer
	cfg.Log = &log
	stop := make(chan struct{})
	c := s.Client(t)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		foreign := `{"type":"validate.event","data":{"n":1},"timestamp":1,"source":"test-instance-0","seq":1,"boot":"00000000"}`
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			c.Publish(context.Background(), "bridge:events", "not json")
			c.Publish(context.Background(), "bridge:events", foreign)
		}
	}()
	in, err := Run(context.Background(), cfg)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	for r := range 2 {
		if in.Malformed[r] == 0 {
			t.Errorf("instance %d counted no malformed message", r)
		}
		if in.Matrix[1-r][r] != in.Published[1-r] {
			t.Errorf("Matrix[%d][%d] = %d, want %d: foreign events must not count", 1-r, r, in.Matrix[1-r][r], in.Published[1-r])
		}
	}
	// Instance 0 sees another boot with its own ID: a real collision.
	if in.Collisions[0] == 0 || len(in.CollisionIDs) != 1 || in.CollisionIDs[0] != "test-instance-0" {
		t.Errorf("collisions %v, IDs %v; want test-instance-0 colliding", in.Collisions, in.CollisionIDs)
	}
	if !strings.Contains(log.String(), "from outside this run") {
		t.Errorf("log does not mention the foreign events:\n%s", log.String())
	}
}
