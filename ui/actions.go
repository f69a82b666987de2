package ui

import (
	"time"

	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/trafficgen/trafficgen/plan"
)

// handleKey turns one key into an engine control and a feedback line.
func (m *Model) handleKey(msg tea.KeyMsg) tea.Cmd {
	k := m.keys
	switch {
	case key.Matches(msg, k.Quit):
		return tea.Quit
	case key.Matches(msg, k.Help):
		m.toggleHelp(!m.helpShown())
	case msg.String() == "esc" && m.helpShown():
		m.toggleHelp(false)
	case key.Matches(msg, k.View):
		m.kind, m.run.drill = 1-m.kind, false
		if m.kind == viewPresenter {
			m.setFlash("presenter view: v for the detailed one", false)
		} else {
			m.setFlash("detailed view: v for the presenter one", false)
		}
		m.relayout()
	case m.inspectKey(msg):
	case m.opts.Replay != nil:
		return m.replayKey(msg)
	case m.run.finished:
		return m.finishedKey(msg)
	default:
		return m.controlKey(msg)
	}
	return nil
}

func (m *Model) helpShown() bool { return m.panes[paneHelp].(*helpPane).all }

func (m *Model) toggleHelp(on bool) {
	m.panes[paneHelp].(*helpPane).all = on
	m.relayout()
}

// finishedKey handles a key once the run is over: r runs again, the
// engine's controls have nothing to control.
func (m *Model) finishedKey(msg tea.KeyMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.Again) && m.opts.Restart != nil:
		if m.restarting {
			return nil
		}
		m.restarting = true
		m.setFlash("starting again…", false)
		return restart(m.opts.Restart)
	case msg.Type == tea.KeyRunes || msg.Type == tea.KeySpace:
		m.setFlash(m.finishedText(), true)
		m.flashUntil = time.Time{}
	}
	return nil
}

// controlKey turns a key into an engine control while the run goes on.
func (m *Model) controlKey(msg tea.KeyMsg) tea.Cmd {
	k := m.keys
	run := m.runInfo()
	switch {
	case key.Matches(msg, k.Spike):
		m.eng.Spike()
		m.setFlash(m.spikeText(), false)
	case key.Matches(msg, k.Mode):
		if run.Mode == plan.ModeMax.String() {
			m.setFlash("max-throughput runs keep their mode (restart with a rate to switch)", true)
			break
		}
		mode := plan.Modes[msg.Runes[0]-'1']
		m.eng.SetMode(mode)
		m.setFlash(modeText(mode), false)
	case key.Matches(msg, k.Knee):
		txt, isErr := kneeKeyText(run)
		if !isErr {
			m.eng.SetMode(plan.ModeKnee)
		}
		m.setFlash(txt, isErr)
	case (key.Matches(msg, k.Faster) || key.Matches(msg, k.Slower)) && run.Knee != nil:
		m.setFlash("+/-: the knee finder sets the rate (1-5 switch to another mode)", true)
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

// phased reports whether n and h mean anything now. Before the first
// snapshot we cannot tell, so the key goes through.
func (m *Model) phased() bool {
	r := m.runInfo()
	return m.snap == nil || r.Knee == nil && (r.Mode == plan.ModeDemo.String() || r.PhaseCount > 1)
}

// modeText says what a mode key switched to, and what it will do.
func modeText(mode plan.Mode) string {
	what := map[plan.Mode]string{
		plan.ModeSteady:    "a constant rate",
		plan.ModeRampUp:    "from 1 req/s up to the base rate",
		plan.ModeSpike:     "a 3 s burst at 5× every 15 s, the first in 15 s",
		plan.ModeRealistic: "random arrivals, with journeys",
		plan.ModeDemo:      "4 phases: ramp-up, steady + journeys, spike, high load",
	}[mode]
	return fmt.Sprintf("mode → %s: %s (stats carry on)", mode, what)
}

func (m *Model) spikeText() string {
	r := m.runInfo()
	if m.opts.SpikeMultiplier > 0 && r.BaseRPS > 0 && m.opts.SpikeDuration > 0 {
		return fmt.Sprintf("spike fired: +%s req/s for %s", fmtRate(m.opts.SpikeMultiplier*r.BaseRPS), fmtSpan(m.opts.SpikeDuration))
	}
	if m.opts.SpikeMultiplier > 0 && m.opts.SpikeDuration > 0 {
		return fmt.Sprintf("spike fired: +%g× base rate for %s", m.opts.SpikeMultiplier, fmtSpan(m.opts.SpikeDuration))
	}
	return "spike fired"
}

func (m *Model) rateText(f float64) string {
	r := m.runInfo()
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
