package ui

import (
	"strings"

	"github.com/trafficgen/trafficgen/loadgen"
	"github.com/trafficgen/trafficgen/stats"
)

// rpsChart shows requests per second over time: successes as green
// columns, errors stacked on top in red (a shade without colour), the
// plan's target rate as a line where the columns fall short of it, and
// spike seconds marked on the time axis and drawn in the spike colour.
type rpsChart struct {
	st    *Styles
	w, h  int
	out   string
	spike []bool
}

func (c *rpsChart) setSize(w, h int) { c.w, c.h = w, h }
func (c *rpsChart) view() string     { return c.out }

func rateLabel(v float64) string { return fmtRate(v) }

func (c *rpsChart) render(s *stats.Snapshot) {
	st := c.st
	if c.h < 3 || c.w < 12 {
		c.out = ""
		return
	}
	if s == nil {
		c.out = heading(st, "REQUESTS / S", "", c.w)
		return
	}
	r := s.Run
	maxMode := r.Mode == loadgen.ModeMax.String()
	rows := c.h - 2
	// Scale: the largest column or target in view, rounded up.
	pts := window(s.Series, c.w)
	var top float64
	for _, p := range pts {
		top = max(top, float64(p.Success+p.Errors))
		if !maxMode {
			top = max(top, p.Target)
		}
	}
	top = niceCeil(top * 1.05)
	lw := labelWidth(top, rows, rateLabel)
	plotW := c.w - lw - 1
	pts = window(pts, plotW)
	offset := plotW - len(pts)
	c.spike = spikeSeconds(pts, r.BaseRPS, c.spike)
	anySpike := false
	for _, b := range c.spike {
		anySpike = anySpike || b
	}

	var b strings.Builder
	b.WriteString(heading(st, "REQUESTS / S", c.legend(s, maxMode, anySpike), c.w))
	line := runs{st: st}
	for ri := 0; ri < rows; ri++ {
		rr := rows - 1 - ri // row from the bottom
		b.WriteByte('\n')
		line.add(nil, yAxis(st, ri, rows, lw, top, rateLabel))
		for x := 0; x < offset; x++ {
			line.add(nil, " ")
		}
		for i, p := range pts {
			okE := eighths(float64(p.Success), top, rows)
			totE := eighths(float64(p.Success+p.Errors), top, rows)
			errLo, errHi := errorCells(p, okE, totE, rows)
			okStyle := &st.BarOK
			if c.spike[i] {
				okStyle = &st.Spike
			}
			switch {
			case rr < okE/8:
				line.add(okStyle, "█")
			case rr == okE/8 && okE%8 > 0:
				line.add(okStyle, lowerEighths[okE%8])
			case rr >= errLo && rr < errHi:
				line.add(&st.BarErr, st.ErrGlyph)
			case !maxMode && p.Target > 0 && rr == targetRow(p.Target, top, rows):
				line.add(&st.Target, "─")
			default:
				line.add(nil, " ")
			}
		}
		b.WriteString(line.String())
	}
	b.WriteByte('\n')
	b.WriteString(xAxis(st, pts, offset, plotW, lw, c.spike))
	c.out = b.String()
}

// errorCells is the band of rows (from the bottom, [lo, hi)) where a
// column's errors are drawn: just above its successes, as tall as they
// are in whole cells, and at least one cell when errors are 5% or more of
// the second so a failing target always shows.
func errorCells(p stats.Point, okE, totE, rows int) (lo, hi int) {
	lo = (okE + 7) / 8
	cells := (totE - okE + 4) / 8
	if cells == 0 && p.Errors > 0 && p.Errors*20 >= p.Success+p.Errors {
		cells = 1
	}
	return lo, min(lo+cells, rows)
}

// targetRow is the row (from the bottom) the target line is drawn in.
func targetRow(v, top float64, rows int) int {
	e := eighths(v, top, rows)
	if e <= 0 {
		return -1
	}
	return min((e-1)/8, rows-1)
}

func (c *rpsChart) legend(s *stats.Snapshot, maxMode, spike bool) string {
	st := c.st
	var ok, errs int64
	if n := len(s.Series); n > 0 {
		ok, errs = s.Series[n-1].Success, s.Series[n-1].Errors
	}
	parts := []string{
		st.BarOK.Render("█") + st.Subtle.Render(" ok ") + st.Value.Render(fmtInt(ok)),
		st.BarErr.Render(st.ErrGlyph) + st.Subtle.Render(" errors ") + countStyle(st, errs, st.Err).Render(fmtInt(errs)),
	}
	if maxMode {
		parts = append(parts, st.Subtle.Render("concurrency ")+st.Value.Render(fmtInt(int64(s.Run.Concurrency))))
	} else {
		parts = append(parts, st.Target.Render("─")+st.Subtle.Render(" target ")+st.Value.Render(fmtRate(s.Run.TargetRPS)))
	}
	if spike {
		parts = append(parts, st.Spike.Render("━ spike"))
	}
	return join(parts, "   ", max(c.w-16, 0))
}
