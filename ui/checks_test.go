package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/trafficgen/trafficgen/stats"
)

// checkSnapshot is a run at elapsed with two routes: /a failing a check
// now and then, /b whose answers drifted from its shape.
func checkSnapshot(elapsed time.Duration, failed, drifted int64) *stats.Snapshot {
	return &stats.Snapshot{
		Elapsed: elapsed, Total: 2000, Success: 2000 - failed, Errors: failed,
		ErrorKinds:  []stats.KindCount{{Kind: stats.KindCheck, Count: failed, Message: "ok=true on GET /a"}},
		StatusCodes: []stats.CodeCount{{Code: 200, Count: 2000}},
		Endpoints: []stats.EndpointStats{
			{Route: "GET /a", Method: "GET", Total: 1000, Success: 1000 - failed, Errors: failed, Checked: 1000, CheckFailed: failed,
				Checks: []stats.CheckCount{{Name: "ok=true", Failed: failed}, {Name: "has an id", Failed: 0}}},
			{Route: "GET /b", Method: "GET", Total: 1000, Success: 1000,
				Shape: stats.ShapeStats{Learned: true, Checked: 300, Drifted: drifted, Example: "missing next; changed items: array→string"}},
		},
	}
}

// The error pane names the failed checks with their route and count, and
// the drifted route with its latest difference, wrapped, never cut.
func TestErrorPaneShowsChecksAndDrift(t *testing.T) {
	p := &codesPane{st: DefaultStyles()}
	p.setSize(60, 8)
	p.render(checkSnapshot(20*time.Second, 3, 40))
	out := ansi.Strip(p.view())
	for _, want := range []string{"check failed", "check ok=true · GET /a", "≈ shape drift on GET /b, 40 of 300 answers:", "array→string"} {
		if !strings.Contains(out, want) {
			t.Errorf("pane lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "has an id") || strings.Contains(out, "…") {
		t.Errorf("a check that never failed, or a line cut:\n%s", out)
	}
	if n := strings.Count(out, "\n") + 1; n > 8 {
		t.Errorf("%d lines in an 8-line pane", n)
	}
}

// The endpoint table flags a route whose answers drifted, or failed a
// check, within the last seconds; one whose drift is older is plain.
func TestEndpointTableFlagsChecksAndDrift(t *testing.T) {
	p := &endpointsPane{st: DefaultStyles(), hist: newRouteHistory()}
	p.setSize(100, 6)
	mark := func(s *stats.Snapshot) (string, string) {
		p.hist.add(s)
		p.render(s)
		var a, b string
		for _, l := range strings.Split(ansi.Strip(p.view()), "\n") {
			switch {
			case strings.Contains(l, "GET /a"):
				a = string([]rune(l)[:1])
			case strings.Contains(l, "GET /b"):
				b = string([]rune(l)[:1])
			}
		}
		return a, b
	}
	if a, b := mark(checkSnapshot(time.Second, 3, 40)); a != "!" || b != "≈" {
		t.Errorf("marks %q and %q; want ! for the failed checks, ≈ for the drift", a, b)
	}
	if !strings.Contains(ansi.Strip(p.view()), "≈ shape drift") {
		t.Errorf("no legend for the drift mark:\n%s", ansi.Strip(p.view()))
	}
	mark(checkSnapshot(5*time.Second, 3, 40))
	if a, b := mark(checkSnapshot(16*time.Second, 3, 40)); a != " " || b != " " {
		t.Errorf("marks %q and %q a window after the last failure and drift; want none", a, b)
	}
}
