// Package replay plays a recording (package record) back: a Player
// publishes the recorded snapshots at the moments they were taken, as an
// engine publishes its own, so the dashboard redraws the run as it went,
// and it takes the dashboard's play, pause, speed and seek keys.
package replay

import (
	"context"
	"sync"
	"time"

	"github.com/trafficgen/trafficgen/internal/newest"
	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/record"
	"github.com/trafficgen/trafficgen/stats"
)

// Player plays recorded snapshots. It is the dashboard's engine during a
// replay (ui.Engine, whose controls do nothing: a recording cannot change
// the load) and its player (ui.Player).
type Player struct {
	snaps []stats.Snapshot
	at    []time.Duration // each snapshot's place on the recording's clock
	marks []stats.Event
	out   chan stats.Snapshot
	wake  chan struct{}

	mu      sync.Mutex
	i       int  // the snapshot shown, or to be shown
	fresh   bool // snapshot i is yet to be sent
	playing bool
	speed   float64
	// The clock's anchor: the recording's fromAt was (or is) shown at wall
	// time from; the rest follows at the speed.
	from   time.Time
	fromAt time.Duration
}

// New makes a player of a recording with at least one snapshot, paused
// at the start. Run plays it.
func New(rec *record.Recording) *Player {
	snaps := rec.Snapshots
	p := &Player{snaps: snaps, at: make([]time.Duration, len(snaps)), out: make(chan stats.Snapshot, 1),
		wake: make(chan struct{}, 1), fresh: true, speed: 1}
	origin := Origin(snaps)
	for i, s := range snaps {
		shown := s.Taken
		if i < len(rec.Shown) {
			shown = rec.Shown[i]
		}
		p.at[i] = max(shown.Sub(origin), 0)
	}
	for _, e := range rec.Events {
		e.Elapsed = min(max(e.Time.Sub(origin), 0), p.at[len(p.at)-1])
		p.marks = append(p.marks, e)
	}
	return p
}

// Origin is where a recording's clock starts: the start of the run its
// first snapshot belongs to.
func Origin(snaps []stats.Snapshot) time.Time {
	return snaps[0].Taken.Add(-snaps[0].Elapsed)
}

// Snapshots returns the channel the snapshots are published on: a channel
// of one, where a newer snapshot replaces an unread one. It closes when
// Run returns.
func (p *Player) Snapshots() <-chan stats.Snapshot { return p.out }

// Run publishes the snapshot at the playhead, then each one in turn at the
// moment it reached the dashboard during the run, while playing, until ctx
// ends.
func (p *Player) Run(ctx context.Context) {
	defer close(p.out)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		s, send, wait, playing := p.step(time.Now())
		if send {
			p.publish(s)
		}
		var next <-chan time.Time
		if playing {
			timer.Reset(wait)
			next = timer.C
		} else {
			timer.Stop()
		}
		select {
		case <-ctx.Done():
			return
		case <-p.wake:
		case <-next:
		}
	}
}

// step moves the playhead on to the next snapshot if it is due by now:
// one at a time, so that snapshots shown at one moment during the run are
// all handed on, as they were. It returns the snapshot to publish (send
// false: none new), and while playing, how long until the next is due.
func (p *Player) step(now time.Time) (s stats.Snapshot, send bool, wait time.Duration, playing bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.playing && p.i+1 < len(p.snaps) && !p.due(p.i+1).After(now) {
		p.i++
		p.fresh = true
	}
	if p.playing {
		if p.i+1 == len(p.snaps) {
			p.playing = false // the end: paused on the last snapshot
		}
	}
	if p.fresh {
		s, send, p.fresh = p.snaps[p.i], true, false
	}
	if !p.playing {
		return s, send, 0, false
	}
	return s, send, p.due(p.i + 1).Sub(now), true
}

// due is when snapshot j is shown: its distance on the recording's clock
// from the anchor, at the speed, after the anchor's wall time.
func (p *Player) due(j int) time.Time {
	return p.from.Add(time.Duration(float64(p.at[j]-p.fromAt) / p.speed))
}

// anchor starts the clock again at the playhead, now: after play, a seek
// or a change of speed. Called with mu held.
func (p *Player) anchor() { p.from, p.fromAt = time.Now(), p.at[p.i] }

func (p *Player) publish(s stats.Snapshot) { newest.Offer(p.out, s) }

// poke wakes Run to act on a change; it never blocks.
func (p *Player) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// TogglePlay plays or pauses; at the end, play starts again from the
// beginning.
func (p *Player) TogglePlay() {
	p.mu.Lock()
	p.playing = !p.playing
	if p.playing && p.i+1 == len(p.snaps) {
		p.i, p.fresh = 0, true
	}
	p.anchor()
	p.mu.Unlock()
	p.poke()
}

// SetSpeed plays x times as fast as the run went (x > 0).
func (p *Player) SetSpeed(x float64) {
	if !(x > 0) {
		return
	}
	p.mu.Lock()
	p.speed = x
	p.anchor()
	p.mu.Unlock()
	p.poke()
}

// Seek moves the playhead by d on the recording's clock (back when
// negative), to the last snapshot at or before that point, or to the
// first or last snapshot past either end.
func (p *Player) Seek(d time.Duration) {
	p.mu.Lock()
	p.seekTo(p.at[p.i] + d)
	p.mu.Unlock()
	p.poke()
}

// SeekTo moves the playhead to at on the recording's clock: 0 is the
// start, State's length the end.
func (p *Player) SeekTo(at time.Duration) {
	p.mu.Lock()
	p.seekTo(at)
	p.mu.Unlock()
	p.poke()
}

func (p *Player) seekTo(at time.Duration) {
	i := 0
	for i+1 < len(p.at) && p.at[i+1] <= at {
		i++
	}
	p.i, p.fresh = i, true
	p.anchor()
}

// State is where the playhead is (at) on the recording's clock of length
// length, whether it plays, and how fast.
func (p *Player) State() (at, length time.Duration, playing bool, speed float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.at[p.i], p.at[len(p.at)-1], p.playing, p.speed
}

// Recent returns the snapshots from window before the playhead's (and the
// one before that) up to the playhead's, oldest first.
func (p *Player) Recent(window time.Duration) []stats.Snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	j := p.i
	for j > 0 && p.at[j] > p.at[p.i]-window {
		j--
	}
	return p.snaps[j : p.i+1 : p.i+1]
}

// Marks are the recording's events, each with its Elapsed set to its place
// on the recording's clock (where State's at would be): the timeline's
// marks.
func (p *Player) Marks() []stats.Event { return p.marks }

// The engine's controls do nothing during a replay: the dashboard says so
// and does not call them.

// Spike does nothing: a recording's load cannot change.
func (p *Player) Spike() {}

// SetMode does nothing.
func (p *Player) SetMode(plan.Mode) {}

// ScaleRate does nothing.
func (p *Player) ScaleRate(float64) {}

// AddUsers does nothing.
func (p *Player) AddUsers(int) {}

// TogglePause does nothing (TogglePlay pauses the replay).
func (p *Player) TogglePause() {}

// ResetStats does nothing.
func (p *Player) ResetStats() {}

// NextPhase does nothing.
func (p *Player) NextPhase() {}

// ToggleHold does nothing.
func (p *Player) ToggleHold() {}

// Note does nothing: the event log is the recording's.
func (p *Player) Note(kind, text string) {}
