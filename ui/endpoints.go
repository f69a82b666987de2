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
// slow rows get a ▲.
type endpointsPane struct {
	st   *Styles
	w, h int
	out  string
	hist *routeHistory
}

func (p *endpointsPane) setSize(w, h int) { p.w, p.h = w, h }
func (p *endpointsPane) view() string     { return p.out }

// column is one numeric column of the table.
type column struct {
	title string
	w     int
	cell  func(e *stats.EndpointStats, lat stats.Percentiles, ok string) string
}

var endpointColumns = []column{
	{"req", 9, func(e *stats.EndpointStats, _ stats.Percentiles, _ string) string { return fmtInt(e.Total) }},
	{"ok%", 7, func(_ *stats.EndpointStats, _ stats.Percentiles, ok string) string { return ok }},
	{"req/s", 6, func(e *stats.EndpointStats, _ stats.Percentiles, _ string) string { return fmtRate(e.CurrentRPS) }},
	{"p50", 7, func(_ *stats.EndpointStats, l stats.Percentiles, _ string) string { return stats.Dur(l.P50) }},
	{"p90", 7, func(_ *stats.EndpointStats, l stats.Percentiles, _ string) string { return stats.Dur(l.P90) }},
	{"p99", 7, func(_ *stats.EndpointStats, l stats.Percentiles, _ string) string { return stats.Dur(l.P99) }},
	{"max", 7, func(_ *stats.EndpointStats, l stats.Percentiles, _ string) string { return stats.Dur(l.Max) }},
}

// dropOrder is the order columns go when the pane is narrow.
var dropOrder = []string{"max", "p90", "p50", "req/s", "req"}

// columns picks the numeric columns that fit beside a route column of
// routeW cells, dropping the least needed first; the route column shrinks
// only when even the fewest columns do not fit.
func (p *endpointsPane) columns(routeW int) ([]column, int) {
	cols := append([]column(nil), endpointColumns...)
	need := func() int {
		n := 2 + routeW
		for _, c := range cols {
			n += 1 + c.w
		}
		return n
	}
	for _, d := range dropOrder {
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
	// Latency of each row, and the slow threshold.
	lats := make([]stats.Percentiles, len(eps))
	p99s := make([]float64, 0, len(eps))
	for i := range eps {
		lats[i] = eps[i].Recent
		if lats[i].Count == 0 {
			lats[i] = eps[i].Latency
		}
		if lats[i].Count > 0 {
			p99s = append(p99s, float64(lats[i].P99))
		}
	}
	sort.Float64s(p99s)
	var medP99 time.Duration
	if len(p99s) > 0 {
		medP99 = time.Duration(p99s[len(p99s)/2])
	}

	var lines []string
	withHeading := p.h >= len(eps)+2
	if withHeading {
		legend := st.wrap(&st.Subtle, driftLegend(p.hist, eps)+"latency & ok%: last 10 s")
		lines = append(lines, heading(st, "ENDPOINTS", legend, p.w))
	}
	var hdr strings.Builder
	hdr.WriteString("  " + fit("route", routeW))
	for _, c := range cols {
		hdr.WriteString(" " + fitRight(c.title, c.w))
	}
	lines = append(lines, st.wrap(&st.TableHeader, hdr.String()))
	room := p.h - len(lines)
	shown := len(eps)
	if shown > room {
		shown = max(room-1, 0)
	}
	var row strings.Builder
	for i := 0; i < shown; i++ {
		e := &eps[i]
		okPct, okN, recent := p.hist.recent(i)
		if !recent {
			okPct, okN = e.SuccessRate(), e.Total
		}
		ok := "-"
		if okN > 0 {
			ok = fmtPct(okPct)
		}
		mark, style := " ", &st.Text
		// Fewer than minMarked requests say little; such rows stay plain.
		judged := okN >= minMarked
		slow := lats[i].Count > 0 && (lats[i].P99 >= time.Second ||
			(medP99 > 0 && lats[i].P99 >= 3*medP99 && lats[i].P99 >= 100*time.Millisecond))
		checkFailed, drifted := p.hist.flags(i, e)
		switch {
		case judged && okPct < 95:
			mark, style = "✗", &st.RowErr
		case drifted:
			mark, style = driftMark, &st.RowWarn
		case judged && okPct < 99.5 || checkFailed:
			mark, style = "!", &st.RowWarn
		case slow:
			mark, style = "▲", &st.RowWarn
		}
		row.Reset()
		row.WriteString(mark + " " + fit(e.Route, routeW))
		for _, c := range cols {
			row.WriteString(" " + fitRight(c.cell(e, lats[i], ok), c.w))
		}
		lines = append(lines, st.wrap(style, row.String()))
	}
	if shown < len(eps) {
		lines = append(lines, st.wrap(&st.Subtle, fmtInt(int64(len(eps)-shown))+" more routes: enlarge the terminal"))
	}
	p.out = strings.Join(lines, "\n")
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
