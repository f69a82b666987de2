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

// checkHeadline is the summary headline's line on response checks, ""
// without any.
func checkHeadline(s Snapshot) string {
	checked, failed, _, drifted := s.CheckTotals()
	var parts []string
	if checked > 0 {
		parts = append(parts, fmt.Sprintf("%d answers checked, %d failed a check (%.1f%% passed)", checked, failed, pct(checked-failed, checked)))
	}
	if drifted > 0 {
		n := len(driftedRoutes(s.Endpoints))
		parts = append(parts, fmt.Sprintf("shape drift on %d %s", n, plural(n, "route", "routes")))
	}
	if len(parts) == 0 {
		return ""
	}
	return "   Checks: " + strings.Join(parts, "; ") + "\n"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// checkDetails is the summary's Checks and Shape Drift sections: each
// route's checks with their failures, and each route whose answers drifted
// from its shape, with how and how often.
func checkDetails(b *strings.Builder, s Snapshot) {
	first := true
	for _, e := range s.Endpoints {
		if e.Checked == 0 {
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
