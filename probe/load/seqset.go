package load

// SeqSet is the exact set of sequence numbers received from one sender: a
// growable bitset, for ground-truth accounting. Callers bound the seqs they
// add (a forged seq of 2^60 would allocate without limit).
type SeqSet struct {
	bits  []uint64
	count int64
}

// Add records seq and reports whether it was new.
func (s *SeqSet) Add(seq uint64) bool {
	w := int(seq / 64)
	if w >= len(s.bits) {
		grown := make([]uint64, max(w+1, 2*len(s.bits)))
		copy(grown, s.bits)
		s.bits = grown
	}
	m := uint64(1) << (seq % 64)
	if s.bits[w]&m != 0 {
		return false
	}
	s.bits[w] |= m
	s.count++
	return true
}

// Has reports whether seq was received.
func (s *SeqSet) Has(seq uint64) bool {
	w := int(seq / 64)
	return w < len(s.bits) && s.bits[w]&(uint64(1)<<(seq%64)) != 0
}

// Count is how many distinct seqs were added.
func (s *SeqSet) Count() int64 { return s.count }

// Without returns a copy of s without seq (for tests that drop a delivery).
func (s SeqSet) Without(seq uint64) SeqSet {
	c := SeqSet{bits: append([]uint64(nil), s.bits...), count: s.count}
	if c.Has(seq) {
		c.bits[seq/64] &^= uint64(1) << (seq % 64)
		c.count--
	}
	return c
}
