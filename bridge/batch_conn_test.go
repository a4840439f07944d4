package bridge

import (
	"context"
	"net"
	"testing"
)

// TestHookBindsOnlyItsConnection: of two connections dialled with one
// reader's hook, only the last (the subscription's) hands the reader's batch
// over when it reads; a read on the other leaves the batch alone, so no
// goroutine but the reader's ever touches it.
func TestHookBindsOnlyItsConnection(t *testing.T) {
	b := newTestBridge(t)
	h := newReadHook(b)
	var far []net.Conn
	dial := hookDialer(func(context.Context, string, string) (net.Conn, error) {
		near, other := net.Pipe()
		far = append(far, other)
		return near, nil
	})
	ctx := withReadHook(context.Background(), h)
	first, err := dial(ctx, "tcp", "x")
	if err != nil {
		t.Fatal(err)
	}
	second, err := dial(ctx, "tcp", "x")
	if err != nil {
		t.Fatal(err)
	}
	plain, err := dial(context.Background(), "tcp", "x")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := plain.(*hookConn); ok {
		t.Fatal("a connection dialled without a hook was wrapped")
	}
	read := func(c net.Conn, peer net.Conn) {
		t.Helper()
		go func() { _, _ = peer.Write([]byte("+")) }()
		if _, err := c.Read(make([]byte, 1)); err != nil {
			t.Fatal(err)
		}
	}
	h.pending = append(h.pending, queued(`{"type":"t","timestamp":1,"source":"pub"}`, 1))
	read(first, far[0])
	if len(h.pending) != 1 {
		t.Fatalf("a read on a connection the hook is not bound to handed the batch over (%d pending)", len(h.pending))
	}
	if h.readNs.Load() != 0 {
		t.Fatal("a read on a connection the hook is not bound to moved its receive time")
	}
	read(second, far[1])
	if len(h.pending) != 0 {
		t.Fatalf("a read on the bound connection left %d messages pending", len(h.pending))
	}
	if h.readNs.Load() == 0 {
		t.Fatal("a read on the bound connection did not stamp the receive time")
	}
}
