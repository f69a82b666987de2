package ui

import (
	ntrunes "github.com/NimbleMarkets/ntcharts/canvas/runes"

	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/stats"
)

// rpsChart shows requests per second over time on an ntcharts time-series
// chart: successes as a line, the plan's target rate as a dashed line
// under it (it shows where the successes fall short), errors as ×
// marks wherever they are a visible share of a second, and spike seconds
// as a coloured band with a heavy time axis beneath. Each series has its
// own glyph, so they read apart without colour.
type rpsChart struct {
	st    *Styles
	w, h  int
	c     *tsChart
	out   string
	spike []bool
}

// setOK names the successes' data set.
const setOK = "ok"

func newRPSChart(st *Styles) *rpsChart {
	c := &rpsChart{st: st, c: newTSChart(st, fmtRate)}
	c.c.lc.SetDataSetLineStyle(setOK, ntrunes.ArcLineStyle)
	c.c.lc.SetDataSetStyle(setOK, st.BarOK)
	return c
}

func (c *rpsChart) setSize(w, h int) {
	c.w, c.h = w, h
	c.c.resize(w, h-1)
}

func (c *rpsChart) view() string { return c.out }

func (c *rpsChart) render(s *stats.Snapshot) {
	st := c.st
	if c.h < 4 || c.w < 16 {
		c.out = ""
		return
	}
	if s == nil {
		c.out = heading(st, "REQUESTS / S", "", c.w)
		return
	}
	maxMode := s.Run.Mode == plan.ModeMax.String()
	key := seriesKey(s.Series, c.w, c.h, s.Run.BaseRPS, maxMode)
	if key != c.c.key {
		c.c.key = key
		c.plot(s, maxMode)
	}
	anySpike := false
	for _, b := range c.spike {
		anySpike = anySpike || b
	}
	c.out = heading(st, "REQUESTS / S", c.legend(s, maxMode, anySpike), c.w) + "\n" + c.c.out
}

// plot redraws the chart from the snapshot's series.
func (c *rpsChart) plot(s *stats.Snapshot, maxMode bool) {
	st := c.st
	var top float64
	for _, p := range window(s.Series, c.w) {
		top = max(top, float64(p.Success+p.Errors))
		if !maxMode {
			top = max(top, p.Target)
		}
	}
	ch := c.c
	pts := ch.frame(s.Series, top)
	ch.lc.ClearAllData()
	if len(pts) > 0 {
		ch.push(setOK, pts, func(p stats.Point) float64 { return float64(p.Success) })
		ch.draw(setOK)
	} else {
		ch.draw()
	}
	if !maxMode {
		for _, p := range pts {
			if p.Target > 0 {
				ch.under(p.Second, p.Target, '┄', st.Target)
			}
		}
	}

	c.spike = spikeSeconds(pts, s.Run.BaseRPS, c.spike)
	for i, p := range pts {
		if c.spike[i] {
			ch.highlight(p.Second, st.SpikeBand, st.Spike)
		}
	}
	// Errors are marks, not a third line: a line at zero would lie on the
	// axis, and one more line of box-drawing runes could not be told from
	// the others without colour. A mark shows when the errors are at
	// least half a row high or 5% of the second, so a failing target is
	// visible even at a high success rate.
	rowValue := ch.lc.ViewMaxY() / float64(max(ch.lc.GraphHeight(), 1))
	for _, p := range pts {
		if p.Errors > 0 && (float64(p.Errors) >= rowValue/2 || p.Errors*20 >= p.Success+p.Errors) {
			ch.mark(p.Second, float64(p.Errors), '×', st.BarErr)
		}
	}
	ch.render()
}

// seriesKey identifies what a chart of the series would show.
func seriesKey(pts []stats.Point, w, h int, base float64, maxMode bool) chartKey {
	k := chartKey{w: w, h: h, n: len(pts), base: base, maxMode: maxMode, none: len(pts) == 0}
	if len(pts) > 0 {
		k.first, k.last = pts[0].Second, pts[len(pts)-1].Second
	}
	return k
}

func (c *rpsChart) legend(s *stats.Snapshot, maxMode, spike bool) string {
	st := c.st
	var ok, errs int64
	if n := len(s.Series); n > 0 {
		ok, errs = s.Series[n-1].Success, s.Series[n-1].Errors
	}
	parts := []string{
		st.wrap(&st.BarOK, "╭╯") + st.wrap(&st.Subtle, " ok ") + st.wrap(&st.Value, fmtInt(ok)),
		st.wrap(&st.BarErr, "×") + st.wrap(&st.Subtle, " errors ") + st.wrap(countStyle(st, errs, &st.Err), fmtInt(errs)),
	}
	if maxMode {
		parts = append(parts, st.wrap(&st.Subtle, "concurrency ")+st.wrap(&st.Value, fmtInt(int64(s.Run.Concurrency))))
	} else {
		parts = append(parts, st.wrap(&st.Target, "┄")+st.wrap(&st.Subtle, " target ")+st.wrap(&st.Value, fmtRate(s.Run.TargetRPS)))
	}
	if spike {
		parts = append(parts, st.wrap(&st.Spike, "━ spike"))
	}
	return join(parts, "   ", max(c.w-16, 0))
}
