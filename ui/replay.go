package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/trafficgen/trafficgen/stats"
)

// Player is a recording played back (Options.Replay): the dashboard shows
// its snapshots, and space, the arrows, home, end, < and > drive it. Like
// Engine's, every method returns at once.
type Player interface {
	// TogglePlay plays or pauses.
	TogglePlay()
	// SetSpeed plays x times as fast as the run went.
	SetSpeed(x float64)
	// Seek moves the playhead by d (back when negative); SeekTo moves it
	// to at, from 0 to the recording's length.
	Seek(d time.Duration)
	SeekTo(at time.Duration)
	// State is where the playhead is on the recording's clock (at, of
	// length), whether it plays, and how fast.
	State() (at, length time.Duration, playing bool, speed float64)
	// Marks are the recording's events, each with Elapsed set to its place
	// on the recording's clock: the timeline's marks.
	Marks() []stats.Event
	// Recent returns the recorded snapshots from window before the
	// playhead (and the one before that) up to the playhead's, oldest
	// first: after a seek, the dashboard's recent figures are worked out
	// from them, as they were during the run.
	Recent(window time.Duration) []stats.Snapshot
}

// replaySpeeds are the speeds > and < step through.
var replaySpeeds = []float64{1, 2, 10}

// seekStep is how far ← and → move the playhead.
const seekStep = 10 * time.Second

// replayKeyMap is the keys of a replay.
type replayKeyMap struct {
	Play, Back, Forward, Start, End, Faster, Slower key.Binding
}

func defaultReplayKeys() replayKeyMap {
	return replayKeyMap{
		Play:    key.NewBinding(key.WithKeys(" "), key.WithHelp("space", "play/pause")),
		Back:    key.NewBinding(key.WithKeys("left"), key.WithHelp("←", "back 10 s")),
		Forward: key.NewBinding(key.WithKeys("right"), key.WithHelp("→", "forward 10 s")),
		Start:   key.NewBinding(key.WithKeys("home"), key.WithHelp("home", "start")),
		End:     key.NewBinding(key.WithKeys("end"), key.WithHelp("end", "end")),
		Faster:  key.NewBinding(key.WithKeys(">", "."), key.WithHelp(">", "faster")),
		Slower:  key.NewBinding(key.WithKeys("<", ","), key.WithHelp("<", "slower")),
	}
}

// replayHelp is the help line of a replay.
func replayHelp() []helpGroup {
	return []helpGroup{
		{{"space", "play/pause"}}, {{"< >", "speed 1×/2×/10×"}}, {{"← →", "10 s"}}, {{"home/end", "start/end"}},
		{{"v", "view"}}, {{"?", "all keys"}}, {{"q", "quit"}},
	}
}

// replayFullHelp is every key of a replay, for ?.
func replayFullHelp() []helpItem {
	return []helpItem{
		{"space", "play / pause"},
		{"> .", "faster: 1× → 2× → 10×"},
		{"< ,", "slower"},
		{"→", "forward 10 s"},
		{"←", "back 10 s"},
		{"home", "the start"},
		{"end", "the end"},
		{"v", "presenter view ↔ detailed"},
		{"↑↓ j k", "pick a route (a failure)"},
		{"enter esc", "the route's details; back"},
		{"? esc", "this list; again or esc closes"},
		{"q", "quit"},
		{"s f K + - 1-5", "live keys: inert in a replay"},
	}
}

// replayKey handles a key during a replay: the player's keys act, and the
// keys that would change a live run's load say that a recording cannot.
func (m *Model) replayKey(msg tea.KeyMsg) tea.Cmd {
	p, k := m.opts.Replay, m.rkeys
	switch {
	case key.Matches(msg, k.Play):
		p.TogglePlay()
		at, length, playing, speed := p.State()
		if playing {
			m.setFlash(fmt.Sprintf("playing at %s from %s / %s", speedText(speed), fmtClock(at), fmtClock(length)), false)
		} else {
			m.setFlash(fmt.Sprintf("paused at %s / %s: space plays", fmtClock(at), fmtClock(length)), false)
		}
	case key.Matches(msg, k.Faster), key.Matches(msg, k.Slower):
		_, _, _, speed := p.State()
		next := stepSpeed(speed, key.Matches(msg, k.Faster))
		p.SetSpeed(next)
		m.setFlash("speed "+speedText(next), false)
	case key.Matches(msg, k.Back):
		m.seek(func() { p.Seek(-seekStep) }, "back 10 s")
	case key.Matches(msg, k.Forward):
		m.seek(func() { p.Seek(seekStep) }, "forward 10 s")
	case key.Matches(msg, k.Start):
		m.seek(func() { p.SeekTo(0) }, "the start")
	case key.Matches(msg, k.End):
		m.seek(func() { _, length, _, _ := p.State(); p.SeekTo(length) }, "the end")
	default:
		if what := m.liveKey(msg); what != "" {
			m.setFlash(what+" changes a live run's load; a replay shows the recording as it was (space plays, ← → seek)", true)
		}
	}
	m.redraw(paneTimeline)
	return nil
}

// redraw redraws one pane, when the layout shows it.
func (m *Model) redraw(id paneID) {
	for _, sl := range m.lay.slots() {
		if sl.id == id {
			m.draw(sl, m.snap)
		}
	}
}

// seek moves the playhead with do and says where it is now. The route
// history is the new moment's.
func (m *Model) seek(do func(), what string) {
	do()
	m.hist.clear()
	for _, s := range m.opts.Replay.Recent(historyWindow) {
		m.hist.add(&s)
	}
	at, length, _, _ := m.opts.Replay.State()
	m.setFlash(fmt.Sprintf("%s: %s / %s", what, fmtClock(at), fmtClock(length)), false)
}

// liveKey names what msg does in a live run, or "" when it is not one of
// the keys that change the load.
func (m *Model) liveKey(msg tea.KeyMsg) string {
	k := m.keys
	for _, c := range []struct {
		b    key.Binding
		what string
	}{
		{k.Spike, "s (spike)"}, {k.Mode, msg.String() + " (mode)"}, {k.Faster, "+ (rate)"}, {k.Slower, "- (rate)"},
		{k.MoreUsers, "] (users)"}, {k.FewerUsers, "[ (users)"}, {k.Pause, "p (pause)"}, {k.Reset, "r (reset)"},
		{k.NextPhase, "n (next phase)"}, {k.Hold, "h (hold)"}, {k.Fault, "f (fault)"}, {k.Knee, "K (knee finder)"},
	} {
		if key.Matches(msg, c.b) {
			return c.what
		}
	}
	return ""
}

// stepSpeed is the next of replaySpeeds up (or down) from speed.
func stepSpeed(speed float64, up bool) float64 {
	i := 0
	for i+1 < len(replaySpeeds) && replaySpeeds[i] < speed {
		i++
	}
	switch {
	case up && i+1 < len(replaySpeeds):
		i++
	case !up && i > 0:
		i--
	}
	return replaySpeeds[i]
}

func speedText(x float64) string { return fmt.Sprintf("%g×", x) }

// markKind is what the timeline shows of an event kind, most important
// first: a cell with two marks shows the first.
type markKind struct {
	kind, glyph string
	one, many   string // its name in the legend
	style       func(*Styles) *lipglossStyle
}

var markKinds = []markKind{
	{"fault", "✖", "fault", "faults", func(st *Styles) *lipglossStyle { return &st.Err }},
	{"spike", "▲", "spike", "spikes", func(st *Styles) *lipglossStyle { return &st.Spike }},
	{"recovered", "✔", "recovery", "recoveries", func(st *Styles) *lipglossStyle { return &st.OK }},
	{"mode", "◆", "mode change", "mode changes", func(st *Styles) *lipglossStyle { return &st.Accent }},
	{"phase", "┃", "phase", "phases", func(st *Styles) *lipglossStyle { return &st.Accent }},
}

// markOf is the index in markKinds of e's mark: -1 for an event the
// timeline leaves out.
func markOf(e stats.Event) int {
	kind := e.Kind
	if kind == "fault" && strings.HasPrefix(e.Text, "recovered") {
		kind = "recovered" // the fault's end
	}
	for i, k := range markKinds {
		if kind == k.kind {
			return i
		}
	}
	return -1
}

// timelinePane is the replay's position: play state and speed, the
// recording as a track with its spikes, faults, mode and phase changes
// marked and the playhead on it, and the clock; on a second line, what
// the marks are.
type timelinePane struct {
	st     *Styles
	player Player
	w, h   int
	out    string
	cells  []int // scratch: each cell's mark, -1 for none
}

func (p *timelinePane) setSize(w, h int) { p.w, p.h = w, h }
func (p *timelinePane) view() string     { return p.out }

func (p *timelinePane) render(*stats.Snapshot) {
	st := p.st
	at, length, playing, speed := p.player.State()
	paused := st.badge(&st.BadgePaused, "REPLAY ❚❚ paused")
	state := paused
	switch {
	case playing:
		state = st.badge(&st.BadgePlaying, "REPLAY ▶ "+speedText(speed))
	case at >= length:
		state = st.badge(&st.BadgeDone, "REPLAY ■ end")
	}
	state = fit(state, width(paused)) // one width for every state: the track stays put
	clock := st.wrap(&st.Value, fmtClock(at)) + st.wrap(&st.Subtle, " / "+fmtClock(length))
	n := p.w - width(state) - width(clock) - 4
	if n < 10 {
		p.out = spread(state, clock, p.w)
		return
	}
	line := state + "  " + p.track(n, at, length) + "  " + clock
	if p.h < 2 {
		p.out = line
		return
	}
	p.out = line + "\n" + strings.Repeat(" ", width(state)+2) + p.legend(n)
}

// track draws n cells for the recording: played ━, to come ─, the marks,
// and the playhead ●.
func (p *timelinePane) track(n int, at, length time.Duration) string {
	st := p.st
	cell := func(d time.Duration) int {
		if length <= 0 {
			return n - 1
		}
		return min(max(int(float64(d)/float64(length)*float64(n)), 0), n-1)
	}
	p.cells = p.cells[:0]
	for range n {
		p.cells = append(p.cells, -1)
	}
	for _, e := range p.player.Marks() {
		if k := markOf(e); k >= 0 {
			if c := cell(e.Elapsed); p.cells[c] < 0 || k < p.cells[c] {
				p.cells[c] = k
			}
		}
	}
	head := cell(at)
	r := runs{st: st}
	for c, k := range p.cells {
		switch {
		case c == head:
			r.add(&st.Value, "●")
		case k >= 0:
			r.add(markKinds[k].style(st), markKinds[k].glyph)
		case c < head:
			r.add(&st.Accent, "━")
		default:
			r.add(&st.Faint, "─")
		}
	}
	return r.String()
}

// legend names the marks the recording has, with how many of each.
func (p *timelinePane) legend(w int) string {
	st := p.st
	counts := make([]int, len(markKinds))
	for _, e := range p.player.Marks() {
		if k := markOf(e); k >= 0 {
			counts[k]++
		}
	}
	var parts []string
	for i, k := range markKinds {
		if counts[i] > 0 {
			name := k.many
			if counts[i] == 1 {
				name = k.one
			}
			parts = append(parts, st.wrap(k.style(st), k.glyph)+st.wrap(&st.Subtle, fmt.Sprintf(" %d %s", counts[i], name)))
		}
	}
	if len(parts) == 0 {
		return st.wrap(&st.Subtle, "no spike, fault, mode or phase change in this recording")
	}
	return join(parts, "  ", w)
}

// withTimeline puts the replay's timeline above the feedback line: two
// rows, or one on a short terminal. It goes in before every other pane
// that may be left out; on the smallest terminals, where only the
// required ones fit, the feedback line still says where a key went.
func withTimeline(bs []block, h int) []block {
	tl := block{ids: []paneID{paneTimeline}, h: 1}
	if h >= 24 {
		tl.h = 2
	}
	for i, b := range bs {
		if b.ids[0] == paneFlash {
			return append(bs[:i:i], append([]block{tl}, bs[i:]...)...)
		}
	}
	return append(bs, tl)
}
