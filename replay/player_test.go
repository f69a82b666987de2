package replay

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/trafficgen/trafficgen/record"
	"github.com/trafficgen/trafficgen/stats"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var t0 = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

// recorded is n snapshots a recording might hold: taken every 300 ms
// from 0.3 s into the run, with a stats reset at 60 s (Elapsed starts
// again; the recording's clock goes on).
func recorded(n int) []stats.Snapshot {
	var out []stats.Snapshot
	for i := range n {
		at := time.Duration(i+1) * 300 * time.Millisecond
		el := at
		if at >= time.Minute {
			el = at - time.Minute
		}
		out = append(out, stats.Snapshot{Seq: uint64(i), Taken: t0.Add(at), Elapsed: el, Total: int64(i)})
	}
	out[n-1].Run.Done = true
	return out
}

// shown is a snapshot as the dashboard got it, and when (since the test's
// start).
type shown struct {
	at  time.Duration
	seq uint64
}

// watch reads p's snapshots as the dashboard does, noting when each came.
func watch(p *Player, start time.Time) (stop func() []shown) {
	var got []shown
	done := make(chan struct{})
	go func() {
		defer close(done)
		for s := range p.Snapshots() {
			got = append(got, shown{time.Since(start), s.Seq})
		}
	}()
	return func() []shown { <-done; return got }
}

// At each speed, every snapshot reaches the dashboard in order, at its
// distance from the first on the recording's clock, divided by the speed.
func TestPlaysAtTheRecordedMoments(t *testing.T) {
	for _, speed := range []float64{1, 2, 10} {
		synctest.Test(t, func(t *testing.T) {
			snaps := recorded(400) // two minutes
			p := New(&record.Recording{Snapshots: snaps})
			ctx, cancel := context.WithCancel(context.Background())
			start := time.Now()
			got := watch(p, start)
			go p.Run(ctx)
			p.SetSpeed(speed)
			p.TogglePlay()
			time.Sleep(time.Duration(float64(3*time.Minute) / speed))
			cancel()
			shownAt := got()
			if len(shownAt) != len(snaps) {
				t.Fatalf("%g×: %d snapshots shown, want %d", speed, len(shownAt), len(snaps))
			}
			for i, s := range shownAt {
				want := time.Duration(float64(snaps[i].Taken.Sub(snaps[0].Taken)) / speed)
				if s.seq != snaps[i].Seq || s.at != want {
					t.Fatalf("%g×: snapshot %d shown at %v (seq %d), want %v", speed, i, s.at, s.seq, want)
				}
			}
			if at, length, playing, _ := p.State(); playing || at != length {
				t.Errorf("%g×: at the end: at %v of %v, playing %v", speed, at, length, playing)
			}
		})
	}
}

// Paused, nothing moves; played again, it goes on from where it was at
// the recorded pace, without catching up on the time it was paused.
func TestPauseHoldsThePlayhead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		snaps := recorded(100)
		p := New(&record.Recording{Snapshots: snaps})
		ctx, cancel := context.WithCancel(context.Background())
		start := time.Now()
		got := watch(p, start)
		go p.Run(ctx)
		p.TogglePlay()
		time.Sleep(3*time.Second + 100*time.Millisecond) // snapshots 0–10 shown
		p.TogglePlay()
		time.Sleep(10 * time.Second)
		p.TogglePlay()
		time.Sleep(time.Second)
		cancel()
		shownAt := got()
		want := []time.Duration{}
		for i := range 11 {
			want = append(want, time.Duration(i)*300*time.Millisecond)
		}
		for i := 1; i <= 3; i++ { // after 13.1 s, 0.3 s apart again
			want = append(want, 13100*time.Millisecond+time.Duration(i)*300*time.Millisecond)
		}
		if len(shownAt) != len(want) {
			t.Fatalf("%d shown, want %d: %v", len(shownAt), len(want), shownAt)
		}
		for i, s := range shownAt {
			if s.at != want[i] || s.seq != uint64(i) {
				t.Errorf("snapshot %d: shown %v at %v, want seq %d at %v", i, s.seq, s.at, i, want[i])
			}
		}
	})
}

// A seek shows the snapshot at the new place at once, paused or playing,
// and play goes on from there.
func TestSeek(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		snaps := recorded(400) // 0.3 s to 120 s
		p := New(&record.Recording{Snapshots: snaps})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go p.Run(ctx)
		next := func() uint64 {
			t.Helper()
			synctest.Wait()
			select {
			case s := <-p.Snapshots():
				return s.Seq
			default:
				t.Fatal("nothing shown")
				return 0
			}
		}
		if seq := next(); seq != 0 {
			t.Fatalf("first shown %d", seq)
		}
		for _, c := range []struct {
			do   func()
			want uint64 // the last snapshot at or before the place
		}{
			{func() { p.Seek(10 * time.Second) }, 33},  // 0.3 s + 10 s → 10.2 s
			{func() { p.Seek(10 * time.Second) }, 66},  // 20.1 s
			{func() { p.Seek(-10 * time.Second) }, 32}, // 10.1 s
			{func() { p.Seek(-time.Hour) }, 0},         // before the start
			{func() { p.SeekTo(time.Minute) }, 199},    // the stats reset: the clock goes on
			{func() { _, l, _, _ := p.State(); p.SeekTo(l) }, 399},
			{func() { p.Seek(time.Hour) }, 399}, // past the end
			{func() { p.SeekTo(0) }, 0},
		} {
			c.do()
			if seq := next(); seq != c.want {
				t.Errorf("shown %d, want %d", seq, c.want)
			}
		}
		p.Seek(30 * time.Second) // 30.3 s: snapshot 100
		p.TogglePlay()
		if seq := next(); seq != 100 {
			t.Fatalf("shown %d after the seek, want 100", seq)
		}
		time.Sleep(300 * time.Millisecond)
		if seq := next(); seq != 101 {
			t.Errorf("play after the seek went on with %d, want 101", seq)
		}
	})
}

// At the end the player stops; play starts it again from the beginning.
func TestPlayAtTheEndStartsAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		snaps := recorded(10)
		p := New(&record.Recording{Snapshots: snaps})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go p.Run(ctx)
		p.SetSpeed(10)
		p.TogglePlay()
		time.Sleep(time.Second)
		at, length, playing, speed := p.State()
		if playing || at != length || length != 3*time.Second || speed != 10 {
			t.Fatalf("at the end: at %v of %v, playing %v at %g×", at, length, playing, speed)
		}
		p.TogglePlay()
		synctest.Wait()
		if at, _, playing, _ := p.State(); !playing || at != 300*time.Millisecond {
			t.Errorf("play at the end: at %v, playing %v; want the start, playing", at, playing)
		}
	})
}

// The marks are the events on the recording's clock, which starts when
// the run did.
func TestMarks(t *testing.T) {
	snaps := recorded(100) // 0.3 s to 30 s
	events := []stats.Event{
		{Time: t0, Kind: "info", Text: "started"},
		{Time: t0.Add(15 * time.Second), Kind: "spike"},
		{Time: t0.Add(time.Hour), Kind: "fault"}, // after the last snapshot
	}
	got := New(&record.Recording{Snapshots: snaps, Events: events}).Marks()
	want := []time.Duration{0, 15 * time.Second, 30 * time.Second}
	for i, e := range got {
		if e.Elapsed != want[i] || e.Kind != events[i].Kind {
			t.Errorf("mark %d: %s at %v, want %s at %v", i, e.Kind, e.Elapsed, events[i].Kind, want[i])
		}
	}
}

// Recent is the window before the playhead, with the snapshot before it
// as its baseline.
func TestRecent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := New(&record.Recording{Snapshots: recorded(400)})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go p.Run(ctx)
		p.SeekTo(30 * time.Second) // snapshot 99, at 30 s
		got := p.Recent(10 * time.Second)
		if len(got) != 35 || got[0].Seq != 65 || got[34].Seq != 99 { // 19.8 s to 30 s
			t.Errorf("%d snapshots, %d to %d; want 65 (at 19.8 s) to 99", len(got), got[0].Seq, got[len(got)-1].Seq)
		}
		p.SeekTo(0)
		if got := p.Recent(10 * time.Second); len(got) != 1 || got[0].Seq != 0 {
			t.Errorf("at the start: %d snapshots", len(got))
		}
	})
}
