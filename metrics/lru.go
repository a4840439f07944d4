package metrics

import "time"

// lru orders a bounded table's rows (instances, sources) by when each was
// last heard, in two classes: those that proved real (an instance that
// acked one of our probes, a source with a continuous seq run) and the
// rest. When the table is full a new row takes the place of the least
// recently heard unproven one; a proven row gives way only when it has been
// silent for staleProven, and otherwise the newcomer is refused. Every
// operation is O(1): a flood of forged rows costs neither time per message
// nor the real rows' places.
type lru struct {
	max              int
	nodes            map[string]*lruNode
	lists            [2]lruList // [0] unproven, [1] proven
	evicted, refused int64
}

// staleProven is how long a proven row must have been silent before a
// newcomer may take its place: past the silent alert (10 s by default), so
// a real instance that falls silent is still seen going silent.
const staleProven = time.Minute

type lruNode struct {
	id         string
	proven     bool
	heard      time.Time
	prev, next *lruNode
}

// lruList is a doubly linked list, most recently heard at head.
type lruList struct {
	head, tail *lruNode
	n          int
}

func newLRU(max int) *lru { return &lru{max: max, nodes: make(map[string]*lruNode)} }

func class(proven bool) int {
	if proven {
		return 1
	}
	return 0
}

func (l *lruList) pushFront(n *lruNode) {
	n.prev, n.next = nil, l.head
	if l.head != nil {
		l.head.prev = n
	}
	l.head = n
	if l.tail == nil {
		l.tail = n
	}
	l.n++
}

func (l *lruList) unlink(n *lruNode) {
	if n.prev != nil {
		n.prev.next = n.next
	} else {
		l.head = n.next
	}
	if n.next != nil {
		n.next.prev = n.prev
	} else {
		l.tail = n.prev
	}
	n.prev, n.next = nil, nil
	l.n--
}

// admit makes room for a new id heard at now: it reports whether id may
// be added and, when a row had to go for it, that row's id.
func (c *lru) admit(id string, now time.Time) (evict string, ok bool) {
	if len(c.nodes) < c.max {
		c.add(id, now)
		return "", true
	}
	victim := c.lists[0].tail
	if victim == nil && c.lists[1].tail != nil && now.Sub(c.lists[1].tail.heard) > staleProven {
		victim = c.lists[1].tail
	}
	if victim == nil {
		c.refused++
		return "", false
	}
	old := victim.id
	c.lists[class(victim.proven)].unlink(victim)
	delete(c.nodes, old)
	c.evicted++
	*victim = lruNode{id: id, heard: now} // its node serves the newcomer
	c.nodes[id] = victim
	c.lists[0].pushFront(victim)
	return old, true
}

func (c *lru) add(id string, now time.Time) {
	n := &lruNode{id: id, heard: now}
	c.nodes[id] = n
	c.lists[0].pushFront(n)
}

// touch moves id to the head of its class: heard at now.
func (c *lru) touch(id string, now time.Time) {
	n := c.nodes[id]
	if n == nil {
		return
	}
	n.heard = now
	if l := &c.lists[class(n.proven)]; l.head != n {
		l.unlink(n)
		l.pushFront(n)
	}
}

// prove moves id into the proven class.
func (c *lru) prove(id string) {
	n := c.nodes[id]
	if n == nil || n.proven {
		return
	}
	c.lists[0].unlink(n)
	n.proven = true
	c.lists[1].pushFront(n)
}

func (c *lru) isProven(id string) bool {
	n := c.nodes[id]
	return n != nil && n.proven
}

// remove forgets id.
func (c *lru) remove(id string) {
	n := c.nodes[id]
	if n == nil {
		return
	}
	c.lists[class(n.proven)].unlink(n)
	delete(c.nodes, id)
}

// each calls fn for the ids of the proven class, then for at most
// unproven ids of the other, most recently heard first.
func (c *lru) each(unproven int, fn func(id string)) {
	for n := c.lists[1].head; n != nil; n = n.next {
		fn(n.id)
	}
	for n := c.lists[0].head; n != nil && unproven > 0; n, unproven = n.next, unproven-1 {
		fn(n.id)
	}
}

func (c *lru) stat() TableStat {
	return TableStat{Rows: len(c.nodes), Cap: c.max, Proven: c.lists[1].n, Evicted: c.evicted, Refused: c.refused}
}

// full reports whether the table is at its cap.
func (c *lru) full() bool { return len(c.nodes) >= c.max }
