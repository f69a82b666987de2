package ui

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/trafficgen/trafficgen/stats"
)

var goldenSizes = [][2]int{{80, 24}, {120, 36}, {160, 48}}

// runGolden drives the dashboard through a real Bubble Tea program at w×h:
// it feeds snapshot, waits until want is on screen, runs between (keys,
// more snapshots), quits with q and compares the final view with
// testdata/<Test>/<size>.golden.
func runGolden(t *testing.T, w, h int, snap stats.Snapshot, want string, between func(tm *teatest.TestModel, ch chan<- stats.Snapshot)) {
	t.Helper()
	ch := make(chan stats.Snapshot, 1)
	// Close the channel last so the program's pending wait returns.
	defer close(ch)
	m := New(&fakeEngine{}, ch, Options{SpikeMultiplier: 5, SpikeDuration: 3 * time.Second})
	m.now = func() time.Time { return fixtureStart }
	ch <- snap
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
	waitFor(t, tm, want)
	if between != nil {
		between(tm, ch)
	}
	tm.Send(runes("q"))
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second))
	out := final.View()
	checkFits(t, out, w, h)
	teatest.RequireEqualOutput(t, []byte(out))
}

func waitFor(t *testing.T, tm *teatest.TestModel, s string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(s)) },
		teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

// TestGolden is the dashboard with a rich, fixed snapshot: a demo run six
// minutes in, 11 routes, journeys, codes, events.
func TestGolden(t *testing.T) {
	for _, sz := range goldenSizes {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			runGolden(t, sz[0], sz[1], fixtureSnapshot(360), "POST /api/payments", nil)
		})
	}
}

// TestGoldenSpike is the dashboard just after s: the feedback line at
// once, then the engine's next snapshot with the spike under way.
func TestGoldenSpike(t *testing.T) {
	for _, sz := range goldenSizes {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			runGolden(t, sz[0], sz[1], fixtureSnapshot(345), "POST /api/payments",
				func(tm *teatest.TestModel, ch chan<- stats.Snapshot) {
					tm.Send(runes("s"))
					waitFor(t, tm, "spike fired")
					next := fixtureSnapshot(347)
					next.Run.Spiking, next.Run.SpikeLeft = true, time.Second
					next.Run.TargetRPS, next.Run.SpikeRate = 130, 100
					ch <- next
					waitFor(t, tm, "SPIKE +100/s 1s")
				})
		})
	}
}

// The program's final message order is fixed by the test, so View is
// deterministic; this guards against a Cmd that changes the model later.
var _ tea.Model = Model{}
