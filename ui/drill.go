package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/trafficgen/trafficgen/stats"
)

// drillPane is a route's drill-down (enter on a row): its figures now and
// over the run, its latency distribution, what it answered and why it
// failed, its rate beside the whole run's, its most recent failures, and
// the command last copied from them (c). Everything comes from the
// snapshot's row of the route (stats.RouteDetail) and the dashboard's own
// history of the run.
type drillPane struct {
	st     *Styles
	run    *runState
	hist   *routeHistory
	rates  *routeRates
	w, h   int
	out    string
	dist   *distChart
	replay bool // a recording plays: it keeps no distributions or failures
}

func (p *drillPane) setSize(w, h int) { p.w, p.h = w, h }
func (p *drillPane) view() string     { return p.out }

// The drill-down's parts: the least rows the middle (the histogram
// beside the codes and the rate) is drawn in, and the most lines a
// copied command takes.
const (
	midMin, midMax = 5, 16
	copiedLines    = 4
)

func (p *drillPane) render(s *stats.Snapshot) {
	st := p.st
	if p.dist == nil {
		p.dist = newDistChart(st)
	}
	if s == nil || p.h < 3 || p.w < 20 {
		p.out = ""
		return
	}
	i := p.run.sel
	if i < 0 || i >= len(s.Endpoints) {
		p.out = heading(st, "DETAILS", "", p.w) + "\n" + st.wrap(&st.Subtle, "no route: esc, then ↑↓ to pick one")
		return
	}
	e := &s.Endpoints[i]
	lines := []string{heading(st, "DETAILS  "+e.Route,
		st.wrap(&st.Subtle, fmt.Sprintf("route %d/%d · tab next · esc back", i+1, len(s.Endpoints))), p.w)}
	lines = append(lines, p.figures(s, i)...)
	copied := p.copied()
	rest := p.h - len(lines) - len(copied)
	fails := p.failures(e, max(rest-midMin, 2))
	mid := min(rest-len(fails), midMax)
	// Rows to spare go to the rate, across the pane; without them it
	// goes under the codes.
	spare := rest - len(fails) - mid
	wide := spare >= 2*rateMin+1
	if mid >= 3 {
		lines = append(lines, p.middle(s, i, mid, !wide)...)
	}
	if wide {
		lines = append(lines, p.rate(e, p.w, min((spare-1)/2, rateRows))...)
	}
	lines = append(lines, fails...)
	lines = append(lines, copied...)
	if len(lines) > p.h {
		lines = lines[:p.h]
	}
	p.out = strings.Join(lines, "\n")
}

// figures is the table of the route's figures: the last 10 seconds, the
// whole run, and the baseline's when there is one.
func (p *drillPane) figures(s *stats.Snapshot, i int) []string {
	st := p.st
	e := &s.Endpoints[i]
	wide := p.w >= 68
	cells := func(label string, rate, ok string, l stats.Percentiles, n string) string {
		parts := []string{fitRight(rate, 8), fitRight(ok, 8), fitRight(stats.Dur(l.P50), 8)}
		if wide {
			parts = append(parts, fitRight(stats.Dur(l.P90), 8))
		}
		parts = append(parts, fitRight(stats.Dur(l.P99), 8))
		if wide {
			parts = append(parts, fitRight(stats.Dur(l.Max), 8))
		}
		return st.wrap(&st.Subtle, fit(label, 10)) + st.wrap(&st.Value, strings.Join(parts, "")+fitRight(n, 10))
	}
	head := "   req/s     ok%     p50"
	if wide {
		head += "     p90"
	}
	head += "     p99"
	if wide {
		head += "     max"
	}
	out := []string{st.wrap(&st.TableHeader, fit("", 10)+head+fitRight("requests", 10))}
	if pct, n, ok := p.hist.recent(i); ok {
		out = append(out, cells("last 10 s", fmtRate(p.hist.recentRate(i)), fmtPct(pct), e.Recent, fmtInt(n)))
	} else {
		out = append(out, cells("last 10 s", fmtRate(e.CurrentRPS), "-", e.Recent, "-"))
	}
	rate := 0.0
	if sec := s.Elapsed.Seconds(); sec > 0 {
		rate = float64(e.Total) / sec
	}
	ok := "-"
	if e.Total > 0 {
		ok = fmtPct(e.SuccessRate())
	}
	out = append(out, cells("whole run", fmtRate(rate), ok, e.Latency, fmtInt(e.Total)))
	if b := p.run.base; b != nil {
		if f, have := b.Routes[e.Route]; have && f.N > 0 {
			out = append(out, cells("baseline", fmtRate(f.RPS), fmtPct(f.OK), stats.Percentiles{P50: f.P50, P99: f.P99}, fmtInt(f.N)))
		}
	}
	return out
}

// middle is the latency histogram beside the codes, the errors and the
// rate, in rows lines.
func (p *drillPane) middle(s *stats.Snapshot, i, rows int, withRate bool) []string {
	st := p.st
	e := &s.Endpoints[i]
	lw := p.w * 55 / 100
	rw := p.w - lw - gap
	dist, lat, span := e.RecentDist, e.Recent, "last 10 s"
	if dist.Total() == 0 {
		dist, lat, span = e.Dist, e.Latency, "whole run"
	}
	left := []string{heading(st, "LATENCY", st.wrap(&st.Subtle, span+" · ")+st.wrap(&st.P50, "p50 "+stats.Dur(lat.P50))+
		st.wrap(&st.Subtle, " · ")+st.wrap(&st.P99, "p99 "+stats.Dur(lat.P99)), lw)}
	if chart := p.dist.draw(dist, lat.P50, lat.P99, lw, rows-1); chart != nil {
		left = append(left, chart...)
	} else {
		left = append(left, st.wrap(&st.Subtle, p.none("no requests yet", "a recording keeps no distribution")))
	}
	right := p.answers(e, rw, rows, withRate)
	out := make([]string, rows)
	for y := range out {
		var l, r string
		if y < len(left) {
			l = left[y]
		}
		if y < len(right) {
			r = right[y]
		}
		out[y] = fit(l, lw) + strings.Repeat(" ", gap) + r
	}
	return out
}

// answers is the right of the middle: the route's status codes, its
// errors by kind with their last message, and under them its rate.
func (p *drillPane) answers(e *stats.EndpointStats, w, rows int, withRate bool) []string {
	st := p.st
	out := []string{st.wrap(&st.Heading, "STATUS · ERRORS")}
	var codes []string
	for _, c := range e.Codes {
		codes = append(codes, st.wrap(codeStyle(st, c.Code), codeText(c.Code))+" "+st.wrap(&st.Value, fmtInt(c.Count)))
	}
	if len(codes) == 0 {
		codes = []string{st.wrap(&st.Subtle, "none yet")}
	}
	out = append(out, flow(codes, "  ", w)...)
	for _, k := range byCount(e.Kinds) {
		head := st.wrap(&st.Err, "✗ "+k.Kind.String()) + " " + st.wrap(&st.Value, fmtInt(k.Count))
		why := strings.TrimPrefix(k.Message, k.Kind.String()+": ")
		if why == "" {
			out = append(out, head)
			continue
		}
		if width(head)+3+width(why) <= w {
			out = append(out, head+st.wrap(&st.Subtle, " · "+why))
			continue
		}
		out = append(out, head)
		for _, l := range wrapLines(why, w-2) {
			out = append(out, "  "+st.wrap(&st.Subtle, l))
		}
	}
	if !withRate {
		return out[:min(len(out), rows)]
	}
	// The rate takes what is left, at least three lines, its charts a
	// row each and up to rateRows.
	left := rows - len(out) - 1
	if left < 3 {
		out = out[:max(rows-3, 1)]
		left = rows - len(out) - 1
	}
	if rate := p.rate(e, w, min((left-1)/2, rateRows)); len(rate) > 0 && left >= 3 {
		out = append(out, "")
		out = append(out, rate...)
	}
	if len(out) > rows {
		out = out[:rows]
	}
	return out
}

func codeText(code int) string {
	if code == 0 {
		return "none"
	}
	return itoa(code)
}

// codeStyle colours a status code by its class.
func codeStyle(st *Styles, code int) *lipglossStyle {
	switch {
	case code >= 500 || code < 100:
		return &st.Err
	case code >= 400:
		return &st.Warn
	case code >= 300:
		return &st.Accent
	}
	return &st.OK
}

// rateMin and rateRows are the fewest and the most rows each rate chart
// takes across the pane.
const rateMin, rateRows = 2, 4

// rate is the route's rate over the last seconds beside the whole run's,
// each a bar chart of rows rows on its own scale, under a heading.
func (p *drillPane) rate(e *stats.EndpointStats, w, rows int) []string {
	st := p.st
	const label, value = 6, 7
	n := w - label - value - 1
	if n < 8 || rows < 1 {
		return nil
	}
	var now time.Duration
	if len(p.hist.samples) > 0 {
		now = p.hist.samples[len(p.hist.samples)-1].at
	}
	route, errs, all := p.rates.series(p.run.sel, n, now)
	// The figures beside the charts are the last 10 s's mean, and the
	// route's share of the run over the chart: a second alone of a route
	// at a few requests a second reads 0 as often as not.
	last := func(v []float64) float64 { return mean(v[max(len(v)-10, 0):]) }
	legend := fmt.Sprintf("last %ds", n)
	if a := mean(all); a > 0 {
		legend = fmtPct(100*mean(route)/a) + " of all · " + legend
	}
	out := []string{heading(st, "RATE /s", st.wrap(&st.Subtle, legend), w)}
	for _, c := range []struct {
		name string
		v    []float64
		errs []float64
	}{{"route", route, errs}, {"all", all, nil}} {
		for y, bar := range p.bars(c.v, c.errs, rows) {
			name, val := "", ""
			if y == rows-1 {
				name, val = c.name, fmtRate(last(c.v))
			}
			out = append(out, st.wrap(&st.Subtle, fit(name, label))+bar+" "+st.wrap(&st.Value, fitRight(val, value)))
		}
	}
	return out
}

// bars is a chart of v in rows rows, a column each, in eighths of a cell
// on v's own scale; where errs is given, each column takes the colour of
// its share of errors.
func (p *drillPane) bars(v, errs []float64, rows int) []string {
	st := p.st
	top := 0.0
	for _, x := range v {
		top = max(top, x)
	}
	out := make([]string, rows)
	for y := range rows {
		r := runs{st: st}
		floor := float64(rows-1-y) * 8 // eighths below this row
		for j, x := range v {
			e := 0.0
			if top > 0 && x > 0 {
				e = max(x/top*float64(rows*8), 1) - floor
			}
			style := &st.BarOK
			switch {
			case errs != nil && x > 0 && errs[j]/x >= 0.5:
				style = &st.BarErr
			case errs != nil && x > 0 && errs[j] > 0:
				style = &st.Warn
			}
			r.add(style, eighths[int(min(max(e, 0), 8))])
		}
		out[y] = r.String()
	}
	return out
}

// failures is the list of the route's most recent failures, newest
// first, the one picked (↑↓) marked, in at most rows lines; or, without
// any, its recent request.
func (p *drillPane) failures(e *stats.EndpointStats, rows int) []string {
	st := p.st
	n := len(e.Failures)
	if n == 0 {
		out := []string{heading(st, "RECENT FAILURES", st.wrap(&st.Subtle, p.none("none kept on this route", "a recording keeps none")), p.w)}
		if e.Sample != nil && rows > 1 {
			out = append(out, p.failureLine(*e.Sample, false)+st.wrap(&st.Subtle, "  ← c copies it"))
		}
		return out
	}
	out := []string{heading(st, "RECENT FAILURES", st.wrap(&st.Subtle, fmt.Sprintf("%d kept · ↑↓ pick · c copies as curl", n)), p.w)}
	picked := p.run.picked(e.Failures)
	for j := range min(n, rows-1) {
		out = append(out, p.failureLine(e.Failures[n-1-j], j == picked))
	}
	return out
}

// none says what a live run has not got yet, or a replay never has.
func (p *drillPane) none(live, replay string) string {
	if p.replay {
		return replay
	}
	return live
}

// failureLine is one kept request: when, what came back, how long it
// took, and the start of its body.
func (p *drillPane) failureLine(f stats.Failure, picked bool) string {
	st := p.st
	mark, style := "  ", &st.Err
	if f.Kind == stats.KindNone {
		style = &st.OK
	}
	if picked {
		mark = "▸ "
	}
	what := f.Reason()
	whatW := 25
	if p.w >= 100 {
		whatW = 32
	}
	body := f.Body
	lead := mark + fitRight(fmtClockTenths(f.Elapsed), 8) + "  "
	if picked {
		lead = st.wrap(&st.Selected, lead)
	} else {
		lead = st.wrap(&st.Subtle, lead)
	}
	return lead + st.wrap(style, fit(what, whatW)) + " " + st.wrap(&st.Value, fitRight(stats.Dur(f.Latency), 7)) + "  " + st.wrap(&st.Subtle, body)
}

// copied is the command last copied, under a line saying so, in at most
// copiedLines lines.
func (p *drillPane) copied() []string {
	st := p.st
	if p.run.copied == "" {
		return nil
	}
	lines := wrapLines(p.run.copied, p.w)
	if len(lines) > copiedLines {
		lines = lines[:copiedLines]
		lines[copiedLines-1] = fit(lines[copiedLines-1], p.w-1) + "…"
	}
	out := []string{st.wrap(&st.Flash, "COPIED to the clipboard (OSC 52)") + st.wrap(&st.Subtle, " · the API key comes from $API_KEY")}
	for _, l := range lines {
		out = append(out, st.wrap(&st.Value, l))
	}
	return out
}

// recentRate is route i's rate over the history's window, as recent's
// success rate is.
func (h *routeHistory) recentRate(i int) float64 {
	if len(h.samples) < 2 {
		return 0
	}
	a, b := h.samples[0], h.samples[len(h.samples)-1]
	if b.at <= a.at || i >= len(a.total) || i >= len(b.total) {
		return 0
	}
	return float64(b.total[i]-a.total[i]) / (b.at - a.at).Seconds()
}

func mean(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	sum := 0.0
	for _, x := range v {
		sum += x
	}
	return sum / float64(len(v))
}
