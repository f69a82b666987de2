package ui

import (
	"strings"

	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/stats"
)

// headerPane is the top of the screen: what is being hit, how, for how
// long, and (on two lines) the headline numbers. In the rich layout the
// numbers move to the big tiles and the header keeps one line.
type headerPane struct {
	st   *Styles
	w, h int
	out  string
}

func (p *headerPane) setSize(w, h int) { p.w, p.h = w, h }
func (p *headerPane) view() string     { return p.out }

func (p *headerPane) render(s *stats.Snapshot) {
	st := p.st
	if s == nil {
		p.out = spread(st.Title.Render("TRAFFICGEN"), st.wrap(&st.Subtle, "waiting for the first numbers…"), p.w)
		return
	}
	r := s.Run
	mode := st.wrap(&st.Accent, strings.ToUpper(orDash(r.Mode)))
	if r.PhaseCount > 1 && r.Phase != "" {
		mode += st.wrap(&st.Subtle, " · ") + st.wrap(&st.Text, phaseLabel(r))
	}
	// The target URL goes last: when space runs out it is cut first.
	line1 := st.Title.Render("TRAFFICGEN") + "  " + mode + "  " + clockText(st, s)
	if r.Target != "" {
		line1 += "  " + st.wrap(&st.Subtle, "→ ") + st.wrap(&st.Value, r.Target)
	}
	if badges := p.badges(s); badges != "" {
		bw := width(badges)
		line1 = fit(line1, max(p.w-bw-1, 0)) + " " + badges
	}
	if p.h < 2 {
		p.out = line1
		return
	}
	p.out = line1 + "\n" + p.numbers(s)
}

// badges are the states a presenter must not miss, reversed out.
func (p *headerPane) badges(s *stats.Snapshot) string {
	st := p.st
	r := s.Run
	var b []string
	if r.Spiking {
		b = append(b, st.BadgeSpike.Render("SPIKE "+spikeAdds(r)+fmtSpan(r.SpikeLeft)))
	}
	if r.Held {
		b = append(b, st.BadgeHeld.Render("HELD"))
	}
	if r.Paused {
		b = append(b, st.BadgePaused.Render("PAUSED"))
	}
	if r.Done {
		b = append(b, st.BadgeDone.Render("DONE"))
	}
	return strings.Join(b, " ")
}

// numbers is the headline line of the compact and medium layouts.
func (p *headerPane) numbers(s *stats.Snapshot) string {
	st := p.st
	r := s.Run
	parts := []string{st.wrap(&st.Subtle, "req/s ") + st.wrap(&st.Big, fmtRate(s.CurrentRPS)) + rateTarget(st, r)}
	ok, n := recentSuccess(s, 10)
	if n > 0 {
		parts = append(parts, st.wrap(&st.Subtle, "ok ")+st.wrap(successStyle(st, ok), fmtPct(ok)))
	}
	parts = append(parts,
		st.wrap(&st.Subtle, "p99 ")+st.wrap(&st.Value, fmtLatency(s.Recent.P99)),
		st.wrap(&st.Subtle, "in-flight ")+st.wrap(&st.Value, fmtInt(s.InFlight)),
		st.wrap(&st.Subtle, "errors ")+st.wrap(countStyle(st, s.Errors, &st.Err), fmtInt(s.Errors)),
		st.wrap(&st.Subtle, "dropped ")+st.wrap(countStyle(st, s.Dropped, &st.Warn), fmtInt(s.Dropped)),
		st.wrap(&st.Subtle, "total ")+st.wrap(&st.Value, fmtInt(s.Total)),
	)
	return join(parts, st.wrap(&st.Faint, "  │  "), p.w)
}

// rateTarget is " / 100 target", or the concurrency in max mode.
func rateTarget(st *Styles, r stats.RunInfo) string {
	if r.Mode == plan.ModeMax.String() {
		return st.wrap(&st.Subtle, " · concurrency ") + st.wrap(&st.Value, fmtInt(int64(r.Concurrency)))
	}
	if r.Paused {
		return st.wrap(&st.Subtle, " / paused")
	}
	return st.wrap(&st.Subtle, " / ") + st.wrap(&st.Value, fmtRate(r.TargetRPS)) + st.wrap(&st.Subtle, " target")
}

// clockText is "1:23 / 5:00" or "1:23 / ∞".
func clockText(st *Styles, s *stats.Snapshot) string {
	r := s.Run
	if r.Duration <= 0 {
		return st.wrap(&st.Value, fmtClock(s.Elapsed)) + st.wrap(&st.Subtle, " / ∞")
	}
	return st.wrap(&st.Value, fmtClock(s.Elapsed)) + st.wrap(&st.Subtle, " / "+fmtClock(r.Duration)+" · "+fmtClock(r.Remaining)+" left")
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
