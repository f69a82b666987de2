package ui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/trafficgen/trafficgen/stats"
)

// driftMark flags a route of the endpoint table whose answers drifted
// from its JSON shape in the last 10 seconds.
const driftMark = "≈"

// routeChecks is a route's check failures and drifted answers at one
// snapshot, for the table's recent window (routeHistory).
type routeChecks struct{ failed, drifted int64 }

func checksOf(e *stats.EndpointStats) routeChecks {
	return routeChecks{failed: e.CheckFailed, drifted: e.Shape.Drifted}
}

// flags says whether route i failed a check, and whether its answers
// drifted from its shape, over the recent window (or the run so far,
// before the window spans two seconds).
func (h *routeHistory) flags(i int, e *stats.EndpointStats) (checkFailed, drifted bool) {
	now := checksOf(e)
	if len(h.samples) >= 2 {
		a := h.samples[0]
		if i < len(a.checks) && h.samples[len(h.samples)-1].at-a.at >= minWindow {
			now.failed -= a.checks[i].failed
			now.drifted -= a.checks[i].drifted
		}
	}
	return now.failed > 0, now.drifted > 0
}

// minWindow is the span from which the recent window is the table's.
const minWindow = 2 * time.Second

// driftLegend explains the drift mark when a row shows it.
func driftLegend(h *routeHistory, eps []stats.EndpointStats) string {
	for i := range eps {
		if _, d := h.flags(i, &eps[i]); d {
			return driftMark + " shape drift · "
		}
	}
	return ""
}

// checkLines are the error pane's lines on response checks and shape
// drift, at most rows of them w wide: the checks that failed most, each
// with its route and count, then each route whose answers drifted from
// its shape, with how many and the latest difference (wrapped, never
// cut: it names the paths).
func checkLines(st *Styles, s *stats.Snapshot, w, rows int) []string {
	type failed struct {
		name, route string
		n           int64
	}
	var fs []failed
	for _, e := range s.Endpoints {
		for _, c := range e.Checks {
			if c.Failed > 0 {
				fs = append(fs, failed{c.Name, e.Route, c.Failed})
			}
		}
	}
	slices.SortStableFunc(fs, func(a, b failed) int { return cmp.Compare(b.n, a.n) })
	var drifted []stats.EndpointStats
	for _, e := range s.Endpoints {
		if e.Shape.Drifted > 0 {
			drifted = append(drifted, e)
		}
	}
	slices.SortStableFunc(drifted, func(a, b stats.EndpointStats) int { return cmp.Compare(b.Shape.Drifted, a.Shape.Drifted) })
	// The drift gets the rows its first example needs before the checks
	// take more than one.
	var driftOut []string
	for _, e := range drifted {
		label := fmt.Sprintf("%s shape drift on %s, %s of %s answers: ", driftMark, e.Route, fmtInt(e.Shape.Drifted), fmtInt(e.Shape.Checked))
		lines := wrapLines(label+e.Shape.Example, w)
		if len(driftOut)+len(lines)+min(len(fs), 1) > rows {
			break
		}
		lines[0] = st.wrap(&st.Warn, driftMark+" shape drift") + st.wrap(&st.Subtle, strings.TrimPrefix(lines[0], driftMark+" shape drift"))
		for k := 1; k < len(lines); k++ {
			lines[k] = st.wrap(&st.Subtle, lines[k])
		}
		driftOut = append(driftOut, lines...)
	}
	var out []string
	for _, f := range fs[:min(len(fs), max(rows-len(driftOut), 0))] {
		n := fmtInt(f.n)
		text := fit("check "+f.name+" · "+f.route, max(w-width(n)-1, 4))
		out = append(out, st.wrap(&st.Err, text)+" "+st.wrap(&st.Value, n))
	}
	return append(out, driftOut...)
}

// withoutChecks is kc without the check failures when the check lines
// say more than their reason would.
func withoutChecks(kc []stats.KindCount, shown bool) []stats.KindCount {
	if !shown {
		return kc
	}
	return slices.DeleteFunc(slices.Clone(kc), func(k stats.KindCount) bool { return k.Kind == stats.KindCheck })
}
