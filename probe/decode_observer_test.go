package probe

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
	"github.com/bridgescope/bridgescope/bridge/bridgetest"
	"github.com/bridgescope/bridgescope/metrics"
)

// TestAbsurdCountersAreRefused: stats reports and acks with counters past
// 2^53 or text past its cap, from a plain client, are counted as bad_stats
// and bad_ack; no instance is listed for them, so none can show a negative
// count (issue 11: selfReceived 2^64−1 showed as −1 with state OK).
func TestAbsurdCountersAreRefused(t *testing.T) {
	srv := bridgetest.Start(t)
	o, err := NewObserver(ObserverConfig{Conn: bridge.ConnConfig{URL: srv.URL()}, ID: "obs", Refresh: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer o.Stop()
	raw := srv.Client(t)
	ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
	msg := func(typ, source, data string) string {
		return `{"type":"` + typ + `","data":` + data + `,"timestamp":` + ts + `,"source":"` + source + `","seq":1,"boot":"b"}`
	}
	for _, m := range []string{
		msg(TypeStats, "self", `{"role":"agent","state":"connected","selfReceived":18446744073709551615}`),
		msg(TypeStats, "coll", `{"role":"agent","state":"connected","collisions":9223372036854775808}`),
		msg(TypeStats, "role", `{"role":"`+strings.Repeat("x", MaxRoleLen+1)+`"}`),
		msg(TypeAck, "ack", `{"probe":{"source":"obs","boot":"x","seq":18446744073709551615,"channel":"bridge:events"},"recvNs":1}`),
	} {
		if err := raw.Publish(context.Background(), bridge.Config{}.ControlChannel(), m).Err(); err != nil {
			t.Fatal(err)
		}
	}
	var s metrics.Snapshot
	waitUntil(t, "the reports counted", 5*time.Second, func() bool {
		s = o.Snapshot()
		return s.MalformedByReason["bad_stats"] == 3 && s.MalformedByReason["bad_ack"] == 1
	})
	for _, in := range s.Instances {
		t.Errorf("instance %s listed from a refused message: %+v", in.ID, in)
	}
}
