package ui

import (
	"time"

	ntrunes "github.com/NimbleMarkets/ntcharts/canvas/runes"

	"github.com/trafficgen/trafficgen/stats"
)

// latencyChart shows p50 and p99 per second on an ntcharts time-series
// chart, on a linear scale: p50 as a line, p99 as a • mark per second. The
// tail is the jumpy series; as marks it reads as a band of dots above the
// median instead of a tangle of vertical strokes, and it differs from the
// p50 line without colour.
type latencyChart struct {
	st   *Styles
	w, h int
	c    *tsChart
	out  string
}

const setP50 = "p50"

func newLatencyChart(st *Styles) *latencyChart {
	c := &latencyChart{st: st, c: newTSChart(st, msLabel)}
	c.c.lc.SetDataSetLineStyle(setP50, ntrunes.ArcLineStyle)
	c.c.lc.SetDataSetStyle(setP50, st.P50)
	return c
}

func (c *latencyChart) setSize(w, h int) {
	c.w, c.h = w, h
	c.c.resize(w, h-1)
}

func (c *latencyChart) view() string { return c.out }

func msLabel(v float64) string {
	if v == 0 {
		return "0"
	}
	return stats.Dur(time.Duration(v * float64(time.Millisecond)))
}

func (c *latencyChart) render(s *stats.Snapshot) {
	st := c.st
	if c.h < 4 || c.w < 16 {
		c.out = ""
		return
	}
	if s == nil {
		c.out = heading(st, "LATENCY", "", c.w)
		return
	}
	key := seriesKey(s.Series, c.w, c.h)
	key.knee = kneeKey(s.Run.Knee)
	if key != c.c.key {
		c.c.key = key
		c.plot(s)
	}
	legend := st.wrap(&st.P99, "•") + st.wrap(&st.Subtle, " p99 ") + st.wrap(&st.Value, stats.Dur(s.Recent.P99)) +
		"   " + st.wrap(&st.P50, "╭╯") + st.wrap(&st.Subtle, " p50 ") + st.wrap(&st.Value, stats.Dur(s.Recent.P50))
	c.out = heading(st, "LATENCY", legend, c.w) + "\n" + c.c.out
}

func (c *latencyChart) plot(s *stats.Snapshot) {
	var top float64
	for _, p := range window(s.Series, c.w) {
		top = max(top, ms(p.P99), ms(p.P50))
	}
	ch := c.c
	pts := ch.frame(s.Series, top)
	ch.lc.ClearAllData()
	// Seconds without requests have no latency: they are left out rather
	// than drawn as zero.
	any := false
	for _, p := range pts {
		if p.P50 > 0 {
			ch.lc.PushDataSet(setP50, tsPoint(p.Second, ch.lift(ms(p.P50))))
			any = true
		}
	}
	if any {
		ch.draw(setP50)
	} else {
		ch.draw()
	}
	for _, p := range pts {
		if p.P99 > 0 {
			ch.mark(p.Second, ms(p.P99), '•', c.st.P99)
		}
	}
	c.drawKneeMarks(s)
	ch.render()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// seriesKey identifies what a chart of the series would show.
func seriesKey(pts []stats.Point, w, h int) chartKey {
	k := chartKey{w: w, h: h, n: len(pts), none: len(pts) == 0}
	if len(pts) > 0 {
		k.first, k.last = pts[0].Second, pts[len(pts)-1].Second
	}
	return k
}
