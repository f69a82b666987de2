package ui

import (
	"fmt"
	"time"

	"github.com/charmbracelet/bubbles/progress"

	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/stats"
)

// phasePane shows where the run is: a bar for the current phase (or the
// whole run when the plan has no phases) and, for phased plans, the phases
// as a timeline with the current one marked. On one line it shows the
// timeline alone, labelled.
type phasePane struct {
	st   *Styles
	w, h int
	bar  progress.Model
	out  string
}

// newPhasePane builds the pane with its bubbles progress bar: a solid
// fill, no percentage (the clock says more), drawn with ViewAs from each
// snapshot, so there is no spring animation and no frame messages.
func newPhasePane(st *Styles) *phasePane {
	b := progress.New(
		progress.WithSolidFill(st.BarFill),
		progress.WithoutPercentage(),
		progress.WithColorProfile(st.Profile),
	)
	b.EmptyColor = st.BarEmpty
	return &phasePane{st: st, bar: b}
}

func (p *phasePane) setSize(w, h int) { p.w, p.h = w, h }
func (p *phasePane) view() string     { return p.out }

func (p *phasePane) render(s *stats.Snapshot) {
	if s == nil {
		p.out = ""
		return
	}
	r := s.Run
	phased := len(r.Phases) > 1
	if p.h < 2 {
		if phased {
			lbl := p.st.wrap(&p.st.Accent, phaseLabel(r)) + " " + p.st.wrap(&p.st.Value, phaseClock(r)) + holdMark(p.st, r) + " "
			p.out = lbl + p.timeline(r, p.w-width(lbl))
		} else {
			p.out = p.progress(s)
		}
		return
	}
	line2 := p.st.wrap(&p.st.Subtle, modeBlurb(s))
	if phased {
		line2 = p.timeline(r, p.w)
	}
	p.out = p.progress(s) + "\n" + line2
}

// progress is "PHASE 2/4 steady ████░░░░ 0:41/1:00", or the run's bar.
func (p *phasePane) progress(s *stats.Snapshot) string {
	st := p.st
	r := s.Run
	var label, clock string
	var frac float64
	known := true
	if len(r.Phases) > 1 {
		label = st.wrap(&st.Heading, "PHASE ") + st.wrap(&st.Accent, phaseLabel(r))
		clock = phaseClock(r)
		if r.PhaseLength > 0 {
			frac = float64(r.PhaseElapsed) / float64(r.PhaseLength)
			clock += st.wrap(&st.Subtle, " · "+fmtClock(r.PhaseLength-r.PhaseElapsed)+" left")
		} else {
			known = false
		}
	} else {
		label = st.wrap(&st.Heading, "RUN ") + st.wrap(&st.Accent, orDash(r.Mode))
		if r.Duration > 0 {
			frac = float64(s.Elapsed) / float64(r.Duration)
			clock = fmtClock(s.Elapsed) + " / " + fmtClock(r.Duration) + st.wrap(&st.Subtle, " · "+fmtClock(r.Remaining)+" left")
		} else {
			known = false
			clock = fmtClock(s.Elapsed) + st.wrap(&st.Subtle, " · runs until q")
		}
	}
	label += holdMark(st, r)
	barW := p.w - width(label) - width(clock) - 4
	if !known || barW < 6 {
		return spread(label, st.wrap(&st.Value, clock), p.w)
	}
	p.bar.Width = barW
	return label + "  " + p.bar.ViewAs(min(max(frac, 0), 1)) + "  " + st.wrap(&st.Value, clock)
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
		return " " + st.BadgeHeld.Render("HELD")
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
		return "spike: " + base + " with a 3 s burst at 5× every 15 s" + users
	case plan.ModeRealistic.String():
		return "realistic: " + base + " as Poisson arrivals" + users
	case plan.ModeMax.String():
		return fmt.Sprintf("max: %d workers send as fast as answers come back", r.Concurrency)
	case "":
		return ""
	}
	return r.Mode + ": " + base + users
}
