package ui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/trafficgen/trafficgen/stats"
)

// checkFits fails when the view has more lines than the terminal or a line
// wider than it.
func checkFits(t *testing.T, view string, w, h int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) > h {
		t.Errorf("%dx%d: %d lines", w, h, len(lines))
	}
	for i, l := range lines {
		if lw := lipgloss.Width(l); lw > w {
			t.Errorf("%dx%d: line %d is %d wide: %q", w, h, i, lw, l)
		}
	}
}

func TestResize(t *testing.T) {
	full := fixtureSnapshot(600)
	empty := stats.Snapshot{}
	spiking := fixtureSnapshot(347)
	spiking.Run.Spiking, spiking.Run.Paused, spiking.Run.Held, spiking.Run.Done = true, true, true, true
	snaps := map[string]*stats.Snapshot{"none": nil, "empty": &empty, "full": &full, "badges": &spiking}
	sizes := [][2]int{{40, 10}, {80, 24}, {120, 36}, {250, 70}}
	for name, snap := range snaps {
		t.Run(name, func(t *testing.T) {
			m, _ := newTestModel(t, &fakeEngine{}, Options{}, 80, 24, snap)
			for _, sz := range sizes {
				m = update(t, m, tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
				checkFits(t, m.View(), sz[0], sz[1])
				if sz[0] < minWidth && !strings.Contains(m.View(), "too small") {
					t.Errorf("%dx%d: no 'too small' message", sz[0], sz[1])
				}
				// Full help changes the layout; it must fit too.
				m = update(t, m, runes("?"))
				checkFits(t, m.View(), sz[0], sz[1])
				m = update(t, m, runes("?"))
			}
		})
	}
}

// TestResizeSweep walks many sizes, including odd ones at the layout
// thresholds, looking for panics and overflow.
func TestResizeSweep(t *testing.T) {
	snap := fixtureSnapshot(600)
	m, _ := newTestModel(t, &fakeEngine{}, Options{}, 80, 24, &snap)
	for w := 1; w <= 260; w += 9 {
		for h := 1; h <= 80; h += 4 {
			m = update(t, m, tea.WindowSizeMsg{Width: w, Height: h})
			checkFits(t, m.View(), w, h)
		}
	}
	for _, sz := range [][2]int{{minWidth, minHeight}, {twoColumns, 30}, {richWidth, richHeight},
		{twoColumns - 1, 30}, {richWidth - 1, richHeight - 1}} {
		m = update(t, m, tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		checkFits(t, m.View(), sz[0], sz[1])
		m = update(t, m, runes("?"))
		checkFits(t, m.View(), sz[0], sz[1])
		m = update(t, m, runes("?"))
	}
}
