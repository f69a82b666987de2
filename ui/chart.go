package ui

import (
	"math"
	"strings"
	"time"

	"github.com/NimbleMarkets/ntcharts/canvas"
	ntrunes "github.com/NimbleMarkets/ntcharts/canvas/runes"
	"github.com/NimbleMarkets/ntcharts/linechart/timeserieslinechart"
	"github.com/charmbracelet/lipgloss"

	"github.com/trafficgen/trafficgen/stats"
)

// The latency chart is an ntcharts time-series line chart over the
// snapshot's per-second series: one column per second, newest on the
// right, so the window is as many seconds as the plot is wide (75 s at 80
// columns, 90 s and more on larger screens). (The RPS chart draws its own
// bars: rpschart.go.)
//
// The chart is drawn only when its picture changes: on resize (Resize, then
// Draw) and when a snapshot brings a newly completed second or changes the
// scale. The series' points are completed seconds, so the 4–10 snapshots
// a second in between leave the drawn canvas as it is and View reuses its
// text.
//
// Each draw rebuilds the chart's data sets from the visible part of the
// series rather than pushing only the new second: ntcharts' time-series
// buffer can only grow or be cleared, and it rescales every stored point
// whenever the view slides (once a second), so pushing one point a second
// would make each draw cost more the longer the run, for the same picture.
// Rebuilding costs about as many points as the plot has columns.

// tsChart is the ntcharts model of a time-series chart, its size and the
// text of its last draw.
type tsChart struct {
	lc     timeserieslinechart.Model
	w, h   int // canvas size: the pane less its heading
	newest int64
	step   int64 // seconds between x labels
	out    string
	key    chartKey
	paints map[cellLook]paint // escape codes of each look drawn so far
}

// cellLook is what the charts set on a canvas cell's style.
type cellLook struct {
	fg, bg lipgloss.TerminalColor
	bold   bool
}

// chartKey is what a drawn canvas depends on; the chart redraws only when
// it changes.
type chartKey struct {
	w, h        int
	n           int
	first, last int64
	none        bool
	knee        int // the knee finder's judgements (kneeKey)
}

func newTSChart(st *Styles, yLabel func(float64) string) *tsChart {
	c := &tsChart{paints: make(map[cellLook]paint)}
	c.lc = timeserieslinechart.New(1, 1,
		timeserieslinechart.WithAxesStyles(st.Faint, st.Subtle),
		timeserieslinechart.WithXLabelFormatter(c.xLabel),
		timeserieslinechart.WithYLabelFormatter(func(_ int, v float64) string { return yLabel(v) }),
	)
	// The ranges are set from each snapshot's window; ntcharts must not
	// widen them on its own as points are pushed.
	c.lc.AutoMinX, c.lc.AutoMaxX, c.lc.AutoMinY, c.lc.AutoMaxY = false, false, false, false
	return c
}

// xLabel labels the time axis in seconds back from the newest point, at
// round ages only: ntcharts asks for a label at every column (x step 1)
// and draws the ones that are not empty and fit.
func (c *tsChart) xLabel(_ int, v float64) string {
	age := c.newest - int64(math.Round(v))
	if age <= 0 || c.step <= 0 || age%c.step != 0 {
		return ""
	}
	return "-" + fmtSpan(secs(age))
}

// resize gives the chart its canvas size; the next draw redraws it.
func (c *tsChart) resize(w, h int) {
	c.w, c.h = w, h
	c.key = chartKey{}
	if w > 0 && h > 0 {
		c.lc.Resize(w, h)
	}
}

// frame sets the chart's scales for the points it shows: y from 0 to a
// round value at or above top, x as one column per second ending at the
// newest point. It returns the points that fall in view (with one before,
// so lines enter from the left edge).
func (c *tsChart) frame(pts []stats.Point, top float64) []stats.Point {
	gh := max(c.h-2, 1) // rows above the x axis
	yTop, yStep := yScale(top, gh)
	c.lc.SetYStep(yStep)
	c.lc.SetYRange(0, yTop)
	c.lc.SetViewYRange(0, yTop)
	gw := max(c.lc.GraphWidth(), 1)
	c.step = 30
	if gw > 150 {
		c.step = 60
	}
	c.lc.SetXStep(1)
	c.newest = 0
	if n := len(pts); n > 0 {
		c.newest = pts[n-1].Second
	}
	oldest := c.newest - int64(gw)
	c.lc.SetTimeRange(at(oldest), at(c.newest))
	c.lc.SetViewTimeRange(at(oldest), at(c.newest))
	i := len(pts)
	for i > 0 && pts[i-1].Second >= oldest {
		i--
	}
	return pts[max(i-1, 0):]
}

// lift raises a value above zero but under half a row to half a row. The
// lines' lowest row is the x axis itself (ntcharts merges them into it),
// so without this a small p50 under a tall p99, or a trickle of requests
// under a spike, would vanish into the axis; zero stays on it.
func (c *tsChart) lift(v float64) float64 {
	half := c.lc.ViewMaxY() / float64(max(c.lc.GraphHeight(), 1)) / 2
	if v > 0 && v < half {
		return half
	}
	return v
}

func tsPoint(sec int64, v float64) timeserieslinechart.TimePoint {
	return timeserieslinechart.TimePoint{Time: at(sec), Value: v}
}

// draw draws the named data sets (all non-empty), or the bare axes.
func (c *tsChart) draw(names ...string) {
	if len(names) == 0 {
		// DrawDataSets does nothing for no names, not even clear.
		c.lc.Clear()
		c.lc.DrawXYAxisAndLabel()
		return
	}
	c.lc.DrawDataSets(names)
}

// mark puts a rune at a point's value, one row above the axis at least,
// for the series drawn as marks rather than lines.
func (c *tsChart) mark(sec int64, v float64, r rune, st lipglossStyle) {
	c.lc.DrawRuneWithStyle(canvas.Float64Point{X: float64(at(sec).Unix()), Y: v}, r, st)
}

// render caches the canvas text.
func (c *tsChart) render() { c.out = canvasText(&c.lc.Canvas, c.paints) }

// canvasText is the canvas as text, rendered a run of like-styled cells at
// a time, wrapped in the escape codes its look renders with (cached in
// paints).
//
// It stands in for ntcharts' Canvas.View, which renders every cell through
// lipgloss on its own: some 3,000 Render calls for the two charts at
// 160×48, most of the cost of a redraw, and a colour sequence around every
// single cell for the terminal to parse. Runs of one look cost a few calls
// a row. Cells are compared by what the charts set on them: foreground,
// background and bold.
func canvasText(cv *canvas.Model, paints map[cellLook]paint) string {
	w, h := cv.Width(), cv.Height()
	var b, run strings.Builder
	b.Grow(w * h * 3)
	var cur paint
	var curLook cellLook
	flush := func() {
		if run.Len() == 0 {
			return
		}
		b.WriteString(cur.pre)
		b.WriteString(run.String())
		b.WriteString(cur.post)
		run.Reset()
	}
	for y := range h {
		if y > 0 {
			b.WriteByte('\n')
		}
		for x := range w {
			cell := cv.Cell(canvas.Point{X: x, Y: y})
			lk := cellLook{cell.Style.GetForeground(), cell.Style.GetBackground(), cell.Style.GetBold()}
			if x == 0 || lk != curLook {
				flush()
				p, ok := paints[lk]
				if !ok {
					p = paintOf(cell.Style)
					paints[lk] = p
				}
				cur, curLook = p, lk
			}
			r := cell.Rune
			if r == ntrunes.Null {
				r = ' '
			}
			run.WriteRune(r)
		}
		flush()
	}
	return b.String()
}

// at maps a run second to the time the chart plots it at. Only
// differences matter, so the epoch serves as the run's start.
func at(sec int64) time.Time { return time.Unix(sec, 0) }

// yScale picks the top of a y axis of gh rows and the rows between labels,
// so that labels fall on round numbers (0, u, 2u, …) and the plot uses as
// much of its height as it can. Spacings that divide gh label the top row
// too; they win ties.
func yScale(top float64, gh int) (yTop float64, step int) {
	need := max(top*1.05, 1e-9)
	for _, n := range []int{3, 4, 2, 5, 6, 1} {
		s := max(gh/n, 1)
		if (n > 1 && s < 2) || (n == 1 && gh >= 8) {
			continue
		}
		u := niceCeil(need * float64(s) / float64(gh))
		t := u * float64(gh) / float64(s)
		better := step == 0 || t < yTop*0.999 ||
			(t <= yTop*1.001 && gh%s == 0 && gh%step != 0)
		if better {
			yTop, step = t, s
		}
	}
	return yTop, step
}

// niceCeil rounds v up to 1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of
// ten, so axis labels are round numbers.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10} {
		if v <= m*p*1.0000001 {
			return m * p
		}
	}
	return 10 * p
}

// window is the part of the series that fits w columns, newest last.
func window(pts []stats.Point, w int) []stats.Point {
	if len(pts) > w {
		return pts[len(pts)-w:]
	}
	return pts
}

// spikeSeconds marks the seconds whose target rate stands well above the
// base rate: live spikes, spike-mode bursts, the demo's spike phase. With
// no base rate known it compares with the window's median target.
func spikeSeconds(pts []stats.Point, base float64, dst []bool) []bool {
	dst = dst[:0]
	if len(pts) == 0 {
		return dst
	}
	ref := base
	if ref <= 0 {
		tg := make([]float64, 0, len(pts))
		for _, p := range pts {
			tg = append(tg, p.Target)
		}
		ref = median(tg)
	}
	for _, p := range pts {
		dst = append(dst, ref > 0 && p.Target > 1.6*ref)
	}
	return dst
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	c := append([]float64(nil), v...)
	sortFloats(c)
	return c[len(c)/2]
}
