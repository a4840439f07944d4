package prom

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"

	"github.com/bridgescope/bridgescope/metrics"
)

// get fetches url without keep-alive, so no client goroutine outlives it.
func get(url string) (int, string, error) {
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

func TestServe(t *testing.T) {
	c := NewSnapshotCollector(fixture)
	stop, addr, err := Serve(context.Background(), "127.0.0.1:0", c)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	code, body, err := get("http://" + addr + "/metrics")
	if err != nil || code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %v", code, err)
	}
	fams := parse(t, body)
	if v := value(t, fams, "bridgescope_instance_delivery_ratio", map[string]string{InstanceLabel: "lossy", "window": "session"}); v != 0.9 {
		t.Errorf("served delivery ratio %v, want 0.9", v)
	}
	for name := range fams {
		if !strings.HasPrefix(name, "bridgescope_") {
			t.Errorf("served %s: the registry is not our own", name)
		}
	}
	if code, _, _ := get("http://" + addr + "/other"); code != http.StatusNotFound {
		t.Errorf("GET /other: %d, want 404", code)
	}

	// The address is taken now: a second server must say so.
	_, _, err = Serve(context.Background(), addr, c)
	if !errors.Is(err, syscall.EADDRINUSE) || !strings.Contains(err.Error(), addr) {
		t.Errorf("second Serve on %s: %v, want address in use", addr, err)
	}
	stop()
	stop() // idempotent
	if _, _, err := get("http://" + addr + "/metrics"); err == nil {
		t.Error("still serving after stop")
	}
}

func TestServeStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	stop, addr, err := Serve(ctx, "127.0.0.1:0", NewSnapshotCollector(func() metrics.Snapshot { return metrics.Snapshot{} }))
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	stop() // waits for the goroutines the cancel ended
	if conn, err := net.Dial("tcp", addr); err == nil {
		conn.Close()
		t.Error("listener open after ctx ended")
	}
}

func TestServeBadAddress(t *testing.T) {
	c := NewSnapshotCollector(fixture)
	for _, addr := range []string{"", "nope", "127.0.0.1:99999", "256.1.1.1:0"} {
		if stop, _, err := Serve(context.Background(), addr, c); err == nil {
			stop()
			t.Errorf("Serve(%q) succeeded", addr)
		}
	}
	if _, err := Handler(c, NewSnapshotCollector(fixture)); err == nil {
		t.Error("Handler accepted two collectors of the same metrics")
	}
}
