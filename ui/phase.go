package ui

import (
	"fmt"
	"time"

	"github.com/charmbracelet/bubbles/progress"

	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/stats"
)

// phasePane shows where the run is and what comes next: a bar for the
// current phase (or the whole run when the plan has no phases) with "next:
// spike in 0:29" or spike mode's countdown to its next burst, and on a
// second line the phases as a timeline, or the mode in words.
type phasePane struct {
	st   *Styles
	run  *runState
	w, h int
	bar  progress.Model
	out  string
}

// newPhasePane builds the pane with its bubbles progress bar: a solid
// fill, no percentage (the clock says more), drawn with ViewAs from each
// snapshot, so there is no spring animation and no frame messages.
func newPhasePane(st *Styles, run *runState) *phasePane {
	b := progress.New(
		progress.WithSolidFill(st.BarFill),
		progress.WithoutPercentage(),
		progress.WithColorProfile(st.Profile),
	)
	b.EmptyColor = st.BarEmpty
	return &phasePane{st: st, run: run, bar: b}
}

func (p *phasePane) setSize(w, h int) { p.w, p.h = w, h }
func (p *phasePane) view() string     { return p.out }

func (p *phasePane) render(s *stats.Snapshot) {
	if s == nil {
		p.out = ""
		return
	}
	if k := s.Run.Knee; k != nil {
		p.out = p.kneeProgress(s)
		if p.h >= 2 {
			p.out += "\n" + p.kneeSteps(k)
		}
		return
	}
	line := p.progress(s)
	if p.h < 2 {
		p.out = line
		return
	}
	second := wrapWords(p.st, &p.st.Subtle, modeBlurb(s), p.w)
	if len(s.Run.Phases) > 1 {
		second = p.timeline(s.Run, p.w)
	}
	p.out = line + "\n" + second
}

// progress is "PHASE 2/4 steady ████░░░░ 0:41/1:00 · next: spike in 0:19",
// or the run's bar and clock.
func (p *phasePane) progress(s *stats.Snapshot) string {
	st := p.st
	r := s.Run
	var label, clock string
	var frac float64
	known := true
	switch {
	case len(r.Phases) > 1:
		label = st.wrap(&st.Heading, "PHASE ") + st.wrap(&st.Accent, phaseLabel(r))
		clock = phaseClock(r)
		if r.PhaseLength > 0 {
			frac = float64(r.PhaseElapsed) / float64(r.PhaseLength)
		} else {
			known = false
		}
	case r.Duration > 0:
		// The plan's clock, which a mode switch restarts, not the stats'.
		label = st.wrap(&st.Heading, "RUN ") + st.wrap(&st.Accent, orDash(r.Mode))
		at := r.Duration - r.Remaining
		frac = float64(at) / float64(r.Duration)
		clock = fmtClock(at) + "/" + fmtClock(r.Duration)
	default:
		label = st.wrap(&st.Heading, "RUN ") + st.wrap(&st.Accent, orDash(r.Mode))
		clock = fmtClock(s.Elapsed)
		known = false
	}
	label += holdMark(st, r)
	next := p.next(s)
	fixed := width(label) + width(clock) + 4
	if next != "" {
		fixed += 3 + width(next)
	}
	barW := min(p.w-fixed, 60)
	line := label
	if known && barW >= 6 {
		p.bar.Width = barW
		line += "  " + p.bar.ViewAs(min(max(frac, 0), 1))
	}
	line += "  " + st.wrap(&st.Value, clock)
	if next == "" {
		return line
	}
	return join([]string{line, next}, st.wrap(&st.Faint, " · "), p.w)
}

// next says what comes next: the next phase and when, spike mode's next
// burst, the time left, or what the keys do once the run is over.
func (p *phasePane) next(s *stats.Snapshot) string {
	st := p.st
	r := s.Run
	switch {
	case p.run.finished || r.Done:
		return st.wrap(&st.Warn, "finished")
	case r.Mode == plan.ModeSpike.String() && !r.Paused:
		if r.NextSpike == 0 {
			return st.wrap(&st.Spike, "burst now: 5× the base rate")
		}
		return st.wrap(&st.Subtle, "next burst in ") + st.wrap(&st.Spike, fmtClock(roundUp(r.NextSpike)))
	case len(r.Phases) > 1 && r.PhaseIndex+1 < len(r.Phases) && r.PhaseLength > 0:
		left := roundUp(r.PhaseLength - r.PhaseElapsed)
		name := r.Phases[r.PhaseIndex+1].Name
		if r.Held {
			return st.wrap(&st.Subtle, "next: "+name+" when released (h)")
		}
		return st.wrap(&st.Subtle, "next: ") + st.wrap(&st.Accent, name) + st.wrap(&st.Subtle, " in ") + st.wrap(&st.Value, fmtClock(left))
	case r.Duration > 0:
		return st.wrap(&st.Subtle, fmtClock(r.Remaining)+" left")
	case len(r.Phases) <= 1:
		return st.wrap(&st.Subtle, "runs until q")
	}
	return ""
}

// roundUp rounds a countdown up to the second, so it reaches 0:00 as the
// moment comes rather than a second before.
func roundUp(d time.Duration) time.Duration {
	return (max(d, 0) + time.Second - 1).Truncate(time.Second)
}

// timeline draws every phase in proportion to its length, labelled, with
// the run's position as the end of a heavy line: done ━, to come ─.
func (p *phasePane) timeline(r stats.RunInfo, w int) string {
	st := p.st
	if w < 8 || len(r.Phases) == 0 {
		return ""
	}
	var total time.Duration
	for _, ph := range r.Phases {
		total += max(ph.Length, time.Second)
	}
	// Cell ranges of each segment, proportional to length.
	starts := make([]int, len(r.Phases)+1)
	var acc time.Duration
	for i, ph := range r.Phases {
		starts[i] = int(int64(w) * int64(acc) / int64(total))
		acc += max(ph.Length, time.Second)
	}
	starts[len(r.Phases)] = w
	// The position of now, in cells.
	var before time.Duration
	for i := 0; i < r.PhaseIndex && i < len(r.Phases); i++ {
		before += max(r.Phases[i].Length, time.Second)
	}
	pos := before + min(r.PhaseElapsed, max(r.PhaseLength, time.Second))
	now := int(int64(w) * int64(pos) / int64(total))
	out := runs{st: st}
	for i, ph := range r.Phases {
		a, b := starts[i], starts[i+1]
		seg := b - a
		if seg <= 0 {
			continue
		}
		label := fmt.Sprintf(" %d %s ", i+1, ph.Name)
		if width(label) > seg-2 {
			label = fmt.Sprintf(" %d ", i+1)
		}
		if width(label) > seg-1 {
			label = ""
		}
		lstyle := &st.Subtle
		if i == r.PhaseIndex {
			lstyle = &st.Accent
		}
		for x := a; x < b; x++ {
			if x == a && i > 0 {
				out.add(&st.Subtle, "┃")
				continue
			}
			if label != "" && x == a+1 {
				out.add(lstyle, label)
				x += width(label) - 1
				continue
			}
			switch {
			case x < now:
				out.add(&st.Accent, "━")
			case x == now:
				out.add(&st.Accent, "╸")
			default:
				out.add(&st.Faint, "─")
			}
		}
	}
	return out.String()
}

func phaseClock(r stats.RunInfo) string {
	if r.PhaseLength <= 0 {
		return fmtClock(r.PhaseElapsed)
	}
	return fmtClock(r.PhaseElapsed) + "/" + fmtClock(r.PhaseLength)
}

func holdMark(st *Styles, r stats.RunInfo) string {
	if r.Held {
		return " " + st.badge(&st.BadgeHeld, "HELD")
	}
	return ""
}

// modeBlurb says in words what the current plan does.
func modeBlurb(s *stats.Snapshot) string {
	r := s.Run
	base := fmtRate(r.BaseRPS) + " req/s"
	users := ""
	if s.Journeys.Users > 0 {
		users = fmt.Sprintf(" + %d journey users", s.Journeys.Users)
	}
	switch r.Mode {
	case plan.ModeSteady.String():
		return "steady: a constant " + base + users
	case plan.ModeRampUp.String():
		return "ramp-up: linear from 1 to " + base + users
	case plan.ModeSpike.String():
		return "spike: " + base + ", every 15 s a 3 s burst at 5×" + users
	case plan.ModeRealistic.String():
		return "realistic: " + base + " as random (Poisson) arrivals" + users
	case plan.ModeMax.String():
		return fmt.Sprintf("max: %d workers send as fast as answers come back", r.Concurrency)
	case "":
		return ""
	}
	return r.Mode + ": " + base + users
}
