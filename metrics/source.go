package metrics

import "time"

// source is the registry's passive record of one publisher.
type source struct {
	chans                        map[string]*srcChan // per channel: its seq as seen here
	first                        *srcChan            // its first channel's, which recycle keeps
	id                           string
	events, gaps, dups, reorders int64
	malformed                    int64
	hasSeq, tsOnly               bool
	run                          int // events in a row each the next of its stream
	oneWay                       *Histogram
	oneWayStale                  bool // oneWay is an evicted row's: reset it before the first sample
	boots                        map[string]time.Time
	ring                         *counterRing // behind a pointer: recycle keeps its 3.8 KB as they are
	lastSeen                     time.Time
}

// observe books one event; it reports whether the source has just proved
// itself real (a continuous seq run of provenRun).
func (s *source) observe(ev SourceEvent, now time.Time) (proved bool) {
	s.events = satInc(s.events, 1)
	s.lastSeen = now
	s.ring.at(now.Unix()).events++
	if ev.HasSeq {
		s.hasSeq = true
	}
	s.gaps = satInc(s.gaps, int64(min(ev.Gap, maxCount)))
	if ev.HasSeq && ev.Gap == 0 && !ev.Dup && !ev.Late {
		s.run++
		proved = s.run == provenRun
	} else {
		s.run = 0
	}
	switch {
	case ev.Dup:
		s.dups++
	case ev.Late:
		s.reorders++
		if s.gaps > 0 {
			s.gaps--
		}
	}
	if ev.OneWay > 0 && s.events >= oneWayAfter {
		switch {
		case s.oneWay == nil:
			s.oneWay = NewCoarseHistogram()
		case s.oneWayStale:
			s.oneWay.Reset()
			s.oneWayStale = false
		}
		s.oneWay.Record(ev.OneWay)
		s.tsOnly = ev.FromTimestamp
	}
	if ev.Seq > 0 {
		s.noteSeq(ev)
	}
	if _, known := s.boots[ev.Boot]; ev.Boot != "" && (known || len(s.boots) < maxSourceBoots) {
		s.boots[ev.Boot] = now
	}
	return proved
}

// recycle makes an evicted source the row of id, keeping what it allocated.
func (s *source) recycle(id string) {
	boots, chans, hist, ring, first := s.boots, s.chans, s.oneWay, s.ring, s.first
	clear(boots)
	clear(chans)
	ring.forget()
	*s = source{id: id, boots: boots, chans: chans, first: first, oneWay: hist, oneWayStale: hist != nil, ring: ring}
}

// pruneBoots forgets the source's boots not heard for staleBoot.
func (s *source) pruneBoots(now time.Time) {
	for b, at := range s.boots {
		if now.Sub(at) > staleBoot {
			delete(s.boots, b)
		}
	}
}

// satInc adds d ≥ 0 to n, stopping at maxCount rather than wrapping into a
// negative count.
func satInc(n, d int64) int64 {
	if d > maxCount-n {
		return maxCount
	}
	return n + d
}

// srcChan is a publisher's stream on one channel as the observer sees it:
// total counts up the seq's advances over every boot, so it says how many
// events were published there since the observer first saw it.
type srcChan struct {
	boot       string
	max, total uint64
}

// noteSeq follows the source's seq on ev's channel, for receivers that never
// heard it (Registry.matrixUnheard).
func (s *source) noteSeq(ev SourceEvent) {
	if s.chans == nil {
		s.chans = make(map[string]*srcChan, 1)
	}
	c := s.chans[ev.Channel]
	switch {
	case c == nil:
		if len(s.chans) < maxRowChannels {
			switch {
			case len(s.chans) > 0:
				c = new(srcChan)
			case s.first != nil:
				c = s.first // a recycled row's: most sources publish on one channel
			default:
				c = new(srcChan)
				s.first = c
			}
			*c = srcChan{boot: ev.Boot, max: ev.Seq} // first sight: a baseline
			s.chans[ev.Channel] = c
		}
	case c.boot != ev.Boot: // a restart: its seqs count from 1
		c.boot, c.max, c.total = ev.Boot, ev.Seq, satAdd(c.total, ev.Seq)
	case ev.Seq > c.max:
		c.total, c.max = satAdd(c.total, ev.Seq-c.max), ev.Seq
	}
}
