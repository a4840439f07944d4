package harness

import (
	"flag"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge/tcpproxy"
	"github.com/bridgescope/bridgescope/metrics/report"
	"github.com/bridgescope/bridgescope/probe/load"

	"github.com/google/go-cmp/cmp"

	"github.com/bridgescope/bridgescope/bridge"
)

func TestParseFault(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Fault
		err  string
	}{
		{in: "kill-subscribers@10s", want: Fault{Kind: FaultKillSubscribers, At: 10 * time.Second}},
		{in: "pause@20s:2s", want: Fault{Kind: FaultPause, At: 20 * time.Second, For: 2 * time.Second}},
		{in: "proxy-blackhole@1.5s:500ms", want: Fault{Kind: FaultProxyBlackhole, At: 1500 * time.Millisecond, For: 500 * time.Millisecond}},
		{in: "x@1s", err: `unknown fault "x"; known: kill-subscribers, pause, proxy-blackhole`},
		{in: "", err: `unknown fault ""; known: kill-subscribers, pause, proxy-blackhole`},
		{in: "pause", err: `fault "pause" needs a time: want pause@T:D, e.g. pause@10s:2s`},
		{in: "pause@2s", err: `fault "pause@2s" needs a duration: want pause@T:D`},
		{in: "kill-subscribers@1s:2s", err: `fault "kill-subscribers@1s:2s" takes no duration: want kill-subscribers@T, e.g. kill-subscribers@10s`},
		{in: "pause@soon:2s", err: `fault "pause@soon:2s": bad time "soon": want a duration like 10s or 500ms`},
		{in: "pause@10:2s", err: `bad time "10": want a duration like 10s`},
		{in: "pause@-1s:2s", err: `bad time "-1s": must be positive`},
		{in: "pause@1s:0s", err: `bad duration "0s": must be positive`},
		{in: "pause@1s:100us", err: `the duration must be at least 1ms`},
	} {
		got, err := ParseFault(tc.in)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("ParseFault(%q): %v", tc.in, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParseFault(%q) error %v, want one containing %q", tc.in, err, tc.err)
		case got != tc.want:
			t.Errorf("ParseFault(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
		if tc.err == "" && got.String() != tc.in {
			if again, _ := ParseFault(got.String()); again != got {
				t.Errorf("%q prints as %q, which does not parse back", tc.in, got.String())
			}
		}
	}
}

func TestFaultListFlag(t *testing.T) {
	var l FaultList
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Var(&l, "fault", "")
	if err := fs.Parse([]string{"--fault", "kill-subscribers@10s", "--fault", "pause@20s:2s"}); err != nil {
		t.Fatal(err)
	}
	if l.String() != "kill-subscribers@10s,pause@20s:2s" {
		t.Errorf("String = %q", l.String())
	}
	err := fs.Parse([]string{"--fault", "boom@1s"})
	if err == nil || !strings.Contains(err.Error(), `unknown fault "boom"; known: kill-subscribers, pause, proxy-blackhole`) {
		t.Errorf("bad --fault: %v", err)
	}
}

func TestCheckFaults(t *testing.T) {
	f := func(s string) Fault {
		v, err := ParseFault(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	d := 30 * time.Second
	if err := CheckFaults([]Fault{f("pause@20s:2s"), f("kill-subscribers@10s"), f("proxy-blackhole@25s:4s")}, d); err != nil {
		t.Errorf("good scenario refused: %v", err)
	}
	err := CheckFaults([]Fault{f("kill-subscribers@30s"), f("pause@29s:2s"), f("pause@5s:2s"), f("kill-subscribers@6s")}, d)
	for _, want := range []string{
		"fault kill-subscribers@30s starts at or after the end of publishing (duration 30s)",
		"fault pause@29s:2s ends at or after the end of publishing (duration 30s): recovery could not be seen",
		"fault kill-subscribers@6s overlaps fault pause@5s:2s",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

func TestReaderIDs(t *testing.T) {
	list := "id=3 addr=a name=test-instance-0 sub=1 psub=0 ssub=0 cmd=subscribe\n" +
		"id=4 addr=b name=test-instance-0 sub=0 psub=0 ssub=0 cmd=publish\n" +
		"id=5 addr=c name=test-instance-1 sub=0 psub=0 ssub=0 cmd=xread\n" +
		"id=6 addr=d name=test-instance-1 sub=0 psub=0 ssub=0 cmd=xadd\n" +
		"id=7 addr=e name=someone-else sub=1 psub=0 ssub=0 cmd=subscribe\n" +
		"id=8 addr=f name= sub=0 psub=2 ssub=0 cmd=psubscribe\n"
	got := readerIDs(list, map[string]bool{"test-instance-0": true, "test-instance-1": true})
	if d := cmp.Diff([]string{"3", "5"}, got); d != "" {
		t.Errorf("readerIDs (-want +got):\n%s", d)
	}
}

// TestStateLog: a loss seen down, and one that came and went between two
// readings (only the reconnect count tells), are both booked.
func TestStateLog(t *testing.T) {
	start := time.Unix(1000, 0)
	at := func(ms int) time.Time { return start.Add(time.Duration(ms) * time.Millisecond) }
	var s stateLog
	read := func(now int, state bridge.ConnState, since int, reconnects uint64) {
		s.observe(bridge.Stats{State: state, StateSince: at(since), Reconnects: reconnects}, time.Duration(now)*time.Millisecond, start)
	}
	read(0, bridge.StateConnected, -50, 0)
	read(20, bridge.StateConnected, -50, 0)
	read(40, bridge.StateDisconnected, 31, 0)
	read(60, bridge.StateDisconnected, 31, 0)
	read(80, bridge.StateConnected, 75, 1)
	read(100, bridge.StateConnected, 95, 2) // lost after 80, back at 95
	read(120, bridge.StateDisconnected, 110, 2)
	ms := time.Millisecond
	want := []stateSpan{{31 * ms, 75 * ms}, {80 * ms, 95 * ms}, {110 * ms, -1}}
	if d := cmp.Diff(want, s.spans, cmp.AllowUnexported(stateSpan{})); d != "" {
		t.Errorf("spans (-want +got):\n%s", d)
	}
}

// handBooks is a run of 3 instances for 4.1s: sender s publishes seq q
// at 100ms·q + 10ms·s, and every other instance receives it. drop takes
// one delivery away.
func handBooks() (fb *faultBooks, drop func(s, q, r int)) {
	ms := time.Millisecond
	tr := newFaultTracker(3, time.Unix(0, 0))
	recv := []*receiver{}
	for i := range 3 {
		recv = append(recv, newReceiver(i, InstanceID(i, false), "c", nil, 3))
	}
	for s := range 3 {
		for q := 1; q <= 40; q++ {
			sent := time.Duration(q)*100*ms + time.Duration(s)*10*ms
			tr.pubs[s].recs = append(tr.pubs[s].recs, pubRecord{sent: sent, done: sent + ms, ok: true, attempted: true})
			for r := range 3 {
				if r != s {
					recv[r].from[s].Add(uint64(q))
				}
			}
		}
	}
	drop = func(s, q, r int) {
		recv[r].from[s] = without(recv[r].from[s], uint64(q))
	}
	return &faultBooks{ids: []string{"i0", "i1", "i2"}, tr: tr, recv: recv, ran: 4100 * ms}, drop
}

// TestFaultAccounting feeds the books a run by hand and checks detection,
// recovery and loss to the event.
func TestFaultAccounting(t *testing.T) {
	ms := time.Millisecond
	fb, drop := handBooks()
	tr := fb.tr
	// Fault 1 at 1000ms: instance 2 is down 1005..1230ms; seqs 10..12 of
	// sender 0 are lost to instance 2 (and seq 2 at 200ms, before any fault).
	tr.states[2].spans = []stateSpan{{1005 * ms, 1230 * ms}}
	for q := 10; q <= 12; q++ {
		drop(0, q, 2)
	}
	drop(1, 2, 0)
	// Fault 2 at 2000ms, 500ms long: sender 1's seq 20 (sent 2010ms) hangs
	// 400ms; seq 21 fails after 3s but reaches instance 0 anyway.
	tr.pubs[1].recs[19].done = 2410 * ms
	tr.pubs[1].recs[20].ok, tr.pubs[1].recs[20].done = false, 5110*ms
	drop(1, 21, 2)
	injs := []injection{
		{fault: Fault{Kind: FaultKillSubscribers, At: time.Second}, at: 1000 * ms, end: 1000 * ms},
		{fault: Fault{Kind: FaultPause, At: 2 * time.Second, For: 500 * ms}, at: 2000 * ms, end: 2500 * ms},
	}
	got, loss := fb.account(injs)
	want := []report.FaultResult{
		{Name: "kill-subscribers", Spec: "kill-subscribers@1s", AtMs: 1000, DetectedMs: ptr(int64(1005)),
			DetectedBy: "i2: subscription left connected", RecoveredMs: ptr(int64(1300)), WindowStartMs: 950, WindowEndMs: 1300,
			// instance 2 back at 1230ms; the first event after it is sender
			// 0's seq 13 at 1300ms. Window 950..1300ms: seqs 10..13 of
			// sender 0, 10..12 of senders 1 and 2.
			Published: 10, Expected: 20, Lost: 3, Reconnects: 1},
		{Name: "pause", Spec: "pause@2s:500ms", AtMs: 2000, ForMs: 500, DetectedMs: ptr(int64(2260)),
			DetectedBy: "i1: publish stalled over 250ms", RecoveredMs: ptr(int64(2500)), WindowStartMs: 1950, WindowEndMs: 2500,
			// recovered with the first event at the fault's end; window
			// 1950..2500ms: seqs 20..25 of sender 0, 20 and 22..24 of
			// sender 1 (21 failed), 20..24 of sender 2.
			Published: 15, Expected: 30, Lost: 0, PublishErrors: 1, DeliveredAnyway: 1},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("fault results (-want +got):\n%s", d)
	}
	// The failed seq 21 reached instance 0 but not 2: a delivery of a failed publish lost.
	if loss != (report.FaultLoss{InWindows: 3, Outside: 1, Unpublished: 1}) {
		t.Errorf("loss %+v, want 3 inside, 1 outside and 1 of a failed publish", loss)
	}
	// A subscription still down at the end: no recovery, the window runs
	// to the end of publishing.
	tr.states[0].spans = []stateSpan{{3050 * ms, -1}}
	got, _ = fb.account([]injection{{fault: Fault{Kind: FaultKillSubscribers, At: 3 * time.Second}, at: 3000 * ms, end: 3000 * ms}})
	if got[0].RecoveredMs != nil || got[0].WindowEndMs != 4100 || got[0].Published != 33 {
		t.Errorf("unrecovered fault: %+v", got[0])
	}
}

func without(s load.SeqSet, q uint64) load.SeqSet { return s.Without(q) }

func TestFaultProxyBlackhole(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() { // an echo server
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		_, _ = io.Copy(c, c)
	}()
	p, err := tcpproxy.New(ln.Addr().String(), faultProxyMaxConns)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	echo := func(msg string, d time.Duration) (string, error) {
		if _, err := c.Write([]byte(msg)); err != nil {
			return "", err
		}
		_ = c.SetReadDeadline(time.Now().Add(d))
		buf := make([]byte, 64)
		n, err := c.Read(buf)
		return string(buf[:n]), err
	}
	if got, err := echo("one", 2*time.Second); got != "one" || err != nil {
		t.Fatalf("through the proxy: %q %v", got, err)
	}
	p.Blackhole()
	if got, err := echo("two", 200*time.Millisecond); got != "" || err == nil {
		t.Errorf("black-holed proxy passed %q (%v)", got, err)
	}
	p.Restore()
	if got, err := echo("three", 2*time.Second); got != "three" || err != nil {
		t.Errorf("after the black hole: %q %v; want only what was sent since", got, err)
	}
}
