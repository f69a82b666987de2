package ui

import (
	"strings"
	"time"

	"github.com/NimbleMarkets/ntcharts/canvas"

	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/stats"
)

// The knee finder on the dashboard: its steps marked on the RPS and
// latency charts (a dotted line up each step's first second, a glyph on
// the time axis: ┴ a step, ╳ a step that broke the objective, ◆ the
// step that set the highest sustained rate), the search's progress in
// the phase pane and the header, and the k key.

// The glyphs of a step's mark on the time axis, and of its line.
const (
	markStep  = '┴'
	markBroke = '╳'
	markKnee  = '◆'
	markLine  = "┊"
)

// stepMark is a knee step's mark: the second it began, its glyph and
// style.
type stepMark struct {
	sec   int64
	glyph rune
	style *lipglossStyle
}

// kneeMarks are the marks of k's steps, judged and under way, in order.
func kneeMarks(st *Styles, k *stats.KneeInfo) []stepMark {
	if k == nil {
		return nil
	}
	out := make([]stepMark, 0, len(k.Steps)+1)
	for i, s := range k.Steps {
		m := stepMark{sec: int64(s.Start / time.Second), glyph: markStep, style: &st.Accent}
		switch {
		case i == k.Knee:
			m.glyph, m.style = markKnee, &st.OK
		case !s.Pass && !s.Skipped:
			m.glyph, m.style = markBroke, &st.Err
		}
		out = append(out, m)
	}
	return append(out, stepMark{sec: int64(k.Current.Start / time.Second), glyph: markStep, style: &st.Accent})
}

// kneeLegend is the charts' legend entry for the knee: the highest
// sustained rate once known, else what the marks are.
func kneeLegend(st *Styles, k *stats.KneeInfo) string {
	if best, ok := k.Sustained(); ok {
		return st.wrap(&st.OK, string(markKnee)) + st.wrap(&st.Subtle, " knee ") + st.wrap(&st.Value, fmtRate(best.Rate)+"/s")
	}
	return st.wrap(&st.Accent, string(markStep)) + st.wrap(&st.Subtle, " steps")
}

// setKneeMarks puts s's step marks on the RPS chart's columns (c.knee),
// for plot and timeAxis. Column i shows second newest-(last-i), as in
// timeAxis.
func (c *rpsChart) setKneeMarks(s *stats.Snapshot, live bool) {
	c.knee = c.knee[:0]
	k := s.Run.Knee
	if k == nil || len(c.cols) == 0 {
		return
	}
	c.knee = append(c.knee, make([]*stepMark, len(c.cols))...)
	var newest int64
	if len(s.Series) > 0 {
		newest = s.Series[len(s.Series)-1].Second + 1
	}
	if !live {
		newest--
	}
	last := len(c.cols) - 1
	for _, m := range kneeMarks(c.st, k) {
		if i := last - int(newest-m.sec); m.sec >= 0 && i >= 0 && i <= last {
			c.knee[i] = &m
		}
	}
}

// kneeCell is the dotted line of a step's mark in an empty cell of
// column i, or nil.
func (c *rpsChart) kneeCell(i int) (*lipglossStyle, string) {
	if i < len(c.knee) && c.knee[i] != nil {
		return &c.st.Faint, markLine
	}
	return nil, " "
}

// kneeAxis writes the step marks into the time axis (c.axis), before its
// labels, which keep clear of them.
func (c *rpsChart) kneeAxis() {
	for i, m := range c.knee {
		if m != nil && i < len(c.axis) {
			c.axis[i] = m.glyph
		}
	}
}

// kneeAxisStyle is the style of axis cell i when it holds a step's mark.
func (c *rpsChart) kneeAxisStyle(i int) *lipglossStyle {
	if i < len(c.knee) && c.knee[i] != nil {
		return c.knee[i].style
	}
	return nil
}

// drawKneeMarks draws s's step marks on the latency chart's canvas: the
// glyph on the x axis and a dotted line up the empty cells above it.
func (c *latencyChart) drawKneeMarks(s *stats.Snapshot) {
	lc := &c.c.lc
	o := lc.Origin()
	for _, m := range kneeMarks(c.st, s.Run.Knee) {
		x := float64(at(m.sec).Unix())
		if m.sec < 0 || x < lc.ViewMinX() || x > lc.ViewMaxX() {
			continue
		}
		sf := lc.ScaleFloat64Point(canvas.Float64Point{X: x, Y: lc.ViewMinY()})
		p := canvas.CanvasPointFromFloat64Point(o, sf)
		p.X++ // as DrawRuneWithStyle: clear of the y axis
		if p.X <= o.X || p.X >= lc.Canvas.Width() {
			continue
		}
		for y := range o.Y {
			pt := canvas.Point{X: p.X, Y: y}
			if r := lc.Canvas.Cell(pt).Rune; r == 0 || r == ' ' {
				lc.Canvas.SetCell(pt, canvas.NewCellWithStyle([]rune(markLine)[0], c.st.Faint))
			}
		}
		lc.Canvas.SetCell(canvas.Point{X: p.X, Y: o.Y}, canvas.NewCellWithStyle(m.glyph, *m.style))
	}
}

// kneeKey is what the latency chart's knee marks depend on, beside the
// series: a new judgement redraws it.
func kneeKey(k *stats.KneeInfo) int {
	if k == nil {
		return -1
	}
	return len(k.Steps)<<16 | (k.Knee + 1)
}

// kneeLabel is the header's word on the search: "step 6 recover · 170
// req/s", or "holding 187 req/s".
func kneeLabel(k *stats.KneeInfo) string {
	if k.Holding() {
		return "holding " + fmtRate(k.Current.Rate) + " req/s"
	}
	return "step " + itoa(k.Current.N) + " " + k.Current.Kind + " · " + fmtRate(k.Current.Rate) + " req/s"
}

// kneeProgress is the phase pane's first line in knee mode: the step
// under way with its bar and clock, and whether its window has begun; or,
// once the search holds, its result.
func (p *phasePane) kneeProgress(s *stats.Snapshot) string {
	st := p.st
	k := s.Run.Knee
	sep := st.wrap(&st.Faint, " · ")
	label := st.wrap(&st.Heading, "KNEE ") + st.wrap(&st.Accent, kneeLabel(k))
	if k.Holding() || p.run.finished || s.Run.Done {
		return join(append([]string{label}, kneeResult(st, k)...), sep, p.w)
	}
	clock := fmtClock(k.Elapsed) + "/" + fmtClock(k.Length)
	next := st.wrap(&st.Subtle, "settling: judged from "+fmtClock(k.Settle))
	if k.Elapsed >= k.Settle {
		next = st.wrap(&st.Subtle, "judging")
	}
	line := label
	if barW := min(p.w-width(label)-width(clock)-width(next)-7, 30); barW >= 6 && k.Length > 0 {
		p.bar.Width = barW
		line += "  " + p.bar.ViewAs(min(max(float64(k.Elapsed)/float64(k.Length), 0), 1))
	}
	line += "  " + st.wrap(&st.Value, clock)
	return join([]string{line, next}, sep, p.w)
}

// kneeResult is the search's outcome, in parts for join: the highest
// sustained rate's figures, and why the search holds.
func kneeResult(st *Styles, k *stats.KneeInfo) []string {
	best, ok := k.Sustained()
	if !ok {
		if k.Holding() {
			return []string{st.wrap(&st.Err, "no sustained rate"), st.wrap(&st.Subtle, k.Note)}
		}
		return []string{st.wrap(&st.Subtle, "no step has passed")}
	}
	what := st.wrap(&st.Subtle, "highest sustained ") + st.wrap(&st.OK, fmtRate(best.Rate)+" req/s")
	if k.Holding() && best.Rate == k.Current.Rate {
		what = st.wrap(&st.OK, "sustained") // the rate held, in the label
	}
	out := []string{
		what + st.wrap(&st.Subtle, ": p50 ") + st.wrap(&st.Value, stats.Dur(best.P50)) +
			st.wrap(&st.Subtle, ", p99 ") + st.wrap(&st.Value, stats.Dur(best.P99)) +
			st.wrap(&st.Subtle, ", errors ") + st.wrap(&st.Value, fmtPct(100*best.ErrorRatio())),
	}
	if k.Holding() {
		out = append(out, st.wrap(&st.Subtle, k.Note))
	}
	return out
}

// kneeSteps is the phase pane's second line in knee mode: the steps
// judged so far, newest on the right, as "50✓ 75✓ … 255✗", then the
// objective when it fits.
func (p *phasePane) kneeSteps(k *stats.KneeInfo) string {
	st := p.st
	cells := make([]string, 0, len(k.Steps))
	for i, s := range k.Steps {
		mark, style := "✓", &st.OK
		switch {
		case i == k.Knee:
			mark = string(markKnee)
		case s.Skipped:
			mark, style = "–", &st.Subtle
		case !s.Pass:
			mark, style = "✗", &st.Err
		}
		cells = append(cells, st.wrap(&st.Value, fmtRate(s.Rate))+st.wrap(style, mark))
	}
	head := st.wrap(&st.Subtle, "steps ")
	slo := st.wrap(&st.Faint, " · ") + st.wrap(&st.Subtle, k.SLO)
	if len(cells) == 0 {
		return fit(head+st.wrap(&st.Subtle, "none judged yet")+slo, p.w)
	}
	// The newest steps that fit, after "(n before)" when some do not.
	room := p.w - width(head)
	n, used := len(cells), 0
	for n > 0 && used+width(cells[n-1])+1 <= room {
		used += width(cells[n-1]) + 1
		n--
	}
	for n > 0 && n < len(cells) && used+width(before(n)) > room {
		used -= width(cells[n]) + 1
		n++
	}
	if n > 0 {
		head += st.wrap(&st.Subtle, before(n))
	}
	line := head + strings.Join(cells[n:], " ")
	if width(line)+width(slo) <= p.w {
		line += slo
	}
	return line
}

// before is what stands for the n oldest steps left out of the line.
func before(n int) string { return "(" + itoa(n) + " before) " }

// kneeKeyText is the feedback line after K.
func kneeKeyText(run stats.RunInfo) (string, bool) {
	switch {
	case run.Mode == plan.ModeMax.String():
		return "max-throughput runs keep their mode (restart with a rate for the knee finder)", true
	case run.Knee != nil && !run.Knee.Holding():
		return "knee finder: started again from its first step", false
	}
	return "knee finder: the rate steps up until p99, errors, the achieved rate or drops break the objective, then holds the last good rate", false
}
