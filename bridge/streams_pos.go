package bridge

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// streamBook keeps every stream's read position across connections: a reconnect, a
// failover or a slot move resumes where the last connection stopped.
type streamBook struct {
	mu  sync.Mutex
	pos map[string]*streamPos
}

// streamPos is where this instance stands in one stream. Only the holder of lease
// reads or moves it, so a new connection never reads from a position the old one is
// still moving (which would deliver entries twice).
type streamPos struct {
	lease    chan struct{}
	resolved bool   // the start position was taken from the server
	lastID   string // the last entry read (or the stream's end at the start)
	// consumed counts the stream's entries up to lastID in the server's numbering
	// (XINFO STREAM entries-added): read, trimmed and counted, or there before Start.
	consumed int64
}

func (sb *streamBook) get(key string) *streamPos {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	if sb.pos == nil {
		sb.pos = make(map[string]*streamPos)
	}
	p := sb.pos[key]
	if p == nil {
		p = &streamPos{lease: make(chan struct{}, 1), lastID: "0-0"}
		sb.pos[key] = p
	}
	return p
}

// claim takes the leases of keys, in order so two claimants cannot deadlock, waiting
// for a previous connection to let go of them. release gives them back.
func (sb *streamBook) claim(ctx context.Context, keys []string) (release func(), err error) {
	keys = slices.Sorted(slices.Values(keys))
	var held []*streamPos
	release = func() {
		for _, p := range held {
			<-p.lease
		}
	}
	for _, k := range keys {
		p := sb.get(k)
		select {
		case p.lease <- struct{}{}:
			held = append(held, p)
		case <-ctx.Done():
			release()
			return nil, ctx.Err()
		}
	}
	return release, nil
}

// streamInfo is what XINFO STREAM says of a stream; a missing key is an empty stream.
type streamInfo struct {
	length, added int64  // entries now, entries ever added (Redis ≥ 7.0; else 0)
	lastGen       string // last-generated-id
	first         string // the first entry's ID; "" when empty
}

// info runs XINFO STREAM on the reader's connection.
func (rd *streamReader) info(ctx context.Context, key string) (streamInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, rd.b.cfg.CommandTimeout)
	defer cancel()
	v, err := rd.c.XInfoStream(ctx, key).Result()
	if err != nil {
		if RedisError(err) && strings.Contains(err.Error(), "no such key") {
			return streamInfo{lastGen: "0-0"}, nil
		}
		return streamInfo{}, err
	}
	in := streamInfo{length: v.Length, added: v.EntriesAdded, lastGen: v.LastGeneratedID}
	in.first = v.FirstEntry.ID
	return in, nil
}

// resolve takes the start position: the stream's end as the server sees it now.
func (p *streamPos) resolve(in streamInfo) {
	p.resolved, p.lastID, p.consumed = true, in.lastGen, in.added
	if p.lastID == "" {
		p.lastID = "0-0"
	}
}

func (p *streamPos) advance(id string) {
	p.lastID = id
	p.consumed++
}

// reconcile compares the position with the stream and returns how many entries were
// trimmed before they were read and not counted yet. Trimming removes the oldest
// entries, so when the first entry left lies past lastID, every entry removed
// (entries-added − length) was either consumed or lost.
func (p *streamPos) reconcile(in streamInfo) (trimmed int64) {
	if in.added < in.length {
		return 0 // no entries-added (Redis < 7.0, miniredis): nothing to count with
	}
	removed := in.added - in.length
	if in.added < p.consumed { // younger than our position: recreated (a restart without persistence)
		p.consumed = removed
		return 0
	}
	frontier := in.first
	if in.length == 0 {
		frontier = in.lastGen
	}
	if compareIDs(frontier, p.lastID) <= 0 || removed <= p.consumed {
		return 0
	}
	trimmed = removed - p.consumed
	p.consumed = removed
	return trimmed
}

// compareIDs orders two stream IDs ("ms-seq"); unparsable parts count as 0.
func compareIDs(a, b string) int {
	am, as := splitID(a)
	bm, bs := splitID(b)
	if am != bm {
		if am < bm {
			return -1
		}
		return 1
	}
	switch {
	case as < bs:
		return -1
	case as > bs:
		return 1
	}
	return 0
}

func splitID(id string) (ms, seq uint64) {
	m, s, _ := strings.Cut(id, "-")
	ms, _ = strconv.ParseUint(m, 10, 64)
	seq, _ = strconv.ParseUint(s, 10, 64)
	return ms, seq
}
