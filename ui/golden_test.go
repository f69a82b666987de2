package ui

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/trafficgen/trafficgen/stats"
)

var goldenSizes = [][2]int{{80, 24}, {120, 36}, {160, 48}, {250, 70}}

// runGolden drives the dashboard through a real Bubble Tea program at w×h:
// it feeds snapshot, waits until want is on screen, runs between (keys,
// more snapshots), quits with q and compares the final view with
// testdata/<Test>/<size>.golden.
func runGolden(t *testing.T, w, h int, snap stats.Snapshot, want string, between func(tm *teatest.TestModel, ch chan<- stats.Snapshot)) {
	t.Helper()
	runGoldenOpts(t, w, h, Options{}, snap, want, between)
}

func runGoldenOpts(t *testing.T, w, h int, opts Options, snap stats.Snapshot, want string, between func(tm *teatest.TestModel, ch chan<- stats.Snapshot)) {
	t.Helper()
	runGoldenCut(t, w, h, opts, snap, want, between, false)
}

// runGoldenCut is runGoldenOpts, where cut says lines may be cut on
// purpose (a response body's start).
func runGoldenCut(t *testing.T, w, h int, opts Options, snap stats.Snapshot, want string, between func(tm *teatest.TestModel, ch chan<- stats.Snapshot), cut bool) {
	t.Helper()
	ch := make(chan stats.Snapshot, 1)
	// Close the channel last so the program's pending wait returns.
	defer close(ch)
	opts.SpikeMultiplier, opts.SpikeDuration = 5, 3*time.Second
	m := New(&fakeEngine{}, ch, opts)
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
	if plain := ansi.Strip(out); strings.Contains(plain, "…") && !cut {
		t.Errorf("a line was cut:\n%s", plain)
	}
	teatest.RequireEqualOutput(t, []byte(out))
}

func waitFor(t *testing.T, tm *teatest.TestModel, s string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(s)) },
		teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

// TestGolden is the dashboard with a rich, fixed snapshot: a demo run six
// minutes in, 11 routes, journeys, codes, events; in both layouts.
func TestGolden(t *testing.T) {
	for _, kind := range []string{"detailed", "presenter"} {
		for _, sz := range goldenSizes {
			t.Run(fmt.Sprintf("%s/%dx%d", kind, sz[0], sz[1]), func(t *testing.T) {
				runGoldenOpts(t, sz[0], sz[1], Options{Presenter: kind == "presenter"}, fixtureSnapshot(360), "sustained high load", nil)
			})
		}
	}
}

// TestGoldenTheme is the dashboard in colour (true colour, escape codes and
// all) in the light and high-contrast themes at every golden size, and in
// auto on a terminal that did not say its background.
func TestGoldenTheme(t *testing.T) {
	t.Setenv("COLORFGBG", "")
	for _, theme := range []Theme{ThemeLight, ThemeHighContrast, ThemeAuto} {
		sizes := goldenSizes
		if theme == ThemeAuto {
			sizes = [][2]int{{120, 36}}
		}
		for _, kind := range []string{"detailed", "presenter"} {
			for _, sz := range sizes {
				name := fmt.Sprintf("%s/%s/%dx%d", theme, kind, sz[0], sz[1])
				if theme == ThemeAuto {
					name = fmt.Sprintf("%s/%s", theme, kind)
				}
				t.Run(name, func(t *testing.T) {
					withProfile(t, termenv.TrueColor, false, func() {
						snap := fixtureSnapshot(347)
						snap.Run.Spiking, snap.Run.SpikeLeft, snap.Run.SpikeRate, snap.Run.TargetRPS = true, time.Second, 100, 130
						runGoldenOpts(t, sz[0], sz[1], Options{Theme: theme, Presenter: kind == "presenter"}, snap, "sustained high load", nil)
					})
				})
			}
		}
	}
}

// TestGoldenFinished is the dashboard once the run has ended (its channel
// closed): the run's figures, the charts stopped, and what the keys do now.
func TestGoldenFinished(t *testing.T) {
	for _, kind := range []string{"detailed", "presenter"} {
		t.Run(kind, func(t *testing.T) {
			snap := fixtureSnapshot(600)
			snap.Run.Done, snap.Run.Remaining = true, 0
			ch := make(chan stats.Snapshot, 1)
			opts := Options{Presenter: kind == "presenter", Restart: func() (Engine, <-chan stats.Snapshot, error) { return nil, nil, errors.New("unused") }}
			m := New(&fakeEngine{}, ch, opts)
			m.now = func() time.Time { return fixtureStart }
			ch <- snap
			tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 36))
			waitFor(t, tm, "sustained high load")
			close(ch)
			waitFor(t, tm, "r to run again")
			tm.Send(runes("q"))
			out := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).View()
			checkFits(t, out, 120, 36)
			if plain := ansi.Strip(out); strings.Contains(plain, "…") {
				t.Errorf("a line was cut:\n%s", plain)
			}
			teatest.RequireEqualOutput(t, []byte(out))
		})
	}
}

// TestGoldenSpike is the dashboard just after s: the feedback line at
// once, then the engine's next snapshot with the spike under way.
func TestGoldenSpike(t *testing.T) {
	for _, sz := range goldenSizes {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			runGolden(t, sz[0], sz[1], fixtureSnapshot(345), "sustained high load",
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
