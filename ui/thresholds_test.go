package ui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/trafficgen/trafficgen/stats"
	"github.com/trafficgen/trafficgen/threshold"
)

func thresholds(t testing.TB, exprs ...string) []threshold.Threshold {
	t.Helper()
	var out []threshold.Threshold
	for _, e := range exprs {
		th, err := threshold.Parse(e)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, th)
	}
	return out
}

// gateSnapshot is the fixture with why each error kind last failed.
func gateSnapshot() stats.Snapshot {
	s := fixtureSnapshot(360)
	msgs := map[stats.ErrorKind]string{
		stats.KindTimeout:   "read tcp 127.0.0.1:40412->127.0.0.1:18080: i/o timeout",
		stats.KindStatus4xx: "404 Not Found",
		stats.KindStatus5xx: "503 Service Unavailable",
	}
	for i, k := range s.ErrorKinds {
		s.ErrorKinds[i].Message = msgs[k.Kind]
	}
	return s
}

// TestGoldenThresholds is the dashboard of a run gated on thresholds, one
// failing: the line of thresholds under the header with each figure, and
// why the errors last failed under the error kinds.
func TestGoldenThresholds(t *testing.T) {
	for _, sz := range [][2]int{{80, 24}, {120, 36}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			opts := Options{Thresholds: thresholds(t, "p99<50ms", "errors<5%", "GET /api/users: p90<200ms")}
			runGoldenOpts(t, sz[0], sz[1], opts, gateSnapshot(), "✗ p99<50ms", nil)
		})
	}
}

// TestThresholdsLine: each threshold shows its figure and whether it
// passes; before a figure it waits, and at the end of the run a
// threshold without one fails.
func TestThresholdsLine(t *testing.T) {
	opts := Options{Thresholds: thresholds(t, "p99<50ms", "errors<5%", "GET /none: p99<1s")}
	snap := fixtureSnapshot(360)
	snap.Endpoints = append(snap.Endpoints, stats.EndpointStats{Route: "GET /none", Method: "GET"})
	m, _ := newTestModel(t, &fakeEngine{}, opts, 120, 36, &snap)
	line := lineWith(t, m.View(), "THRESHOLDS")
	for _, want := range []string{"✗ p99<50ms 1.24s", fmt.Sprintf("✓ errors<5%% %.2f%%", 100*float64(snap.Errors)/float64(snap.Total)), "… GET /none: p99<1s -"} {
		if !strings.Contains(line, want) {
			t.Errorf("thresholds line %q lacks %q", line, want)
		}
	}
	m = update(t, m, engineDoneMsg{snaps: m.snaps})
	if line := lineWith(t, m.View(), "THRESHOLDS"); !strings.Contains(line, "✗ GET /none: p99<1s -") {
		t.Errorf("finished: %q, want the threshold without a figure failed", line)
	}
	if m, _ := newTestModel(t, &fakeEngine{}, Options{}, 120, 36, &snap); strings.Contains(m.View(), "THRESHOLDS") {
		t.Error("a run without thresholds shows a line of them")
	}
}

// TestThresholdsOverflow: more thresholds than three lines hold end with
// how many more there are and how many of them fail; the dashboard still
// fits the terminal.
func TestThresholdsOverflow(t *testing.T) {
	var exprs []string
	for i := range 30 { // the last 12 fail: the fixture's p99 is 1.24s
		exprs = append(exprs, fmt.Sprintf("p99<%dms", 100*(30-i)))
	}
	snap := fixtureSnapshot(360)
	for _, sz := range [][2]int{{80, 24}, {120, 36}} {
		m, _ := newTestModel(t, &fakeEngine{}, Options{Thresholds: thresholds(t, exprs...)}, sz[0], sz[1], &snap)
		view := m.View()
		checkFits(t, view, sz[0], sz[1])
		plain := ansi.Strip(view)
		if n := strings.Count(plain, "p99<"); n < 6 || n > 18 || !strings.Contains(plain, fmt.Sprintf("+%d more, 12 failing", 30-n)) {
			t.Errorf("%dx%d: %d shown:\n%s", sz[0], sz[1], n, plain)
		}
	}
}

func lineWith(t *testing.T, view, s string) string {
	t.Helper()
	for _, l := range strings.Split(ansi.Strip(view), "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	t.Fatalf("no line with %q:\n%s", s, ansi.Strip(view))
	return ""
}

// TestErrorReasons: the error pane says why the most frequent kinds last
// failed, cut at a word to the pane, and not at all when no kind has a
// message.
func TestErrorReasons(t *testing.T) {
	snap := gateSnapshot()
	for _, c := range []struct {
		w, h int
		want []string
	}{
		{160, 48, []string{"http 5xx: 503 Service Unavailable"}}, // the columns full: the most frequent
		{250, 70, []string{"http 5xx: 503 Service Unavailable", "http 4xx: 404 Not Found", "timeout: read tcp 127.0.0.1:40412->127.0.0.1:18080: i/o timeout"}},
	} {
		m, _ := newTestModel(t, &fakeEngine{}, Options{}, c.w, c.h, &snap)
		plain := ansi.Strip(m.View())
		if n := strings.Count(plain, "http 5xx:") + strings.Count(plain, "http 4xx:") + strings.Count(plain, "timeout:"); n != len(c.want) {
			t.Errorf("%dx%d: %d reasons, want %d", c.w, c.h, n, len(c.want))
		}
		for _, want := range c.want {
			if !strings.Contains(plain, want) {
				t.Errorf("%dx%d: no %q:\n%s", c.w, c.h, want, plain)
			}
		}
	}
	snap = fixtureSnapshot(360)
	m, _ := newTestModel(t, &fakeEngine{}, Options{}, 160, 48, &snap)
	if strings.Contains(ansi.Strip(m.View()), "http 5xx:") {
		t.Error("a reason line without messages")
	}
}

// TestThresholdsEverySize: with thresholds, the dashboard fits every
// terminal from the smallest up, in both views, and shows them wherever
// the chart leaves a line.
func TestThresholdsEverySize(t *testing.T) {
	opts := Options{Thresholds: thresholds(t, "p99<50ms", "errors<5%", "GET /api/users: p90<200ms")}
	snap := gateSnapshot()
	for _, presenter := range []bool{false, true} {
		for w := minWidth; w <= 200; w += 7 {
			for h := minHeight; h <= 60; h += 3 {
				opts.Presenter = presenter
				m, _ := newTestModel(t, &fakeEngine{}, opts, w, h, &snap)
				view := m.View()
				checkFits(t, view, w, h)
				if h >= 24 && !strings.Contains(view, "THRESHOLDS") {
					t.Errorf("%dx%d (presenter %v): no thresholds", w, h, presenter)
				}
			}
		}
	}
}
