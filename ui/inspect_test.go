package ui

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/trafficgen/trafficgen/stats"
)

// detailModel is a dashboard at w×h that has seen withDetail(350..360).
func detailModel(t *testing.T, w, h int) Model {
	t.Helper()
	m, _ := newTestModel(t, &fakeEngine{}, Options{}, w, h, nil)
	for sec := 350; sec <= 360; sec++ {
		m = update(t, m, snapshotMsg(withDetail(sec)))
	}
	return m
}

func press(t *testing.T, m Model, ks ...tea.KeyMsg) Model {
	t.Helper()
	for _, k := range ks {
		m = update(t, m, k)
	}
	return m
}

// The arrows (and j/k) move the selection in the table and stop at its
// ends; enter opens the selected route; in its drill-down the arrows pick
// a failure and tab moves to the next route, around the end; esc closes.
func TestSelectAndDrill(t *testing.T) {
	m := detailModel(t, 120, 36)
	if m.run.sel != -1 || strings.Contains(m.View(), "▸") {
		t.Fatal("a route is selected before any key")
	}
	m = press(t, m, keyDown, keyDown, keyDown, keyUp)
	if m.run.sel != 1 || !strings.Contains(m.View(), " ▸GET /api/users/{id}") {
		t.Errorf("selected %d after ↓ ↓ ↓ ↑, want 1 marked:\n%s", m.run.sel, m.View())
	}
	m = press(t, m, runes("j"), runes("j"), runes("k"))
	if m.run.sel != 2 {
		t.Errorf("selected %d after j j k, want 2", m.run.sel)
	}
	m = press(t, m, keyUp, keyUp, runes("k"))
	if m.run.sel != 0 {
		t.Errorf("selected %d after going up past the top, want 0", m.run.sel)
	}
	m = press(t, m, keyEnter)
	if v := m.View(); !m.run.drill || !strings.Contains(v, "DETAILS  GET /api/users") || !strings.Contains(v, "none kept on this route") {
		t.Fatalf("enter did not open GET /api/users:\n%s", v)
	}
	m = press(t, m, tea.KeyMsg{Type: tea.KeyShiftTab})
	if v := m.View(); m.run.sel != payRoute || !strings.Contains(v, "DETAILS  POST /api/payments") {
		t.Fatalf("shift+tab from the first route went to %d:\n%s", m.run.sel, v)
	}
	m = press(t, m, keyDown, keyDown, keyDown)
	if m.run.fail != 2 || !strings.Contains(m.View(), "▸   5:51.0  503") {
		t.Errorf("↓ ↓ ↓ picked failure %d, want the oldest of 3:\n%s", m.run.fail, m.View())
	}
	m = press(t, m, tea.KeyMsg{Type: tea.KeyTab})
	if m.run.sel != 0 || m.run.fail != 0 {
		t.Errorf("tab from the last route went to %d (failure %d)", m.run.sel, m.run.fail)
	}
	m = press(t, m, keyEsc)
	if v := m.View(); m.run.drill || strings.Contains(v, "DETAILS") || !strings.Contains(v, "ENDPOINTS") {
		t.Errorf("esc did not close the drill-down:\n%s", v)
	}
}

// c copies the picked failure as curl: the frame carries it as an OSC 52
// sequence, once, at the start of the line that says so, and the
// drill-down shows the command; with no route selected it copies the
// newest failure of any route; on a route without failures, its recent
// request; with neither, nothing, and says so.
func TestCopyAsCurl(t *testing.T) {
	m := detailModel(t, 120, 36)
	m = press(t, m, runes("c"))
	pay := withDetail(360).Endpoints[payRoute]
	want := pay.Failures[len(pay.Failures)-1].Curl
	if got := clipboardOf(t, m.View()); got != want {
		t.Fatalf("c with no route selected copied\n%q\nwant the newest failure's\n%q", got, want)
	}
	if v := m.View(); !m.run.drill || !strings.Contains(v, "COPIED to the clipboard (OSC 52)") || !strings.Contains(v, `"X-API-Key: $API_KEY"`) ||
		!strings.Contains(v, "copied the failure at 5:59.6 as curl") || strings.Count(v, "\x1b]52;") != 1 {
		t.Errorf("the copy is not on screen:\n%s", v)
	}
	m = press(t, m, keyDown, runes("c"))
	if got := clipboardOf(t, m.View()); got != pay.Failures[len(pay.Failures)-2].Curl {
		t.Errorf("↓ c copied %q, want the failure before the newest", got)
	}
	// Another key's feedback replaces the line, and the sequence with it.
	m = press(t, m, runes("s"))
	if strings.Contains(m.View(), "\x1b]52;") {
		t.Error("the clipboard sequence outlived its feedback line")
	}

	// A route without failures copies its recent request.
	m = press(t, m, tea.KeyMsg{Type: tea.KeyTab})
	s := withDetail(361)
	s.Endpoints[0].Sample = &stats.Failure{Code: 200, Curl: "curl http://127.0.0.1:18080/api/users"}
	m = update(t, m, snapshotMsg(s))
	m = press(t, m, runes("c"))
	if got := clipboardOf(t, m.View()); got != "curl http://127.0.0.1:18080/api/users" || !strings.Contains(m.View(), "copied its recent request") {
		t.Errorf("on a route without failures c copied %q:\n%s", got, m.View())
	}
	m = press(t, m, keyDown)
	s.Endpoints[1].Sample = nil
	m = update(t, m, snapshotMsg(s))
	m = press(t, m, keyEsc, keyDown, runes("c"))
	if strings.Contains(m.View(), "\x1b]52;") || !strings.Contains(m.View(), "nothing to copy yet") {
		t.Errorf("c with nothing to copy:\n%s", m.View())
	}
}

// clipboardOf decodes the OSC 52 sequence in a frame.
func clipboardOf(t *testing.T, frame string) string {
	t.Helper()
	_, rest, ok := strings.Cut(frame, "\x1b]52;c;")
	if !ok {
		t.Fatalf("no OSC 52 sequence in the frame:\n%s", frame)
	}
	enc, _, ok := strings.Cut(rest, "\x07")
	if !ok {
		t.Fatal("an OSC 52 sequence without its end")
	}
	b, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// B clears a baseline: the table's columns are the usual ones again.
func TestClearBaseline(t *testing.T) {
	m := detailModel(t, 120, 36)
	m = press(t, m, runes("b"))
	if v := m.View(); !strings.Contains(v, "Δp99") || !strings.Contains(v, "p99 1.12s (±0)") {
		t.Fatalf("b did not bring the changes:\n%s", v)
	}
	m = press(t, m, runes("B"))
	if v := m.View(); strings.Contains(v, "Δ") || strings.Contains(v, "(±0)") || !strings.Contains(v, "latency & ok%: last 10 s") ||
		!strings.Contains(v, "baseline cleared") {
		t.Errorf("B did not clear the baseline:\n%s", v)
	}
}

// --baseline compares with a report from the start, in the table and
// the headline.
func TestBaselineOption(t *testing.T) {
	snap := withDetail(360)
	base := stats.Baseline{Name: "old.json", Run: stats.Figures{OK: 99, P99: 800e6, N: 1000},
		Routes: map[string]stats.Figures{"POST /api/payments": {OK: 99.5, P50: 300e6, P99: 600e6, N: 100}}}
	m, _ := newTestModel(t, &fakeEngine{}, Options{Baseline: &base}, 120, 36, &snap)
	v := m.View()
	for _, want := range []string{"against the baseline (old.json)", "p99 1.12s (+320ms)", "ok 100% (+1.0)", "92.8%   -6.6", "+1.99s"} {
		if !strings.Contains(v, want) {
			t.Errorf("view lacks %q:\n%s", want, v)
		}
	}
}

// A failure picked below the newest stays picked as newer ones come in,
// and c copies it.
func TestPickedFailureHolds(t *testing.T) {
	m := detailModel(t, 120, 36)
	m = press(t, m, keyUp, keyEnter, keyDown)
	old := withDetail(360).Endpoints[payRoute].Failures
	picked, newer := old[len(old)-2], old[len(old)-1]
	newer.Time, newer.Elapsed = newer.Time.Add(time.Second), newer.Elapsed+time.Second
	newer.Curl = "curl http://127.0.0.1:18080/api/payments?newest"
	s := withDetail(361)
	s.Endpoints[payRoute].Failures = append(append([]stats.Failure(nil), old[1:]...), newer)
	m = update(t, m, snapshotMsg(s))
	if v := m.View(); !strings.Contains(v, "▸   5:56.3  500") {
		t.Errorf("the picked failure (5:56.3) lost its mark when a newer one came:\n%s", v)
	}
	m = press(t, m, runes("c"))
	if got := clipboardOf(t, m.View()); got != picked.Curl {
		t.Errorf("c copied %q, want the picked failure's %q", got, picked.Curl)
	}
}

// The drill-down fits every terminal the dashboard draws in, with a
// command copied too; v leaves it for the other layout.
func TestDrillFits(t *testing.T) {
	for _, sz := range [][2]int{{60, 16}, {80, 24}, {100, 30}, {120, 36}, {160, 48}, {250, 70}} {
		m := detailModel(t, sz[0], sz[1])
		m = press(t, m, keyUp, keyEnter)
		checkFits(t, m.View(), sz[0], sz[1])
		if !strings.Contains(m.View(), "DETAILS") {
			t.Errorf("%v: no drill-down:\n%s", sz, m.View())
		}
		m = press(t, m, runes("c"))
		v := strings.Replace(m.View(), m.run.clip, "", 1)
		checkFits(t, v, sz[0], sz[1])
		if sz[1] >= 24 && !strings.Contains(v, "COPIED") {
			t.Errorf("%v: the copied command is not shown:\n%s", sz, v)
		}
		m = press(t, m, runes("v"))
		if strings.Contains(m.View(), "DETAILS") {
			t.Errorf("%v: v did not leave the drill-down", sz)
		}
	}
}

// A replay opens a route's details too, and says a recording keeps no
// failures rather than that the route had none.
func TestDrillInReplay(t *testing.T) {
	m, _, _ := replayModel(t, 120, 36)
	m = press(t, m, keyDown, keyEnter)
	if v := m.View(); !strings.Contains(v, "DETAILS") || !strings.Contains(v, "a recording keeps none") {
		t.Errorf("no drill-down in a replay:\n%s", v)
	}
}
