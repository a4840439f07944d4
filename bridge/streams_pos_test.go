package bridge

import (
	"context"
	"testing"
	"time"
)

func TestCompareIDs(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"0-0", "0-0", 0}, {"1-0", "0-5", 1}, {"5-2", "5-10", -1}, {"1700000000000-3", "1700000000000-3", 0},
		{"9-0", "10-0", -1}, {"", "0-0", 0}, {"2-1", "", 1},
	} {
		if got := compareIDs(tc.a, tc.b); got != tc.want {
			t.Errorf("compareIDs(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestReconcile walks a position through the cases: trimming behind it (nothing lost),
// trimming past it (the entries neither read nor counted), a stream recreated under it,
// a server without entries-added.
func TestReconcile(t *testing.T) {
	p := &streamPos{}
	p.resolve(streamInfo{length: 10, added: 10, lastGen: "100-0", first: "91-0"})
	for _, id := range []string{"101-0", "102-0", "103-0"} {
		p.advance(id)
	}
	if p.consumed != 13 || p.lastID != "103-0" {
		t.Fatalf("after 3 reads: %+v", p)
	}
	steps := []struct {
		name string
		in   streamInfo
		want int64
	}{
		{"trimmed behind us", streamInfo{length: 5, added: 15, lastGen: "105-0", first: "101-0"}, 0},
		{"first entry is ours", streamInfo{length: 3, added: 15, lastGen: "105-0", first: "103-0"}, 0},
		{"trimmed past us", streamInfo{length: 4, added: 20, lastGen: "120-0", first: "117-0"}, 3}, // 16 removed − 13 consumed
		{"counted once", streamInfo{length: 4, added: 20, lastGen: "120-0", first: "117-0"}, 0},
		{"all gone", streamInfo{length: 0, added: 25, lastGen: "125-0"}, 9},
		{"no entries-added", streamInfo{length: 7, lastGen: "130-0", first: "124-0"}, 0},
		{"recreated", streamInfo{length: 2, added: 2, lastGen: "200-1", first: "200-0"}, 0},
	}
	for _, s := range steps {
		if got := p.reconcile(s.in); got != s.want {
			t.Errorf("%s: reconcile = %d, want %d (pos %+v)", s.name, got, s.want, p)
		}
	}
	if p.consumed != 0 { // recreated with 2 entries, none removed: both still to read
		t.Errorf("after the recreation consumed = %d, want 0", p.consumed)
	}
}

func TestStreamLeases(t *testing.T) {
	var sb streamBook
	release, err := sb.claim(context.Background(), []string{"b", "a"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := sb.claim(ctx, []string{"a"}); err == nil {
		t.Fatal("a held lease was claimed twice")
	}
	release()
	again, err := sb.claim(context.Background(), []string{"a", "b"})
	if err != nil {
		t.Fatalf("released leases cannot be claimed: %v", err)
	}
	again()
}
