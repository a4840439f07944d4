package probe

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
)

func TestZZProfBridge(t *testing.T) {
	url := os.Getenv("ZZ_REDIS")
	if url == "" {
		t.Skip()
	}
	ctx := context.Background()
	if w := os.Getenv("ZZ_W"); w != "" {
		benchMaxWorkers, _ = strconv.Atoi(w)
	}
	k, _ := strconv.Atoi(os.Getenv("ZZ_K"))
	if k == 0 {
		k = 512
	}
	var lane benchLane
	if os.Getenv("ZZ_BARE") != "" {
		b, err := StartBaseline(ctx, BaselineConfig{Conn: bridge.ConnConfig{URL: url}, Instances: 4})
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		lane = bareLane{b}
	} else {
		h, err := startHarness(ctx, HarnessConfig{Conn: bridge.ConnConfig{URL: url}, Instances: 4, Channel: "zz", latencyAtHandler: true})
		if err != nil {
			t.Fatal(err)
		}
		defer h.closeBridges()
		lane = bridgeLane{h}
	}
	seg := runSegment(ctx, lane, 0, 5*time.Second, k)
	t.Logf("delivered %d in %v: %.0f/s, cpu %v", seg.delivered, seg.elapsed, float64(seg.delivered)/seg.elapsed.Seconds(), seg.usage.cpu)
}
