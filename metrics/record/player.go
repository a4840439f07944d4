package record

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/bridgescope/bridgescope/metrics"
)

// playTick is how often the player moves its clock and sends the frame
// under it: the dashboard redraws at most 10 times a second.
const playTick = 100 * time.Millisecond

// Position is where a player is: the time on show, the recording's span,
// and how it plays.
type Position struct {
	At, Start, End time.Time
	Paused         bool
	Speed          float64
}

// Player plays a Recording: a goroutine moves a clock through it at a
// speed and sends the frame under the clock on a channel, newest first.
// Its methods are cheap and never wait on the file, so a tea.Cmd may call
// them.
type Player struct {
	rec  *Recording
	out  chan metrics.Snapshot
	wake chan struct{}
	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once

	mu     sync.Mutex
	pos    time.Time
	paused bool
	speed  float64
	sent   int // the frame last sent, -1 before the first
	err    error
}

// NewPlayer starts playing rec from its start at 1×; Stop ends it.
func NewPlayer(rec *Recording) *Player {
	p := &Player{rec: rec, out: make(chan metrics.Snapshot, 1), wake: make(chan struct{}, 1), stop: make(chan struct{}),
		pos: rec.Start(), speed: 1, sent: -1}
	p.wg.Add(1)
	go p.loop()
	return p
}

// Snapshots delivers the frame under the clock whenever it changes.
// Closed by Stop.
func (p *Player) Snapshots() <-chan metrics.Snapshot { return p.out }

// Stop ends playing and closes Snapshots. Idempotent.
func (p *Player) Stop() {
	p.once.Do(func() {
		close(p.stop)
		p.wg.Wait()
		close(p.out)
		p.rec.Close()
	})
}

func (p *Player) loop() {
	defer p.wg.Done()
	t := time.NewTicker(playTick)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-p.stop:
			return
		case <-p.wake:
		case now := <-t.C:
			p.mu.Lock()
			if !p.paused {
				p.pos = p.pos.Add(time.Duration(float64(now.Sub(last)) * p.speed))
				if end := p.rec.End(); !p.pos.Before(end) {
					p.pos, p.paused = end, true // the end: stay on it
				}
			}
			p.mu.Unlock()
		}
		last = time.Now()
		p.send()
	}
}

// send decodes and sends the frame under the clock if it is not the one
// last sent.
func (p *Player) send() {
	p.mu.Lock()
	i := p.rec.Index(p.pos)
	if i == p.sent || p.rec.Len() == 0 {
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	s, err := p.rec.Snapshot(i)
	p.mu.Lock()
	p.sent, p.err = i, err
	p.mu.Unlock()
	if err != nil {
		return
	}
	s.Info = append(p.notes(), s.Info...)
	select { // replace an unread frame with the newer one
	case <-p.out:
	default:
	}
	p.out <- s
}

// notes are what the replay must say beside the recorded snapshot: what
// the cap dropped and where damage stopped the file.
func (p *Player) notes() []string {
	return Notes(p.rec)
}

// Notes says what a recording lacks: data the cap dropped, and where
// damage stopped it. Replay and report show them.
func Notes(rec *Recording) []string {
	var out []string
	if d := rec.Header.Dropped; d != nil {
		out = append(out, fmt.Sprintf("recording: data before %s dropped to stay under its cap (%d segments)",
			d.Before.Format("2006-01-02 15:04:05"), d.Segments))
	}
	if d := rec.Damage; d != nil {
		out = append(out, "recording "+d.Error()+": replaying up to there")
	}
	return out
}

// Position is where the player is now.
func (p *Player) Position() Position {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Position{At: p.pos, Start: p.rec.Start(), End: p.rec.End(), Paused: p.paused, Speed: p.speed}
}

// TogglePause pauses or plays; playing at the end starts over.
func (p *Player) TogglePause() Position {
	p.mu.Lock()
	p.paused = !p.paused
	if !p.paused && !p.pos.Before(p.rec.End()) {
		p.pos = p.rec.Start()
	}
	p.mu.Unlock()
	p.poke()
	return p.Position()
}

// Seek moves the clock by d, within the recording.
func (p *Player) Seek(d time.Duration) Position {
	p.mu.Lock()
	at := p.pos.Add(d)
	p.mu.Unlock()
	return p.SeekTo(at)
}

// SeekTo moves the clock to t, within the recording.
func (p *Player) SeekTo(t time.Time) Position {
	p.mu.Lock()
	if t.Before(p.rec.Start()) {
		t = p.rec.Start()
	}
	if t.After(p.rec.End()) {
		t = p.rec.End()
	}
	p.pos = t
	p.mu.Unlock()
	p.poke()
	return p.Position()
}

// SetSpeed sets how many recorded seconds play in one second.
func (p *Player) SetSpeed(x float64) Position {
	p.mu.Lock()
	p.speed = min(max(x, 0.1), 1000)
	p.mu.Unlock()
	return p.Position()
}

func (p *Player) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// Err is the last decoding error, if any.
func (p *Player) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// ParseAt reads a moment of a recording: a time of day ("03:12:00",
// "03:12:00.250") on the day of, and in the zone of, the recording's start
// (the next day when it is earlier than the start: a session past
// midnight); an RFC 3339 time; or an offset from the start ("+1m30s") or
// from the end ("-30s").
func ParseAt(s string, start, end time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	switch {
	case strings.HasPrefix(s, "+"):
		d, err := time.ParseDuration(s[1:])
		if err != nil {
			return time.Time{}, fmt.Errorf("want +DURATION like +1m30s, got %q", s)
		}
		return start.Add(d), nil
	case strings.HasPrefix(s, "-"):
		d, err := time.ParseDuration(s[1:])
		if err != nil {
			return time.Time{}, fmt.Errorf("want -DURATION like -30s, got %q", s)
		}
		return end.Add(-d), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"15:04:05.999999999", "15:04:05", "15:04"} {
		c, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		y, mo, d := start.Date()
		t := time.Date(y, mo, d, c.Hour(), c.Minute(), c.Second(), c.Nanosecond(), start.Location())
		if t.Before(start.Truncate(time.Second)) {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	return time.Time{}, fmt.Errorf("want a time like 03:12:00, an RFC 3339 time, +1m30s from the start or -30s from the end; got %q", s)
}
