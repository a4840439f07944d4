package probe

import (
	"context"
	"os"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/bridgescope/bridgescope/bridge"
)

func TestZZSoakHeap(t *testing.T) {
	url := os.Getenv("ZZ_REDIS")
	if url == "" {
		t.Skip()
	}
	_, err := RunSoak(context.Background(), SoakConfig{Conn: bridge.ConnConfig{URL: url}, Instances: 20, Rate: 10000,
		Duration: 40 * time.Second, Every: 10 * time.Second, Channel: "zz:events",
		Sample: func(s SoakSample) {
			t.Logf("%v rss %.1f heap %.1f", s.Elapsed, mib(s.Mem.RSS), mib(s.Mem.HeapInUse))
			if s.Elapsed > 35*time.Second {
				runtime.GC()
				f, _ := os.Create("/tmp/issue6/heap.prof")
				pprof.WriteHeapProfile(f)
				f.Close()
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
}
