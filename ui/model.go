// Package ui is the live terminal dashboard: a Bubble Tea model that reads
// stats.Snapshots from a channel, draws them as panes, and turns key presses
// into engine controls. It never blocks on the engine.
package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/stats"
	"github.com/trafficgen/trafficgen/threshold"
)

// Engine is what the dashboard controls. Every method must return at once:
// the dashboard calls them from its Update loop.
type Engine interface {
	// Spike adds a spike on top of the current plan (key s).
	Spike()
	// SetMode switches the rate plan live (keys 1–5).
	SetMode(m plan.Mode)
	// ScaleRate multiplies the base rate (1.1 for +, 1/1.1 for -).
	ScaleRate(factor float64)
	// AddUsers adds (or with a negative delta removes) journey users.
	AddUsers(delta int)
	// TogglePause pauses or resumes traffic.
	TogglePause()
	// ResetStats starts the statistics afresh.
	ResetStats()
	// NextPhase jumps to the next phase of the demo plan.
	NextPhase()
	// ToggleHold stops or restarts the demo's phase clock.
	ToggleHold()
	// Note adds an entry to the engine's event log.
	Note(kind, text string)
}

// Options are the dashboard's settings beyond the engine.
type Options struct {
	// CycleFault moves the embedded demo API's fault to its next state
	// and returns what it now does, in words for the audience. Nil when
	// the target is not --embedded. It runs in a command's goroutine, not
	// in Update, so it may take a lock; the dashboard then logs the new
	// state with Engine.Note("fault", …).
	CycleFault func() string
	// FaultUnavailable is the message shown when f is pressed and
	// CycleFault is nil.
	FaultUnavailable string
	// SpikeMultiplier and SpikeDuration describe what the s key adds
	// (SPIKE_MULTIPLIER × base rate for SPIKE_DURATION), for the feedback
	// line. Zero values give a feedback line without numbers.
	SpikeMultiplier float64
	SpikeDuration   time.Duration
	// Theme picks the colours; "" is auto.
	Theme Theme
	// Presenter starts in the presenter layout rather than the detailed
	// one (v switches).
	Presenter bool
	// Restart runs again with the same settings once a run has finished
	// (r on the finished screen), returning the new run's engine and
	// snapshots. It runs in a command's goroutine. Nil: a finished run
	// can only be left.
	Restart func() (Engine, <-chan stats.Snapshot, error)
	// Thresholds are the run's pass/fail criteria, shown live on a line
	// of their own.
	Thresholds []threshold.Threshold
	// Replay makes the dashboard a player of a recording (the engine is
	// the recording's too): a timeline shows where it is, its keys drive
	// it, and the keys that change a live run's load are inert.
	Replay Player
	// Baseline, when set, is compared with from the start, as after b
	// (--baseline: an earlier run's report).
	Baseline *stats.Baseline
}

// flashFor is how long a key's feedback line stays up.
const flashFor = 4 * time.Second

// snapshotMsg carries a new snapshot from the engine.
type snapshotMsg stats.Snapshot

// engineDoneMsg says a snapshot channel closed: that run is over.
type engineDoneMsg struct{ snaps <-chan stats.Snapshot }

// faultMsg carries the new fault state after f.
type faultMsg struct{ desc string }

// restartMsg carries a new run after r on the finished screen.
type restartMsg struct {
	eng   Engine
	snaps <-chan stats.Snapshot
	err   error
}

// waitForSnapshot waits for the next snapshot. Exactly one is outstanding
// at a time; Update arms the next one after each snapshot.
func waitForSnapshot(ch <-chan stats.Snapshot) tea.Cmd {
	return func() tea.Msg {
		s, ok := <-ch
		if !ok {
			return engineDoneMsg{snaps: ch}
		}
		return snapshotMsg(s)
	}
}

// cycleFault runs Options.CycleFault off the Update loop.
func cycleFault(f func() string) tea.Cmd {
	return func() tea.Msg { return faultMsg{desc: f()} }
}

// restart runs Options.Restart off the Update loop.
func restart(f func() (Engine, <-chan stats.Snapshot, error)) tea.Cmd {
	return func() tea.Msg {
		eng, snaps, err := f()
		return restartMsg{eng: eng, snaps: snaps, err: err}
	}
}

// Model is the dashboard. It implements tea.Model.
type Model struct {
	eng   Engine
	snaps <-chan stats.Snapshot
	opts  Options
	st    *Styles
	keys  keyMap
	rkeys replayKeyMap
	now   func() time.Time

	w, h int
	snap *stats.Snapshot
	hist *routeHistory
	kind viewKind
	run  *runState

	rates *routeRates // each route's rate over the run, for its drill-down

	flash      string
	flashErr   bool
	flashUntil time.Time
	restarting bool
	inReply    bool // inside a terminal's reply (OSC) that came in late

	panes  [numPanes]pane
	blocks [numPanes][]string // each pane's view cut to its slot
	shaped [numPanes]shaped   // the lines those were cut from
	lay    layout
	frame  string
}

// New builds the dashboard for an engine and its snapshot channel.
func New(eng Engine, snaps <-chan stats.Snapshot, opts Options) Model {
	theme, _ := ParseTheme(string(opts.Theme))
	st := NewStyles(theme)
	run := &runState{inspect: inspect{sel: -1, base: opts.Baseline}}
	m := Model{
		eng:   eng,
		snaps: snaps,
		opts:  opts,
		st:    st,
		keys:  defaultKeyMap(),
		rkeys: defaultReplayKeys(),
		now:   time.Now,
		hist:  newRouteHistory(),
		rates: newRouteRates(),
		run:   run,
	}
	if opts.Presenter {
		m.kind = viewPresenter
	}
	m.panes = [numPanes]pane{
		paneHeader:    &headerPane{st: st, run: run},
		paneTiles:     &tilesPane{st: st, run: run},
		panePhase:     newPhasePane(st, run),
		paneRPS:       newRPSChart(st, run),
		paneLatency:   newLatencyChart(st),
		paneEndpoints: &endpointsPane{st: st, hist: m.hist, run: run},
		paneJourneys:  &journeysPane{st: st},
		paneCodes:     &codesPane{st: st},
		paneEvents:    &eventsPane{st: st},
		paneEventLine: &eventsPane{st: st, line: true},
		paneFlash:     &flashPane{st: st},
		paneHelp:      &helpPane{st: st, keys: defaultKeyMap(), again: opts.Restart != nil, replay: opts.Replay != nil},
		paneTimeline:  &timelinePane{st: st, player: opts.Replay},
	}
	m.panes[paneThresholds] = &thresholdsPane{st: st, run: run, ths: opts.Thresholds}
	m.panes[paneDrill] = &drillPane{st: st, run: run, hist: m.hist, rates: m.rates, replay: opts.Replay != nil}
	return m
}

// Init starts waiting for the first snapshot.
func (m Model) Init() tea.Cmd {
	return waitForSnapshot(m.snaps)
}

// Update handles snapshots, keys and resizes.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case snapshotMsg:
		s := stats.Snapshot(msg)
		m.setSnapshot(&s)
		return m, waitForSnapshot(m.snaps)
	case engineDoneMsg:
		if msg.snaps != m.snaps {
			return m, nil // a run replaced by r, ending late
		}
		m.finish()
		return m, nil
	case restartMsg:
		return m, m.restarted(msg)
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		m.relayout()
		return m, nil
	case faultMsg:
		m.eng.Note("fault", msg.desc)
		m.setFlash("fault → "+msg.desc, false)
		m.compose()
		return m, nil
	case tea.KeyMsg:
		cmd := m.keyPresses(msg)
		m.compose()
		return m, cmd
	}
	return m, nil
}

// View returns the frame composed after the last change.
func (m Model) View() string {
	return m.frame
}

// keyPresses applies every key a message carries. Keys that arrive in one
// read (a paste, a macro key, a slow link: "+++") come as one message of
// several runes; each is a key press of its own.
func (m *Model) keyPresses(msg tea.KeyMsg) tea.Cmd {
	if m.terminalReply(msg) {
		return nil
	}
	if msg.Type != tea.KeyRunes || len(msg.Runes) < 2 {
		return m.handleKey(msg)
	}
	var cmds []tea.Cmd
	for _, r := range msg.Runes {
		k := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt}
		if r == ' ' {
			k.Type = tea.KeySpace
		}
		if cmd := m.handleKey(k); cmd != nil {
			cmds = append(cmds, cmd)
		}
		if key.Matches(k, m.keys.Quit) {
			break
		}
	}
	switch len(cmds) {
	case 0:
		return nil
	case 1:
		return cmds[0]
	}
	return tea.Sequence(cmds...)
}

// terminalReply reports whether msg is part of a terminal's answer to a
// query (the background colour, "ESC ] 11;rgb:…/…/… ESC \") that came
// after its asker stopped waiting: Bubble Tea reads it as alt+], a run of
// runes and alt+\, and its digits and letters must not act as keys (1
// would switch the mode, r reset the stats).
func (m *Model) terminalReply(msg tea.KeyMsg) bool {
	switch {
	case msg.Alt && msg.Type == tea.KeyRunes && len(msg.Runes) == 1 && msg.Runes[0] == ']':
		m.inReply = true
		return true
	case m.inReply && msg.Type == tea.KeyRunes && !msg.Alt:
		return true
	case m.inReply:
		m.inReply = false // the reply's end (ESC \ or BEL), or a key
		return msg.Alt || msg.Type == tea.KeyCtrlG
	}
	return msg.Type == tea.KeyRunes && len(msg.Runes) > 4 && strings.Contains(string(msg.Runes), "rgb:")
}

// finish puts the dashboard in its finished state: the last figures stay,
// the charts stop, and the keys say what comes next.
func (m *Model) finish() {
	m.run.finished = true
	m.setFlash(m.finishedText(), false)
	m.flashUntil = time.Time{} // until a key
	m.relayout()
}

func (m *Model) finishedText() string {
	if m.opts.Restart != nil {
		return "finished — r to run again, q to quit"
	}
	return "finished — q to quit and print the summary"
}

// restarted takes the new run after r, or says why there is none.
func (m *Model) restarted(msg restartMsg) tea.Cmd {
	m.restarting = false
	if msg.err != nil {
		m.setFlash("could not run again: "+msg.err.Error(), true)
		m.flashUntil = time.Time{}
		m.compose()
		return nil
	}
	m.eng, m.snaps = msg.eng, msg.snaps
	m.run.finished = false
	m.snap = nil
	m.hist.clear()
	m.rates.clear()
	m.setFlash("running again with the same settings", false)
	m.relayout()
	return waitForSnapshot(m.snaps)
}

// setSnapshot takes a new snapshot: every visible pane redraws once.
func (m *Model) setSnapshot(s *stats.Snapshot) {
	prev := m.snap
	m.snap = s
	m.hist.add(s)
	m.rates.add(s)
	if m.flash != "" && !m.flashUntil.IsZero() && !m.now().Before(m.flashUntil) {
		m.flash = ""
	}
	if prev == nil || len(prev.Endpoints) != len(s.Endpoints) || journeyLines(prev) != journeyLines(s) {
		m.relayout()
		return
	}
	for _, sl := range m.lay.slots() {
		m.draw(sl, s)
	}
	m.compose()
}

// draw redraws one pane and cuts its view to its slot.
func (m *Model) draw(sl slot, s *stats.Snapshot) {
	p := m.panes[sl.id]
	p.render(s)
	m.blocks[sl.id] = m.shaped[sl.id].block(p.view(), sl.w, sl.h)
}

func (m *Model) runInfo() stats.RunInfo {
	if m.snap == nil {
		return stats.RunInfo{}
	}
	return m.snap.Run
}

func (m *Model) setFlash(text string, isErr bool) {
	m.flash, m.flashErr = text, isErr
	m.flashUntil = m.now().Add(flashFor)
	m.run.clip = "" // a clipboard sequence goes with the line that says it was copied
}

// relayout picks the panes that fit the terminal, sizes them and redraws.
func (m *Model) relayout() {
	if m.w <= 0 || m.h <= 0 {
		return
	}
	routes := 11
	if m.snap != nil && len(m.snap.Endpoints) > 0 {
		routes = len(m.snap.Endpoints)
	}
	hp := m.panes[paneHelp].(*helpPane)
	hp.finished, hp.drill = m.run.finished, m.run.drill
	m.lay = arrange(m.w, m.h, layoutIn{kind: m.kind, routes: routes, journeys: journeyLines(m.snap), helpH: hp.lines(m.w),
		thresholds: m.panes[paneThresholds].(*thresholdsPane).lines(m.w), replay: m.opts.Replay != nil, drill: m.run.drill})
	if m.lay.tooSmall && hp.all && m.w >= minWidth && m.h >= minHeight {
		// Every key does not fit beside the chart: the help alone.
		m.lay = layout{rows: []row{{h: m.h, slots: []slot{{paneHelp, m.w, m.h}}}}}
	}
	for _, sl := range m.lay.slots() {
		m.panes[sl.id].setSize(sl.w, sl.h)
		m.draw(sl, m.snap)
	}
	m.compose()
}

// compose joins the panes' cached views into the frame.
func (m *Model) compose() {
	if m.w <= 0 || m.h <= 0 {
		m.frame = ""
		return
	}
	if m.lay.tooSmall {
		m.frame = tooSmall(m.st, m.w, m.h)
		return
	}
	m.panes[paneFlash].(*flashPane).set(m.flash, m.flashErr)
	var b strings.Builder
	b.Grow(m.w * m.h * 4)
	first := true
	sep := strings.Repeat(" ", gap)
	for _, row := range m.lay.rows {
		for _, sl := range row.slots {
			if sl.id == paneFlash {
				m.draw(sl, m.snap)
			}
		}
		for y := 0; y < row.h; y++ {
			if !first {
				b.WriteByte('\n')
			}
			first = false
			for i, sl := range row.slots {
				if i > 0 {
					b.WriteString(sep)
				}
				if sl.id == paneFlash && y == 0 && m.flash != "" {
					b.WriteString(m.run.clip) // zero-width: the terminal takes it to its clipboard
				}
				b.WriteString(m.blocks[sl.id][y])
			}
		}
	}
	m.frame = b.String()
}

// tooSmall is the whole screen when the terminal cannot hold the dashboard.
func tooSmall(st *Styles, w, h int) string {
	lines := []string{
		st.wrap(&st.Warn, "Terminal too small"),
		fmt.Sprintf("%d×%d here; the dashboard needs %d×%d.", w, h, minWidth, minHeight),
		"Enlarge the window or shrink the font.",
		st.wrap(&st.Subtle, "q quits"),
	}
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		lines[i] = fit(l, w)
	}
	return strings.Join(lines, "\n")
}
