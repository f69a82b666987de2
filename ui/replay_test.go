package ui

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/trafficgen/trafficgen/stats"
)

// fakePlayer is a recording of length 10:00 at 6:00, playing at 1×, with
// the marks of a demo run: its phases, a fault and its recovery, spikes.
type fakePlayer struct {
	mu      sync.Mutex
	at      time.Duration
	playing bool
	speed   float64
	calls   []string
}

func newFakePlayer() *fakePlayer { return &fakePlayer{at: 6 * time.Minute, playing: true, speed: 1} }

const fakeLength = 10 * time.Minute

func (p *fakePlayer) rec(format string, a ...any) {
	p.calls = append(p.calls, fmt.Sprintf(format, a...))
}

func (p *fakePlayer) TogglePlay() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rec("TogglePlay")
	p.playing = !p.playing
}

func (p *fakePlayer) SetSpeed(x float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rec("SetSpeed(%g)", x)
	p.speed = x
}

func (p *fakePlayer) Seek(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rec("Seek(%v)", d)
	p.at = min(max(p.at+d, 0), fakeLength)
}

func (p *fakePlayer) SeekTo(at time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rec("SeekTo(%v)", at)
	p.at = min(max(at, 0), fakeLength)
}

func (p *fakePlayer) State() (at, length time.Duration, playing bool, speed float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.at, fakeLength, p.playing, p.speed
}

func (p *fakePlayer) Calls() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.calls...)
}

// fakeMarks are a demo run's events at their places on the recording's
// clock.
var fakeMarks = func() []stats.Event {
	ev := func(sec int, kind, text string) stats.Event {
		d := time.Duration(sec) * time.Second
		return stats.Event{Time: fixtureStart.Add(d), Elapsed: d, Kind: kind, Text: text}
	}
	return []stats.Event{
		ev(0, "info", "started: demo mode"),
		ev(0, "phase", "1/4 ramp-up"),
		ev(90, "phase", "2/4 steady + journeys"),
		ev(140, "rate", "base rate 20 → 22 req/s"),
		ev(200, "mode", "mode → spike"),
		ev(270, "phase", "3/4 spike"),
		ev(300, "fault", "errors: payments service fails 20% of requests (500)"),
		ev(320, "fault", "recovered: payments service healthy"),
		ev(330, "phase", "4/4 sustained high load"),
		ev(345, "spike", "spike: +100 req/s for 3s"),
		ev(480, "spike", "spike: +100 req/s for 3s"),
		ev(540, "fault", "outage: all services down (503)"),
	}
}()

func (p *fakePlayer) Marks() []stats.Event { return fakeMarks }

// Recent is the recording's last 12 s before the playhead, a snapshot a
// second, in which route 0 failed half its requests.
func (p *fakePlayer) Recent(window time.Duration) []stats.Snapshot {
	p.mu.Lock()
	at := p.at
	p.mu.Unlock()
	var out []stats.Snapshot
	for s := 12; s >= 0; s-- {
		snap := fixtureSnapshot(360)
		snap.Elapsed = at - time.Duration(s)*time.Second
		snap.Endpoints[0].Total += int64(100 * (12 - s))
		snap.Endpoints[0].Success += int64(50 * (12 - s))
		out = append(out, snap)
	}
	return out
}

func replayModel(t *testing.T, w, h int) (Model, *fakeEngine, *fakePlayer) {
	t.Helper()
	eng, p := &fakeEngine{}, newFakePlayer()
	snap := fixtureSnapshot(360)
	m, _ := newTestModel(t, eng, Options{Replay: p}, w, h, &snap)
	return m, eng, p
}

// The player's keys drive it and say where it is now.
func TestReplayKeys(t *testing.T) {
	for _, c := range []struct {
		key   tea.KeyMsg
		calls []string
		flash string
	}{
		{tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}, []string{"TogglePlay"}, "paused at 6:00 / 10:00: space plays"},
		{runes(">"), []string{"SetSpeed(2)"}, "speed 2×"},
		{runes("."), []string{"SetSpeed(2)"}, "speed 2×"},
		{runes("<"), []string{"SetSpeed(1)"}, "speed 1×"},
		{tea.KeyMsg{Type: tea.KeyLeft}, []string{"Seek(-10s)"}, "back 10 s: 5:50 / 10:00"},
		{tea.KeyMsg{Type: tea.KeyRight}, []string{"Seek(10s)"}, "forward 10 s: 6:10 / 10:00"},
		{tea.KeyMsg{Type: tea.KeyHome}, []string{"SeekTo(0s)"}, "the start: 0:00 / 10:00"},
		{tea.KeyMsg{Type: tea.KeyEnd}, []string{"SeekTo(10m0s)"}, "the end: 10:00 / 10:00"},
	} {
		t.Run(c.key.String(), func(t *testing.T) {
			m, eng, p := replayModel(t, 120, 36)
			m, cmd := updateCmd(t, m, c.key)
			if cmd != nil {
				t.Error("a player key returned a command")
			}
			if got := p.Calls(); fmt.Sprint(got) != fmt.Sprint(c.calls) {
				t.Errorf("player calls %v, want %v", got, c.calls)
			}
			if len(eng.Calls()) > 0 {
				t.Errorf("the engine was called: %v", eng.Calls())
			}
			if !strings.Contains(m.View(), c.flash) {
				t.Errorf("no %q in the view:\n%s", c.flash, m.View())
			}
		})
	}
}

// Speed steps through 1×, 2× and 10×, and stops at either end.
func TestReplaySpeeds(t *testing.T) {
	m, _, p := replayModel(t, 120, 36)
	for _, k := range []string{">", ">", ">", "<", "<", "<"} {
		m = update(t, m, runes(k))
	}
	want := "[SetSpeed(2) SetSpeed(10) SetSpeed(10) SetSpeed(2) SetSpeed(1) SetSpeed(1)]"
	if got := fmt.Sprint(p.Calls()); got != want {
		t.Errorf("speeds %s, want %s", got, want)
	}
	if !strings.Contains(m.View(), "REPLAY ▶ 1×") {
		t.Errorf("the timeline does not show the speed:\n%s", m.View())
	}
}

// The keys that would change a live run's load do nothing in a replay,
// and say so.
func TestReplayLiveKeysAreInert(t *testing.T) {
	keys := []tea.KeyMsg{runes("s"), runes("+"), runes("="), runes("-"),
		runes("]"), runes("["), runes("p"), runes("r"), runes("n"), runes("h"), runes("f")}
	for d := '1'; d <= '5'; d++ {
		keys = append(keys, runes(string(d)))
	}
	for _, k := range keys {
		t.Run(k.String(), func(t *testing.T) {
			m, eng, p := replayModel(t, 120, 36)
			m = update(t, m, k)
			if len(eng.Calls()) > 0 || len(p.Calls()) > 0 {
				t.Errorf("engine calls %v, player calls %v", eng.Calls(), p.Calls())
			}
			if v := ansi.Strip(m.View()); !strings.Contains(v, "changes a live run's load; a replay shows the recording as it was") {
				t.Errorf("no word of it in the feedback line:\n%s", v)
			}
		})
	}
}

// The help line is the player's, and ? lists its keys.
func TestReplayHelp(t *testing.T) {
	m, _, _ := replayModel(t, 120, 36)
	v := m.View()
	for _, want := range []string{"space play/pause", "< > speed 1×/2×/10×", "← → 10 s", "home/end start/end"} {
		if !strings.Contains(v, want) {
			t.Errorf("help line lacks %q", want)
		}
	}
	if strings.Contains(v, "s spike") {
		t.Error("the help line offers the live keys")
	}
	m = update(t, m, runes("?"))
	if v := m.View(); !strings.Contains(v, "faster: 1× → 2× → 10×") || !strings.Contains(v, "live keys: inert in a replay") {
		t.Errorf("? does not list the replay's keys:\n%s", v)
	}
}

// The timeline puts each mark at its place: a recording of 10:00 on a
// track of n cells has a cell every 600/n s.
func TestTimelineMarks(t *testing.T) {
	st := NewStyles(ThemeAuto)
	p := &timelinePane{st: st, player: newFakePlayer()}
	track := []rune(ansi.Strip(p.track(60, 6*time.Minute, fakeLength)))
	want := map[int]rune{
		0: '┃', 9: '┃', 20: '◆', 27: '┃', 30: '✖', 32: '✔', 33: '┃', 34: '▲', 36: '●', 48: '▲', 54: '✖',
	}
	for i, r := range track {
		w, ok := want[i]
		switch {
		case ok && r != w:
			t.Errorf("cell %d is %q, want %q", i, r, w)
		case !ok && i < 36 && r != '━', !ok && i > 36 && r != '─':
			t.Errorf("cell %d is %q", i, r)
		}
	}
	if got := ansi.Strip(p.legend(100)); got != "✖ 2 faults  ▲ 2 spikes  ✔ 1 recovery  ◆ 1 mode change  ┃ 4 phases" {
		t.Errorf("legend %q", got)
	}
}

// TestGoldenReplay is the dashboard replaying a recording: playing at 2×,
// and paused, the timeline with its marks.
func TestGoldenReplay(t *testing.T) {
	for _, state := range []string{"playing", "paused"} {
		for _, sz := range [][2]int{{120, 36}, {80, 24}} {
			t.Run(fmt.Sprintf("%s/%dx%d", state, sz[0], sz[1]), func(t *testing.T) {
				p := newFakePlayer()
				runGoldenOpts(t, sz[0], sz[1], Options{Replay: p}, fixtureSnapshot(360), "sustained high load",
					func(tm *teatest.TestModel, _ chan<- stats.Snapshot) {
						if state == "paused" {
							tm.Send(tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}})
							waitFor(t, tm, "space plays")
							return
						}
						tm.Send(runes(">"))
						waitFor(t, tm, "speed 2×")
					})
			})
		}
	}
}

// A replay fits every terminal size, its help too, and shows its timeline
// wherever the dashboard has a row to spare.
func TestReplayResizeSweep(t *testing.T) {
	m, _, _ := replayModel(t, 80, 24)
	for w := 1; w <= 260; w += 9 {
		for h := 1; h <= 80; h += 4 {
			m = update(t, m, tea.WindowSizeMsg{Width: w, Height: h})
			v := m.View()
			checkFits(t, v, w, h)
			if w >= minWidth && h >= 20 && !strings.Contains(v, "REPLAY") {
				t.Errorf("%dx%d: no timeline:\n%s", w, h, v)
			}
			for _, k := range []string{"?", "v", "?", "v"} {
				m = update(t, m, runes(k))
				checkFits(t, m.View(), w, h)
			}
		}
	}
}

// After a seek, the endpoint table's recent success rate is the new
// moment's, from the recorded seconds before it, not the run's total.
func TestSeekRecentFigures(t *testing.T) {
	m, _, _ := replayModel(t, 120, 36)
	m = update(t, m, tea.KeyMsg{Type: tea.KeyLeft})
	pct, n, ok := m.hist.recent(0)
	if !ok || n != 1000 || pct != 50 {
		t.Errorf("route 0 after the seek: %.1f%% of %d (recent %v); want 50%% of the last 10 s's 1,000", pct, n, ok)
	}
}
