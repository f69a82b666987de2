// Package ui is the live terminal dashboard: a Bubble Tea model that reads
// stats.Snapshots from a channel, draws them as panes, and turns key presses
// into engine controls. It never blocks on the engine.
package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/stats"
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
	// (none → slow → errors → outage → none) and returns a description of
	// the new state, e.g. "payments: slow ×5". Nil when the target is not
	// --embedded. It runs in a command's goroutine, not in Update, so it
	// may take a lock; the dashboard then logs the new state with
	// Engine.Note("fault", …).
	CycleFault func() string
	// FaultUnavailable is the message shown when f is pressed and
	// CycleFault is nil.
	FaultUnavailable string
	// SpikeMultiplier and SpikeDuration describe what the s key adds
	// (SPIKE_MULTIPLIER × base rate for SPIKE_DURATION), for the feedback
	// line. Zero values give a feedback line without numbers.
	SpikeMultiplier float64
	SpikeDuration   time.Duration
}

// flashFor is how long a key's feedback line stays up.
const flashFor = 4 * time.Second

// snapshotMsg carries a new snapshot from the engine.
type snapshotMsg stats.Snapshot

// engineDoneMsg says the snapshot channel closed: the run is over.
type engineDoneMsg struct{}

// faultMsg carries the new fault state after f.
type faultMsg struct{ desc string }

// waitForSnapshot waits for the next snapshot. Exactly one is outstanding
// at a time; Update arms the next one after each snapshot.
func waitForSnapshot(ch <-chan stats.Snapshot) tea.Cmd {
	return func() tea.Msg {
		s, ok := <-ch
		if !ok {
			return engineDoneMsg{}
		}
		return snapshotMsg(s)
	}
}

// cycleFault runs Options.CycleFault off the Update loop.
func cycleFault(f func() string) tea.Cmd {
	return func() tea.Msg { return faultMsg{desc: f()} }
}

// Model is the dashboard. It implements tea.Model.
type Model struct {
	eng   Engine
	snaps <-chan stats.Snapshot
	opts  Options
	st    *Styles
	keys  keyMap
	help  help.Model
	now   func() time.Time

	w, h int
	snap *stats.Snapshot
	hist *routeHistory

	flash      string
	flashErr   bool
	flashUntil time.Time
	done       bool

	panes  [numPanes]pane
	blocks [numPanes][]string // each pane's view cut to its slot
	shaped [numPanes]shaped   // the lines those were cut from
	lay    layout
	frame  string
}

// New builds the dashboard for an engine and its snapshot channel.
func New(eng Engine, snaps <-chan stats.Snapshot, opts Options) Model {
	st := DefaultStyles()
	h := help.New()
	h.Styles = st.Help
	m := Model{
		eng:   eng,
		snaps: snaps,
		opts:  opts,
		st:    st,
		keys:  defaultKeyMap(),
		help:  h,
		now:   time.Now,
		hist:  newRouteHistory(),
	}
	m.panes = [numPanes]pane{
		paneHeader:    &headerPane{st: st},
		paneTiles:     &tilesPane{st: st},
		panePhase:     newPhasePane(st),
		paneRPS:       newRPSChart(st),
		paneLatency:   newLatencyChart(st),
		paneEndpoints: &endpointsPane{st: st, hist: m.hist},
		paneJourneys:  &journeysPane{st: st},
		paneCodes:     &codesPane{st: st},
		paneEvents:    &eventsPane{st: st},
		paneFlash:     &flashPane{st: st},
		paneHelp:      &helpPane{st: st},
	}
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
		m.done = true
		m.setFlash("run over", false)
		m.compose()
		return m, tea.Quit
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		m.help.Width = msg.Width
		m.relayout()
		return m, nil
	case faultMsg:
		m.eng.Note("fault", msg.desc)
		m.setFlash("fault → "+msg.desc, false)
		m.compose()
		return m, nil
	case tea.KeyMsg:
		cmd := m.handleKey(msg)
		m.compose()
		return m, cmd
	}
	return m, nil
}

// View returns the frame composed after the last change.
func (m Model) View() string {
	return m.frame
}

// setSnapshot takes a new snapshot: every visible pane redraws once.
func (m *Model) setSnapshot(s *stats.Snapshot) {
	prev := m.snap
	m.snap = s
	m.hist.add(s)
	if m.flash != "" && !m.now().Before(m.flashUntil) {
		m.flash = ""
	}
	if prev == nil || len(prev.Endpoints) != len(s.Endpoints) {
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

// handleKey turns a key into an engine control and a feedback line.
func (m *Model) handleKey(msg tea.KeyMsg) tea.Cmd {
	k := m.keys
	run := m.run()
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Help):
		m.help.ShowAll = !m.help.ShowAll
		m.relayout()
	case msg.String() == "esc" && m.help.ShowAll:
		m.help.ShowAll = false
		m.relayout()
	case key.Matches(msg, k.Spike):
		m.eng.Spike()
		m.setFlash(m.spikeText(), false)
	case key.Matches(msg, k.Mode):
		if run.Mode == plan.ModeMax.String() {
			m.setFlash("max-throughput runs keep their mode (restart with a rate to switch)", true)
			break
		}
		i := int(msg.Runes[0] - '1')
		mode := plan.Modes[i]
		m.eng.SetMode(mode)
		m.setFlash(fmt.Sprintf("mode → %s (timeline restarts, stats carry on)", mode), false)
	case key.Matches(msg, k.Faster):
		m.eng.ScaleRate(1.1)
		m.setFlash(m.rateText(1.1), false)
	case key.Matches(msg, k.Slower):
		m.eng.ScaleRate(1 / 1.1)
		m.setFlash(m.rateText(1/1.1), false)
	case key.Matches(msg, k.MoreUsers):
		m.eng.AddUsers(1)
		m.setFlash(m.usersText(1), false)
	case key.Matches(msg, k.FewerUsers):
		m.eng.AddUsers(-1)
		m.setFlash(m.usersText(-1), false)
	case key.Matches(msg, k.Pause):
		m.eng.TogglePause()
		if run.Paused {
			m.setFlash("resuming traffic", false)
		} else {
			m.setFlash("pausing traffic (p or space resumes)", false)
		}
	case key.Matches(msg, k.Reset):
		m.eng.ResetStats()
		m.hist.clear()
		m.setFlash("stats reset", false)
	case key.Matches(msg, k.NextPhase):
		if !m.phased() {
			m.setFlash("n: next phase only works in demo mode (5 switches to demo)", true)
			break
		}
		m.eng.NextPhase()
		m.setFlash("next phase", false)
	case key.Matches(msg, k.Hold):
		if !m.phased() {
			m.setFlash("h: holding a phase works in demo mode (press 5 for demo)", true)
			break
		}
		m.eng.ToggleHold()
		if run.Held {
			m.setFlash("phase clock running again", false)
		} else {
			m.setFlash("phase held: its clock stops until h again", false)
		}
	case key.Matches(msg, k.Fault):
		if m.opts.CycleFault == nil {
			txt := m.opts.FaultUnavailable
			if txt == "" {
				txt = "f: faults need --embedded"
			}
			m.setFlash(txt, true)
			break
		}
		m.setFlash("fault: switching…", false)
		return cycleFault(m.opts.CycleFault)
	}
	return nil
}

func (m *Model) run() stats.RunInfo {
	if m.snap == nil {
		return stats.RunInfo{}
	}
	return m.snap.Run
}

// phased reports whether n and h mean anything now. Before the first
// snapshot we cannot tell, so the key goes through.
func (m *Model) phased() bool {
	r := m.run()
	return m.snap == nil || r.Mode == plan.ModeDemo.String() || r.PhaseCount > 1
}

func (m *Model) spikeText() string {
	r := m.run()
	if m.opts.SpikeMultiplier > 0 && r.BaseRPS > 0 && m.opts.SpikeDuration > 0 {
		return fmt.Sprintf("spike fired: +%s req/s for %s", fmtRate(m.opts.SpikeMultiplier*r.BaseRPS), fmtSpan(m.opts.SpikeDuration))
	}
	if m.opts.SpikeMultiplier > 0 && m.opts.SpikeDuration > 0 {
		return fmt.Sprintf("spike fired: +%g× base rate for %s", m.opts.SpikeMultiplier, fmtSpan(m.opts.SpikeDuration))
	}
	return "spike fired"
}

func (m *Model) rateText(f float64) string {
	r := m.run()
	dir := "+10%"
	if f < 1 {
		dir = "-9%"
	}
	if r.Mode == plan.ModeMax.String() {
		return "rate " + dir + " (max mode: concurrency sets the pace)"
	}
	if r.BaseRPS > 0 {
		return fmt.Sprintf("base rate %s → %s req/s (%s)", fmtRate(r.BaseRPS), fmtRate(r.BaseRPS*f), dir)
	}
	return "base rate " + dir
}

func (m *Model) usersText(d int) string {
	if m.snap == nil {
		if d > 0 {
			return "journey users +1"
		}
		return "journey users -1"
	}
	n := max(m.snap.Journeys.Users+d, 0)
	return fmt.Sprintf("journey users → %d", n)
}

func (m *Model) setFlash(text string, isErr bool) {
	m.flash, m.flashErr = text, isErr
	m.flashUntil = m.now().Add(flashFor)
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
	hp.model = m.help
	hp.keys = m.keys
	m.lay = arrange(m.w, m.h, routes, hp.lines())
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
	m.panes[paneFlash].(*flashPane).set(m.flash, m.flashErr, m.done)
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
