package ui

import (
	"math"
	"strings"

	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/stats"
)

// rpsChart is the requests-per-second chart: a filled bar a column, one
// column a second, newest on the right, where the last column is the live
// rate (the sliding window of Snapshot.Live, redrawn ten times a second),
// so a key's effect shows at once. Each bar is the successes, in eighths
// of a cell, with the errors stacked on top in whole cells of their own
// colour and glyph; the target (the plan's rate plus the journeys'
// traffic) is a line across the empty cells above a bar that falls short
// of it; spike seconds have a coloured band and a heavy time axis.
type rpsChart struct {
	st   *Styles
	run  *runState
	w, h int
	out  string
	cols []rpsColumn // scratch
	axis []rune      // scratch
	knee []*stepMark // the knee steps' marks by column (knee.go)
}

// rpsColumn is one column's data, in requests per second.
type rpsColumn struct {
	ok, err, target float64
	spike           bool
}

func newRPSChart(st *Styles, run *runState) *rpsChart { return &rpsChart{st: st, run: run} }

func (c *rpsChart) setSize(w, h int) { c.w, c.h = w, h }
func (c *rpsChart) view() string     { return c.out }

// eighths are the glyphs of a cell filled from the bottom, 0 to 8 eighths.
var eighths = []string{" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"}

func (c *rpsChart) render(s *stats.Snapshot) {
	st := c.st
	if c.h < 4 || c.w < 20 {
		c.out = ""
		return
	}
	if s == nil {
		c.out = heading(st, "REQUESTS / S", "", c.w)
		return
	}
	maxMode := s.Run.Mode == plan.ModeMax.String()
	live := !c.run.finished && !s.Run.Done
	rows := c.h - 2
	// The y labels' width depends on the scale, and the scale on the
	// columns shown: measure with a first guess, then settle.
	yw := 4
	var yTop float64
	var step int
	for range 2 {
		c.columns(s, c.w-yw-1, live, maxMode)
		yTop, step = yScale(c.top(maxMode), rows)
		yw = 1
		for b := step - 1; b < rows; b += step {
			yw = max(yw, width(yLabel(yTop, b, rows)))
		}
	}
	c.setKneeMarks(s, live)
	lines := make([]string, 0, c.h)
	lines = append(lines, c.heading(s, maxMode, live))
	lines = append(lines, c.plot(rows, yw, yTop, step, maxMode)...)
	lines = append(lines, c.timeAxis(s, yw, live))
	c.out = strings.Join(lines, "\n")
}

// columns fills c.cols with the n newest columns: completed seconds, then
// the live column.
func (c *rpsChart) columns(s *stats.Snapshot, n int, live, maxMode bool) {
	c.cols = c.cols[:0]
	if n <= 0 {
		return
	}
	pts := s.Series
	keep := n
	if live {
		keep--
	}
	if len(pts) > keep {
		pts = pts[len(pts)-keep:]
	}
	spikes := spikeSeconds(pts, s.Run.BaseRPS, nil)
	if s.Run.Knee != nil {
		clear(spikes) // the knee finder's steps are not spikes
	}
	for i, p := range pts {
		c.cols = append(c.cols, rpsColumn{ok: float64(p.Success), err: float64(p.Errors),
			target: p.Target + float64(p.Journey), spike: spikes[i]})
	}
	if live {
		r := s.Run
		c.cols = append(c.cols, rpsColumn{ok: s.Live.SuccessRPS(), err: s.Live.ErrorRPS(),
			target: r.TargetRPS + s.Live.JourneyRPS(),
			spike:  r.Spiking || (r.Mode == plan.ModeSpike.String() && r.NextSpike == 0 && !r.Paused)})
	}
	if maxMode {
		for i := range c.cols {
			c.cols[i].target = 0
		}
	}
	// Early in a run the columns start at the right, where the newest is.
	if pad := n - len(c.cols); pad > 0 {
		c.cols = append(c.cols, make([]rpsColumn, pad)...)
		copy(c.cols[pad:], c.cols[:len(c.cols)-pad])
		clear(c.cols[:pad])
	}
}

// top is the largest value the chart must show.
func (c *rpsChart) top(maxMode bool) float64 {
	var top float64
	for _, col := range c.cols {
		top = max(top, col.ok+col.err, col.target)
	}
	return top
}

func (c *rpsChart) heading(s *stats.Snapshot, maxMode, live bool) string {
	st := c.st
	title := st.wrap(&st.Heading, "REQUESTS / S")
	var parts []string
	if live {
		parts = []string{
			st.wrap(&st.BarOK, "█") + st.wrap(&st.Subtle, " ok ") + st.wrap(&st.Value, fmtRate(s.Live.SuccessRPS())),
			st.wrap(&st.BarErr, st.ErrGlyph) + st.wrap(&st.Subtle, " errors ") + st.wrap(countStyle(st, s.Live.Errors, &st.Err), fmtRate(s.Live.ErrorRPS())),
		}
	} else {
		parts = []string{st.wrap(&st.BarOK, "█") + st.wrap(&st.Subtle, " ok"), st.wrap(&st.BarErr, st.ErrGlyph) + st.wrap(&st.Subtle, " errors")}
	}
	switch {
	case maxMode:
		parts = append(parts, st.wrap(&st.Subtle, "concurrency ")+st.wrap(&st.Value, fmtInt(int64(s.Run.Concurrency))))
	case live:
		parts = append(parts, st.wrap(&st.Target, "─")+st.wrap(&st.Subtle, " ")+st.wrap(&st.Subtle, targetNote(s)))
	default:
		parts = append(parts, st.wrap(&st.Target, "─")+st.wrap(&st.Subtle, " target"))
	}
	if k := s.Run.Knee; k != nil {
		parts = append(parts, kneeLegend(st, k))
	}
	for _, col := range c.cols {
		if col.spike {
			parts = append(parts, st.wrap(&st.Spike, "━ spike"))
			break
		}
	}
	legend := join(parts, "   ", max(c.w-width(title)-2, 0))
	return spread(title, legend, c.w)
}

// plot draws the rows above the time axis, top first: the y labels, the
// axis, then a cell a column.
func (c *rpsChart) plot(rows, yw int, yTop float64, step int, maxMode bool) []string {
	st := c.st
	bars := make([]bar, len(c.cols))
	unit := float64(rows) / max(yTop, 1e-9) // cells per req/s
	for i, col := range c.cols {
		bars[i] = newBar(col, unit, rows, st.Color)
		if maxMode {
			bars[i].target = -1
		}
	}
	out := make([]string, 0, rows)
	r := runs{st: st}
	for y := range rows {
		b := rows - 1 - y // row from the bottom
		label := ""
		if (b+1)%step == 0 {
			label = yLabel(yTop, b, rows)
		}
		r.add(&st.Subtle, fitRight(label, yw))
		if label != "" {
			r.add(&st.Faint, "┤")
		} else {
			r.add(&st.Faint, "│")
		}
		for i := range bars {
			style, glyph := c.cell(&bars[i], b)
			if style == nil {
				style, glyph = c.kneeCell(i)
			}
			if style == nil && c.cols[i].spike {
				style = &st.SpikeBand
			}
			r.add(style, glyph)
		}
		out = append(out, r.String())
	}
	return out
}

// yLabel is the value at the top of row b (from the bottom) of rows,
// without decimals when it is a whole number.
func yLabel(yTop float64, b, rows int) string {
	v := yTop * float64(b+1) / float64(rows)
	if r := math.Round(v); math.Abs(v-r) < 1e-9 {
		return fmtInt(int64(r))
	}
	return fmtRate(v)
}

// bar is one column in eighths of a cell: the successes from the bottom,
// the errors on top of them, and the target's row (-1 for none).
type bar struct {
	ok, top int // eighths: the successes' top, the errors' top
	target  int
	cells   bool // errors in whole cells (no colour to split a cell)
}

func newBar(col rpsColumn, unit float64, rows int, color bool) bar {
	b := bar{ok: int(math.Round(col.ok * unit * 8)), target: -1, cells: !color}
	var errE int
	if col.err > 0 {
		errE = max(int(math.Round(col.err*unit*8)), 1)
		if b.cells { // whole cells above the successes' last one
			b.ok = (b.ok + 7) / 8 * 8
			errE = (errE + 7) / 8 * 8
		}
	}
	b.top = min(b.ok+errE, rows*8)
	b.ok = min(b.ok, b.top)
	if col.target > 0 {
		b.target = min(int(col.target*unit), rows-1)
	}
	return b
}

// cell is the style and glyph of row r (from the bottom) of bar b; a nil
// style is an empty cell.
func (c *rpsChart) cell(b *bar, r int) (*lipglossStyle, string) {
	st := c.st
	lo, hi := r*8, r*8+8
	switch {
	case hi <= b.ok:
		return &st.BarOK, "█"
	case lo >= b.top:
		if r == b.target {
			return &st.Target, "─"
		}
		return nil, " "
	case lo >= b.ok: // errors from the cell's bottom
		if b.cells {
			return &st.BarErr, st.ErrGlyph
		}
		return &st.BarErr, eighths[min(b.top-lo, 8)]
	case b.top > b.ok: // successes end in the cell, errors above them
		return &st.BarOKOnErr, eighths[b.ok-lo]
	}
	return &st.BarOK, eighths[b.ok-lo]
}

// timeAxis is the x axis: "0" and the corner, then a heavy mark under
// spike seconds, with the ages of round columns ("-30s") and "now" under
// the live column written into it.
func (c *rpsChart) timeAxis(s *stats.Snapshot, yw int, live bool) string {
	st := c.st
	n := len(c.cols)
	c.axis = c.axis[:0]
	for range c.w - yw - 1 {
		c.axis = append(c.axis, '─')
	}
	every := int64(30)
	if n > 150 {
		every = 60
	}
	put := func(end int, text string) {
		rs := []rune(text)
		start := end - len(rs) + 1
		if start < 1 || end >= len(c.axis) {
			return
		}
		for i := start - 1; i <= end+1 && i < len(c.axis); i++ {
			if c.axis[i] != '─' {
				return // would touch another label
			}
		}
		copy(c.axis[start:], rs)
	}
	if live && n > 0 {
		put(n-1, "now")
	}
	c.kneeAxis()
	// Column i shows second newest-(last-i), the live one the second in
	// progress.
	last := n - 1
	var newest int64
	if len(s.Series) > 0 {
		newest = s.Series[len(s.Series)-1].Second + 1
	}
	if !live {
		newest--
	}
	for i := range n {
		age := int64(last - i)
		if age > 0 && age%every == 0 && newest-age >= 0 {
			put(i, "-"+fmtSpan(secs(age)))
		}
	}
	r := runs{st: st}
	r.add(&st.Subtle, fitRight("0", yw))
	r.add(&st.Faint, "└")
	for i, ch := range c.axis {
		switch ks := c.kneeAxisStyle(i); {
		case ks != nil && ch == c.knee[i].glyph:
			r.add(ks, string(ch))
		case ch != '─':
			r.add(&st.Subtle, string(ch))
		case i < n && c.cols[i].spike:
			r.add(&st.Spike, "━")
		default:
			r.add(&st.Faint, "─")
		}
	}
	return r.String()
}
