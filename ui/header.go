package ui

import (
	"strings"

	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/stats"
)

// runState is what the model knows beyond the snapshot, shared with the
// panes that show it.
type runState struct {
	// finished: the run is over and the dashboard stays until q.
	finished bool
	inspect
}

// headerPane is the top of the screen: what is being hit, how, for how
// long, and on its second line the headline numbers (where no big
// numbers show them).
type headerPane struct {
	st   *Styles
	run  *runState
	w, h int
	out  string
}

func (p *headerPane) setSize(w, h int) { p.w, p.h = w, h }
func (p *headerPane) view() string     { return p.out }

func (p *headerPane) render(s *stats.Snapshot) {
	st := p.st
	if s == nil {
		p.out = spread(st.badge(&st.Title, "TRAFFICGEN"), st.wrap(&st.Subtle, "waiting for the first numbers"), p.w)
		return
	}
	r := s.Run
	mode := st.wrap(&st.Accent, strings.ToUpper(orDash(r.Mode)))
	if r.Knee != nil {
		mode += st.wrap(&st.Subtle, " · ") + st.wrap(&st.Text, kneeLabel(r.Knee))
	} else if r.PhaseCount > 1 && r.Phase != "" {
		mode += st.wrap(&st.Subtle, " · ") + st.wrap(&st.Text, phaseLabel(r))
	}
	parts := []string{st.badge(&st.Title, "TRAFFICGEN"), mode, clockText(st, s)}
	// The target URL goes last: when space runs out it is dropped first.
	if r.Target != "" {
		parts = append(parts, st.wrap(&st.Subtle, "→ ")+st.wrap(&st.Value, r.Target))
	}
	badges := p.badges(s)
	line1 := join(parts, "  ", max(p.w-width(badges)-1, 0))
	if badges != "" {
		line1 = spread(line1, badges, p.w)
	}
	if p.h < 2 {
		p.out = line1
		return
	}
	p.out = line1 + "\n" + p.numbers(s)
}

// badges are the states a presenter must not miss.
func (p *headerPane) badges(s *stats.Snapshot) string {
	st := p.st
	r := s.Run
	var b []string
	if r.Spiking {
		b = append(b, st.badge(&st.BadgeSpike, "SPIKE "+spikeAdds(r)+fmtSpan(r.SpikeLeft)))
	}
	if r.NextSpike == 0 && r.Mode == plan.ModeSpike.String() && !r.Paused && !p.run.finished && !r.Done {
		b = append(b, st.badge(&st.BadgeSpike, "BURST"))
	}
	if r.Held {
		b = append(b, st.badge(&st.BadgeHeld, "HELD"))
	}
	if r.Paused {
		b = append(b, st.badge(&st.BadgePaused, "PAUSED"))
	}
	if p.run.finished || r.Done {
		b = append(b, st.badge(&st.BadgeDone, "FINISHED"))
	}
	return strings.Join(b, " ")
}

// numbers is the headline line: the live rate against the target, then
// what fits of the rest.
func (p *headerPane) numbers(s *stats.Snapshot) string {
	st := p.st
	kv := func(k, v string, vs *lipglossStyle) string { return st.wrap(&st.Subtle, k+" ") + st.wrap(vs, v) }
	var parts []string
	if p.run.finished {
		parts = []string{
			kv("avg req/s", fmtRate(s.AverageRPS), &st.Big),
			kv("errors", fmtInt(s.Errors), countStyle(st, s.Errors, &st.Err)),
			kv("p99", stats.Dur(s.Latency.P99), &st.Value) + p99Delta(st, p.run.base, s.Latency.P99),
			kv("ok", fmtPct(s.SuccessRate()), successStyle(st, s.SuccessRate())) + okDelta(st, p.run.base, s.SuccessRate()),
			kv("total", fmtInt(s.Total), &st.Value),
		}
	} else {
		parts = []string{
			kv("req/s", fmtRate(s.Live.RPS()), &st.Big) + rateTarget(st, s),
			kv("errors/s", fmtRate(s.Live.ErrorRPS()), countStyle(st, s.Live.Errors, &st.Err)),
			kv("p99", stats.Dur(s.Recent.P99), &st.Value) + p99Delta(st, p.run.base, s.Recent.P99),
		}
		if ok, n := recentSuccess(s, 10); n > 0 {
			parts = append(parts, kv("ok", fmtPct(ok), successStyle(st, ok))+okDelta(st, p.run.base, ok))
		}
		parts = append(parts,
			kv("in-flight", fmtInt(s.InFlight), &st.Value),
			kv("dropped", fmtInt(s.Dropped), countStyle(st, s.Dropped, &st.Warn)),
			kv("total", fmtInt(s.Total), &st.Value),
		)
	}
	return join(parts, st.wrap(&st.Faint, " · "), p.w)
}

// rateTarget is " / 30 target", with the journeys' own traffic beside it
// when they run (" + 4 journeys"): the plan's target covers the open
// traffic only, so the live rate is compared with both. In max mode it is
// the concurrency.
func rateTarget(st *Styles, s *stats.Snapshot) string {
	r := s.Run
	switch {
	case r.Mode == plan.ModeMax.String():
		return st.wrap(&st.Subtle, " · concurrency ") + st.wrap(&st.Value, fmtInt(int64(r.Concurrency)))
	case r.Paused:
		return st.wrap(&st.Subtle, " / paused")
	}
	out := st.wrap(&st.Subtle, " / ") + st.wrap(&st.Value, fmtRate(r.TargetRPS)) + st.wrap(&st.Subtle, " target")
	if j := s.Live.JourneyRPS(); j > 0 {
		out += st.wrap(&st.Subtle, " + ") + st.wrap(&st.Value, fmtRate(j)) + st.wrap(&st.Subtle, " journeys")
	}
	return out
}

// targetNote is rateTarget in words for a tile's note: "target 30 + 4
// journeys".
func targetNote(s *stats.Snapshot) string {
	r := s.Run
	switch {
	case r.Mode == plan.ModeMax.String():
		return "concurrency " + fmtInt(int64(r.Concurrency))
	case r.Paused:
		return "paused"
	}
	n := "target " + fmtRate(r.TargetRPS)
	if j := s.Live.JourneyRPS(); j > 0 {
		n += " + " + fmtRate(j) + " journeys"
	}
	return n
}

// clockText is "1:23 / 5:00 · 3:37 left" on the plan's clock (a mode
// switch starts it again), or "1:23 / ∞" on the run's.
func clockText(st *Styles, s *stats.Snapshot) string {
	r := s.Run
	if r.Duration <= 0 {
		return st.wrap(&st.Value, fmtClock(s.Elapsed)) + st.wrap(&st.Subtle, " / ∞")
	}
	return st.wrap(&st.Value, fmtClock(r.Duration-r.Remaining)) + st.wrap(&st.Subtle, " / "+fmtClock(r.Duration)+" · "+fmtClock(r.Remaining)+" left")
}

func phaseLabel(r stats.RunInfo) string {
	return itoa(r.PhaseIndex+1) + "/" + itoa(r.PhaseCount) + " " + r.Phase
}

// recentSuccess is the success rate over the last n seconds of the series,
// and how many requests that covers.
func recentSuccess(s *stats.Snapshot, n int) (float64, int64) {
	pts := s.Series
	if len(pts) > n {
		pts = pts[len(pts)-n:]
	}
	var ok, all int64
	for _, p := range pts {
		ok += p.Success
		all += p.Success + p.Errors
	}
	if all == 0 {
		return 0, 0
	}
	return 100 * float64(ok) / float64(all), all
}

func successStyle(st *Styles, pct float64) *lipglossStyle {
	switch {
	case pct >= 99:
		return &st.OK
	case pct >= 95:
		return &st.Warn
	default:
		return &st.Err
	}
}

func countStyle(st *Styles, n int64, bad *lipglossStyle) *lipglossStyle {
	if n > 0 {
		return bad
	}
	return &st.Value
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// spikeAdds is "+500/s " while a live spike adds a known rate, else "".
func spikeAdds(r stats.RunInfo) string {
	if !r.Spiking || r.SpikeRate <= 0 {
		return ""
	}
	return "+" + fmtRate(r.SpikeRate) + "/s "
}
