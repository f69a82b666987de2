package ui

import (
	"sort"
	"strings"
	"time"

	"github.com/trafficgen/trafficgen/stats"
)

// endpointsPane is the per-route table: requests, success rate, current
// rate and latency percentiles. Latency is the last 10 seconds, and so is
// the success rate once the dashboard has seen a few seconds of the run,
// so a fault shows within seconds. Rows with errors turn amber or red;
// slow rows get a ▲. The selected row (↑↓) is marked ▸; with a baseline
// (b), columns of changes from it take the place of p90 and max.
type endpointsPane struct {
	st   *Styles
	run  *runState
	w, h int
	out  string
	hist *routeHistory
}

func (p *endpointsPane) setSize(w, h int) { p.w, p.h = w, h }
func (p *endpointsPane) view() string     { return p.out }

// cellIn is what a row's cells are drawn from: the route, its latency
// and success rate as shown, its figures, and the baseline's (nil
// without one for the route).
type cellIn struct {
	e    *stats.EndpointStats
	lat  stats.Percentiles
	ok   string
	f    stats.Figures
	base *stats.Figures
	st   *Styles
}

// column is one numeric column of the table. A cell's style is nil when
// it takes the row's.
type column struct {
	title string
	w     int
	cell  func(c *cellIn) (string, *lipglossStyle)
}

func plainCell(f func(c *cellIn) string) func(c *cellIn) (string, *lipglossStyle) {
	return func(c *cellIn) (string, *lipglossStyle) { return f(c), nil }
}

var (
	colReq  = column{"req", 9, plainCell(func(c *cellIn) string { return fmtInt(c.e.Total) })}
	colOK   = column{"ok%", 7, plainCell(func(c *cellIn) string { return c.ok })}
	colRate = column{"req/s", 6, plainCell(func(c *cellIn) string { return fmtRate(c.e.CurrentRPS) })}
	colP50  = column{"p50", 7, plainCell(func(c *cellIn) string { return stats.Dur(c.lat.P50) })}
	colP90  = column{"p90", 7, plainCell(func(c *cellIn) string { return stats.Dur(c.lat.P90) })}
	colP99  = column{"p99", 7, plainCell(func(c *cellIn) string { return stats.Dur(c.lat.P99) })}
	colMax  = column{"max", 7, plainCell(func(c *cellIn) string { return stats.Dur(c.lat.Max) })}
	// The changes from the baseline.
	colDOK = column{"Δok", 6, func(c *cellIn) (string, *lipglossStyle) {
		if c.base == nil || c.base.N == 0 || c.f.N == 0 {
			return "", nil
		}
		return stats.PointsDelta(c.f.OK, c.base.OK), c.st.judged(okChange(c.f.OK, c.base.OK))
	}}
	colDP50 = column{"Δp50", 7, func(c *cellIn) (string, *lipglossStyle) {
		return latDelta(c, func(f *stats.Figures) time.Duration { return f.P50 })
	}}
	colDP99 = column{"Δp99", 7, func(c *cellIn) (string, *lipglossStyle) {
		return latDelta(c, func(f *stats.Figures) time.Duration { return f.P99 })
	}}
)

var endpointColumns = []column{colReq, colOK, colRate, colP50, colP90, colP99, colMax}

// baselineColumns are the columns with a baseline: each figure it keeps
// beside its change.
var baselineColumns = []column{colReq, colOK, colDOK, colRate, colP50, colDP50, colP99, colDP99}

// dropOrder and baselineDrop are the orders columns go in when the pane
// is narrow.
var (
	dropOrder    = []string{"max", "p90", "p50", "req/s", "req"}
	baselineDrop = []string{"req", "Δp50", "p50", "req/s"}
)

// columns picks the numeric columns that fit beside a route column of
// routeW cells, dropping the least needed first; the route column shrinks
// only when even the fewest columns do not fit.
func (p *endpointsPane) columns(routeW int) ([]column, int) {
	cols, drop := endpointColumns, dropOrder
	if p.run != nil && p.run.base != nil {
		cols, drop = baselineColumns, baselineDrop
	}
	cols = append([]column(nil), cols...)
	need := func() int {
		n := 2 + routeW
		for _, c := range cols {
			n += 1 + c.w
		}
		return n
	}
	for _, d := range drop {
		if need() <= p.w {
			break
		}
		for i, c := range cols {
			if c.title == d {
				cols = append(cols[:i], cols[i+1:]...)
				break
			}
		}
	}
	rw := p.w - need() + routeW
	return cols, max(min(rw, routeW), 4)
}

func (p *endpointsPane) render(s *stats.Snapshot) {
	st := p.st
	if s == nil || p.h < 2 {
		p.out = ""
		return
	}
	eps := s.Endpoints
	longest := 5
	for i := range eps {
		longest = max(longest, width(eps[i].Route))
	}
	cols, routeW := p.columns(min(longest, 24))
	lats, medP99 := rowLatencies(eps)
	lines := p.heading(eps, cols, routeW)
	room := p.h - len(lines)
	shown := len(eps)
	if shown > room {
		shown = max(room-1, 0)
	}
	for i := 0; i < shown; i++ {
		e := &eps[i]
		okPct, okN := p.hist.shownSuccess(e, i)
		ok := "-"
		if okN > 0 {
			ok = fmtPct(okPct)
		}
		mark, style := p.rowMark(i, e, lats[i], medP99, okPct, okN)
		sel := " "
		if p.run != nil && p.run.sel == i {
			sel, style = "▸", &st.Selected
		}
		in := cellIn{e: e, lat: lats[i], ok: ok, st: st,
			f: stats.Figures{RPS: e.CurrentRPS, OK: okPct, P50: lats[i].P50, P99: lats[i].P99, N: okN}}
		if b := p.base(); b != nil {
			if f, ok := b.Routes[e.Route]; ok {
				in.base = &f
			}
		}
		lines = append(lines, p.row(mark+sel+fit(e.Route, routeW), cols, &in, style))
	}
	if shown < len(eps) {
		lines = append(lines, st.wrap(&st.Subtle, fmtInt(int64(len(eps)-shown))+" more routes: enlarge the terminal"))
	}
	p.out = strings.Join(lines, "\n")
}

// rowLatencies is the latency each row shows, and the median of their
// p99s, which a slow route is judged against.
func rowLatencies(eps []stats.EndpointStats) ([]stats.Percentiles, time.Duration) {
	lats := make([]stats.Percentiles, len(eps))
	p99s := make([]float64, 0, len(eps))
	for i := range eps {
		lats[i] = shownLatency(&eps[i])
		if lats[i].Count > 0 {
			p99s = append(p99s, float64(lats[i].P99))
		}
	}
	sort.Float64s(p99s)
	var medP99 time.Duration
	if len(p99s) > 0 {
		medP99 = time.Duration(p99s[len(p99s)/2])
	}
	return lats, medP99
}

// heading is the pane's title line, when there is room for it beside
// every row, and the table's column titles.
func (p *endpointsPane) heading(eps []stats.EndpointStats, cols []column, routeW int) []string {
	st := p.st
	var lines []string
	if p.h >= len(eps)+2 {
		legend := "latency & ok%: last 10 s"
		if b := p.base(); b != nil {
			legend = "Δ: against the baseline (" + b.Name + ")"
		}
		lines = append(lines, heading(st, "ENDPOINTS", st.wrap(&st.Subtle, driftLegend(p.hist, eps)+legend), p.w))
	}
	var hdr strings.Builder
	hdr.WriteString("  " + fit("route", routeW))
	for _, c := range cols {
		hdr.WriteString(" " + fitRight(c.title, c.w))
	}
	return append(lines, st.wrap(&st.TableHeader, hdr.String()))
}

// rowMark is the mark a row starts with and its style: failing, drifted,
// warning (some errors or failed checks) or slow; plain otherwise.
func (p *endpointsPane) rowMark(i int, e *stats.EndpointStats, lat stats.Percentiles, medP99 time.Duration, okPct float64, okN int64) (string, *lipglossStyle) {
	st := p.st
	// Fewer than minMarked requests say little; such rows stay plain.
	judged := okN >= minMarked
	slow := lat.Count > 0 && (lat.P99 >= time.Second ||
		(medP99 > 0 && lat.P99 >= 3*medP99 && lat.P99 >= 100*time.Millisecond))
	checkFailed, drifted := p.hist.flags(i, e)
	switch {
	case judged && okPct < 95:
		return "✗", &st.RowErr
	case drifted:
		return driftMark, &st.RowWarn
	case judged && okPct < 99.5 || checkFailed:
		return "!", &st.RowWarn
	case slow:
		return "▲", &st.RowWarn
	}
	return " ", &st.Text
}

// row is a table row: its route part and cells, neighbouring ones of
// one style wrapped together (a row without styled cells, once).
func (p *endpointsPane) row(lead string, cols []column, in *cellIn, style *lipglossStyle) string {
	r := runs{st: p.st}
	r.add(style, lead)
	for _, c := range cols {
		text, cs := c.cell(in)
		if cs == nil || style == &p.st.Selected {
			cs = style
		}
		r.add(cs, " "+fitRight(text, c.w))
	}
	return r.String()
}

func (p *endpointsPane) base() *stats.Baseline {
	if p.run == nil {
		return nil
	}
	return p.run.base
}

// shownLatency is the latency a row shows: the last 10 seconds, or the
// run's before there is any.
func shownLatency(e *stats.EndpointStats) stats.Percentiles {
	if e.Recent.Count == 0 {
		return e.Latency
	}
	return e.Recent
}

// shownSuccess is route i's success rate as its row shows it: over the
// last 10 seconds when the history spans them, else over the run; and
// the requests it covers.
func (h *routeHistory) shownSuccess(e *stats.EndpointStats, i int) (float64, int64) {
	if pct, n, ok := h.recent(i); ok {
		return pct, n
	}
	return e.SuccessRate(), e.Total
}

// routeHistory keeps the last ~10 seconds of per-route totals so the table
// can show a recent success rate; the snapshot carries run totals only.
type routeHistory struct {
	samples []routeSample
}

type routeSample struct {
	at             time.Duration
	total, success []int64
	checks         []routeChecks
}

// minMarked is the fewest requests a row's success rate is judged on.
const minMarked = 10

const (
	historyWindow = 10 * time.Second
	maxSamples    = 200 // 10 s at 20 snapshots a second
)

func newRouteHistory() *routeHistory { return &routeHistory{} }

func (h *routeHistory) clear() { h.samples = h.samples[:0] }

func (h *routeHistory) add(s *stats.Snapshot) {
	if s == nil {
		return
	}
	n := len(s.Endpoints)
	if k := len(h.samples); k > 0 {
		last := h.samples[k-1]
		reset := s.Elapsed < last.at || len(last.total) != n
		for i := 0; !reset && i < n; i++ {
			reset = s.Endpoints[i].Total < last.total[i]
		}
		if reset {
			h.clear()
		}
	}
	smp := routeSample{at: s.Elapsed, total: make([]int64, n), success: make([]int64, n), checks: make([]routeChecks, n)}
	for i := range s.Endpoints {
		smp.total[i], smp.success[i] = s.Endpoints[i].Total, s.Endpoints[i].Success
		smp.checks[i] = checksOf(&s.Endpoints[i])
	}
	if k := len(h.samples); k > 0 && h.samples[k-1].at == smp.at {
		h.samples[k-1] = smp // the same moment again: keep the newest
	} else {
		h.samples = append(h.samples, smp)
	}
	// Keep one sample at or before the window's start as the baseline.
	drop := 0
	for drop+1 < len(h.samples) && h.samples[drop+1].at <= s.Elapsed-historyWindow {
		drop++
	}
	drop = max(drop, len(h.samples)-maxSamples)
	if drop > 0 {
		h.samples = append(h.samples[:0], h.samples[drop:]...)
	}
}

// recent is route i's success rate since the oldest kept sample, when
// that spans at least two seconds and saw requests.
func (h *routeHistory) recent(i int) (pct float64, n int64, ok bool) {
	if len(h.samples) < 2 {
		return 0, 0, false
	}
	a, b := h.samples[0], h.samples[len(h.samples)-1]
	if b.at-a.at < 2*time.Second || i >= len(a.total) || i >= len(b.total) {
		return 0, 0, false
	}
	dt := b.total[i] - a.total[i]
	if dt <= 0 {
		return 0, 0, false
	}
	return 100 * float64(b.success[i]-a.success[i]) / float64(dt), dt, true
}
