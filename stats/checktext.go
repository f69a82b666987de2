package stats

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// checkBlockLines are the headless block's lines on response checks and
// shape drift: the totals, the check that failed most, and the route
// whose shape drifted most with its latest difference. None without
// checks or drift.
func checkBlockLines(s Snapshot) []string {
	var out []string
	checked, failed, _, drifted := s.CheckTotals()
	if checked > 0 {
		line := fmt.Sprintf("   Checks: %d checked | %d failed (%.1f%%)", checked, failed, pct(failed, checked))
		if r, c, ok := worstCheck(s.Endpoints); ok {
			line += fmt.Sprintf(" | most: %s on %s (%d)", c.Name, r, c.Failed)
		}
		out = append(out, line)
	}
	if drifted > 0 {
		for _, e := range driftedRoutes(s.Endpoints)[:1] {
			out = append(out, fmt.Sprintf("   Shape drift: %s %d of %d answers compared, last: %s",
				e.Route, e.Shape.Drifted, e.Shape.Checked, e.Shape.Example))
		}
	}
	return out
}

// worstCheck is the check that failed most often, and its route.
func worstCheck(eps []EndpointStats) (string, CheckCount, bool) {
	var route string
	var worst CheckCount
	for _, e := range eps {
		for _, c := range e.Checks {
			if c.Failed > worst.Failed {
				route, worst = e.Route, c
			}
		}
	}
	return route, worst, worst.Failed > 0
}

// driftedRoutes are the routes with drifted answers, most first.
func driftedRoutes(eps []EndpointStats) []EndpointStats {
	var out []EndpointStats
	for _, e := range eps {
		if e.Shape.Drifted > 0 {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b EndpointStats) int { return cmp.Compare(b.Shape.Drifted, a.Shape.Drifted) })
	return out
}

// checkHeadline is the summary headline's lines on response checks and
// shape drift, "" without either.
func checkHeadline(s Snapshot) string {
	checked, failed, _, drifted := s.CheckTotals()
	var b strings.Builder
	if checked > 0 {
		fmt.Fprintf(&b, "   Checks: %d answers checked, %d failed a check (%.1f%% passed)\n", checked, failed, pct(checked-failed, checked))
	}
	if drifted > 0 {
		var routes []string
		for _, e := range driftedRoutes(s.Endpoints) {
			routes = append(routes, e.Route)
		}
		fmt.Fprintf(&b, "   Shape drift: %d answers on %s (see Shape Drift)\n", drifted, strings.Join(routes, ", "))
	}
	return b.String()
}

// checkDetails is the summary's Checks and Shape Drift sections: each
// route whose answers failed a check, with its checks' failures, and each
// route whose answers drifted from its shape, with how and how often.
// (The headline says how many passed.)
func checkDetails(b *strings.Builder, s Snapshot) {
	first := true
	for _, e := range s.Endpoints {
		if e.CheckFailed == 0 {
			continue
		}
		if first {
			b.WriteString("\nChecks:\n")
			first = false
		}
		fmt.Fprintf(b, "   %s: %d checked, %d failed (%.1f%% passed)\n", e.Route, e.Checked, e.CheckFailed, e.ChecksPassed())
		for _, c := range e.Checks {
			if c.Failed > 0 {
				fmt.Fprintf(b, "      %s: %d failed\n", c.Name, c.Failed)
			}
		}
	}
	drifted := driftedRoutes(s.Endpoints)
	if len(drifted) == 0 {
		return
	}
	b.WriteString("\nShape Drift (answers whose JSON shape differed from the route's):\n")
	for _, e := range drifted {
		fmt.Fprintf(b, "   %s: %d of %d answers compared\n      last: %s\n", e.Route, e.Shape.Drifted, e.Shape.Checked, e.Shape.Example)
	}
}
