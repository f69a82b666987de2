package ui

import (
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/muesli/termenv"

	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/stats"
)

// commands runs cmd and returns the messages it and the commands it
// sequences or batches deliver, in order.
func commands(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if msg == nil {
		return nil
	}
	// tea.Sequence and tea.Batch deliver a slice of commands.
	if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice {
		var out []tea.Msg
		for i := range v.Len() {
			if c, ok := v.Index(i).Interface().(tea.Cmd); ok {
				out = append(out, commands(c)...)
			}
		}
		return out
	}
	return []tea.Msg{msg}
}

// TestKeysInOneRead: keys that arrive in one read come as one message of
// several runes, and each is a key press: three + raise the rate three
// times, ss fires two spikes, fff steps the fault three times in order.
func TestKeysInOneRead(t *testing.T) {
	snap := fixtureSnapshot(360)
	eng := &fakeEngine{}
	faults := 0
	opts := Options{CycleFault: func() string { faults++; return "step " + itoa(faults) }}
	m, _ := newTestModel(t, eng, opts, 120, 36, &snap)
	m = update(t, m, runes("+++"))
	m = update(t, m, runes("ss"))
	m = update(t, m, runes("- p"))
	want := []string{"ScaleRate(1.1000)", "ScaleRate(1.1000)", "ScaleRate(1.1000)", "Spike", "Spike", "ScaleRate(0.9091)", "TogglePause", "TogglePause"}
	if got := eng.Calls(); !reflect.DeepEqual(got, want) {
		t.Errorf("calls %q, want %q", got, want)
	}
	m, cmd := updateCmd(t, m, runes("fff"))
	msgs := commands(cmd)
	if len(msgs) != 3 || faults != 3 {
		t.Fatalf("fff: %d messages, %d fault steps; want 3 of each", len(msgs), faults)
	}
	for _, msg := range msgs {
		m = update(t, m, msg)
	}
	if !strings.Contains(m.View(), "fault → step 3") {
		t.Errorf("the last fault step is not shown:\n%s", m.View())
	}
	// q in the middle quits, and what follows it is not applied.
	eng = &fakeEngine{}
	m, _ = newTestModel(t, eng, Options{}, 120, 36, &snap)
	_, cmd = updateCmd(t, m, runes("sqs"))
	if msgs := commands(cmd); len(msgs) != 1 || msgs[0] != (tea.QuitMsg{}) {
		t.Errorf("sqs gave %v, want a quit", msgs)
	}
	if got := eng.Calls(); !reflect.DeepEqual(got, []string{"Spike"}) {
		t.Errorf("sqs: calls %q, want one spike", got)
	}
}

// TestFinishedStaysAndRunsAgain: when the run ends the dashboard stays,
// with the last figures and the finished line; engine keys do nothing, r
// runs again on a new engine, and q quits.
func TestFinishedStaysAndRunsAgain(t *testing.T) {
	snap := fixtureSnapshot(360)
	snap.Run.Done = true
	first, second := &fakeEngine{}, &fakeEngine{}
	ch2 := make(chan stats.Snapshot, 1)
	opts := Options{Restart: func() (Engine, <-chan stats.Snapshot, error) { return second, ch2, nil }}
	m, ch := newTestModel(t, first, opts, 120, 36, &snap)
	m, cmd := updateCmd(t, m, engineDoneMsg{snaps: ch})
	if cmd != nil {
		t.Fatal("the end of the run gave a command; the dashboard must stay")
	}
	v := m.View()
	for _, want := range []string{"finished — r to run again, q to quit", "FINISHED", "avg req/s", "r run again"} {
		if !strings.Contains(v, want) {
			t.Errorf("finished view lacks %q:\n%s", want, v)
		}
	}
	m = update(t, m, runes("s+p"))
	if got := first.Calls(); len(got) != 0 {
		t.Errorf("keys on the finished screen called the engine: %q", got)
	}
	if !strings.Contains(m.View(), "finished — r to run again") {
		t.Error("a key on the finished screen does not say what the keys do now")
	}
	m, cmd = updateCmd(t, m, runes("r"))
	msgs := commands(cmd)
	if len(msgs) != 1 {
		t.Fatalf("r gave %v, want the new run", msgs)
	}
	m, cmd = updateCmd(t, m, msgs[0])
	if cmd == nil {
		t.Fatal("the new run is not waited for")
	}
	if strings.Contains(m.View(), "FINISHED") || !strings.Contains(m.View(), "running again") {
		t.Errorf("after r the view still shows the finished run:\n%s", m.View())
	}
	// The old run's channel closing late changes nothing.
	m = update(t, m, engineDoneMsg{snaps: ch})
	if m.run.finished {
		t.Error("the old run's end finished the new one")
	}
	next := fixtureSnapshot(5)
	ch2 <- next
	m = update(t, m, cmd())
	m = update(t, m, runes("s"))
	if got := second.Calls(); !reflect.DeepEqual(got, []string{"Spike"}) {
		t.Errorf("the new run's engine got %q, want a spike", got)
	}
	_, cmd = updateCmd(t, m, runes("q"))
	if msgs := commands(cmd); len(msgs) != 1 || msgs[0] != (tea.QuitMsg{}) {
		t.Errorf("q gave %v, want a quit", msgs)
	}
}

// TestRunAgainFails: a restart that fails says why, and the finished
// screen stays.
func TestRunAgainFails(t *testing.T) {
	snap := fixtureSnapshot(60)
	opts := Options{Restart: func() (Engine, <-chan stats.Snapshot, error) { return nil, nil, errors.New("no port") }}
	m, ch := newTestModel(t, &fakeEngine{}, opts, 120, 36, &snap)
	m = update(t, m, engineDoneMsg{snaps: ch})
	_, cmd := updateCmd(t, m, runes("r"))
	m = update(t, m, commands(cmd)[0])
	if !strings.Contains(m.View(), "could not run again: no port") || !m.run.finished {
		t.Errorf("a failed restart is not reported:\n%s", m.View())
	}
}

// TestViewSwitch: v switches between the detailed and the presenter
// layout at any size.
func TestViewSwitch(t *testing.T) {
	snap := fixtureSnapshot(360)
	for _, sz := range [][2]int{{80, 24}, {120, 36}, {250, 70}} {
		m, _ := newTestModel(t, &fakeEngine{}, Options{}, sz[0], sz[1], &snap)
		if !m.lay.has(paneLatency) || m.lay.has(paneEventLine) {
			t.Errorf("%v: the detailed layout is not the first", sz)
		}
		m = update(t, m, runes("v"))
		if !m.lay.has(paneTiles) || !m.lay.has(paneEventLine) || m.lay.has(paneEndpoints) {
			t.Errorf("%v: v did not switch to the presenter layout", sz)
		}
		if !strings.Contains(m.View(), "LAST EVENT") || !strings.Contains(m.View(), "REQ/S NOW") {
			t.Errorf("%v: the presenter layout lacks the big numbers or the event line:\n%s", sz, m.View())
		}
		checkFits(t, m.View(), sz[0], sz[1])
		m = update(t, m, runes("v"))
		if m.lay.has(paneEventLine) {
			t.Errorf("%v: v did not switch back", sz)
		}
	}
}

// chartRows is how many rows of plot the RPS chart has in a view: the
// lines between its heading and its time axis.
func chartRows(t *testing.T, view string) int {
	t.Helper()
	lines := strings.Split(view, "\n")
	start := -1
	for i, l := range lines {
		if strings.Contains(l, "REQUESTS / S") {
			start = i
		}
		if r := []rune(l); start >= 0 && i > start && strings.ContainsRune(string(r[:min(len(r), 10)]), '└') {
			return i - start - 1
		}
	}
	t.Fatalf("no RPS chart in\n%s", view)
	return 0
}

// TestLayouts: at 80×24 every layout has a chart of at least 8 rows, the
// help fits, and no line is cut (an ellipsis is where fit cut one); at
// 250×70 the chart takes the room.
func TestLayouts(t *testing.T) {
	snap := fixtureSnapshot(360)
	for _, kind := range []string{"detailed", "presenter"} {
		for _, c := range []struct {
			w, h, minRows int
		}{{80, 24, 8}, {120, 36, 10}, {160, 48, 15}, {250, 70, 28}} {
			m, _ := newTestModel(t, &fakeEngine{}, Options{Presenter: kind == "presenter"}, c.w, c.h, &snap)
			for _, help := range []bool{false, true} {
				if help {
					m = update(t, m, runes("?"))
				}
				v := m.View()
				checkFits(t, v, c.w, c.h)
				if n := chartRows(t, v); n < 8 || (!help && n < c.minRows) {
					t.Errorf("%s %dx%d help %v: the chart has %d rows", kind, c.w, c.h, help, n)
				}
				if strings.Contains(v, "…") {
					t.Errorf("%s %dx%d help %v: a line was cut:\n%s", kind, c.w, c.h, help, v)
				}
				for _, want := range []string{"q quit", "5 demo"} {
					if !strings.Contains(v, want) && !help {
						t.Errorf("%s %dx%d: the help lacks %q", kind, c.w, c.h, want)
					}
				}
			}
		}
	}
}

// TestTargetIncludesJourneys: the journeys' own traffic shows beside the
// plan's target, so a run on target does not look like an overshoot.
func TestTargetIncludesJourneys(t *testing.T) {
	snap := fixtureSnapshot(360)
	snap.Live = stats.Live{Span: time.Second, Success: 36, JourneySent: 6}
	m, _ := newTestModel(t, &fakeEngine{}, Options{}, 120, 36, &snap)
	if !strings.Contains(m.View(), "req/s 36 / 30 target + 6.0 journeys") {
		t.Errorf("the headline does not show the journeys beside the target:\n%s", m.View())
	}
	snap.Live.JourneySent = 0
	m, _ = newTestModel(t, &fakeEngine{}, Options{}, 120, 36, &snap)
	if strings.Contains(m.View(), "journeys ·") || !strings.Contains(m.View(), "/ 30 target ·") {
		t.Errorf("journeys shown with none running:\n%s", m.View())
	}
}

// TestWhatComesNext: the demo says which phase comes next and when; spike
// mode counts down to its next burst and marks the burst.
func TestWhatComesNext(t *testing.T) {
	snap := fixtureSnapshot(200) // demo, phase 2 of 4, 70 s into its 180
	snap.Run.Phase, snap.Run.PhaseIndex = "steady + journeys", 1
	snap.Run.PhaseElapsed, snap.Run.PhaseLength = 151*time.Second, 180*time.Second
	m, _ := newTestModel(t, &fakeEngine{}, Options{}, 120, 36, &snap)
	if !strings.Contains(m.View(), "next: spike in 0:29") {
		t.Errorf("the demo does not say what comes next:\n%s", m.View())
	}

	spike := fixtureSnapshot(100)
	spike.Run.Mode, spike.Run.Phases, spike.Run.PhaseCount, spike.Run.PhaseIndex = plan.ModeSpike.String(), nil, 1, 0
	spike.Run.NextSpike = 3200 * time.Millisecond
	m, _ = newTestModel(t, &fakeEngine{}, Options{}, 120, 36, &spike)
	if !strings.Contains(m.View(), "next burst in 0:04") || strings.Contains(m.View(), "[BURST]") {
		t.Errorf("spike mode does not count down:\n%s", m.View())
	}
	spike.Run.NextSpike = 0
	m = update(t, m, snapshotMsg(spike))
	if !strings.Contains(m.View(), "[BURST]") || !strings.Contains(m.View(), "burst now") {
		t.Errorf("spike mode's burst is not marked:\n%s", m.View())
	}
}

// TestFunnel: the journey pane is a funnel in step order, the
// get-or-create alternatives one step; with no journeys it is one line.
func TestFunnel(t *testing.T) {
	snap := fixtureSnapshot(360)
	snap.Journeys.Steps = []stats.StepStats{
		{Journey: "checkout", Step: "get user", Reached: 1000, Failed: 2},
		{Journey: "checkout", Step: "create user", Reached: 480, Alt: true},
		{Journey: "checkout", Step: "create order", Reached: 1478, Failed: 38},
		{Journey: "checkout", Step: "pay", Reached: 1440, Failed: 108, LastError: "HTTP 503"},
	}
	m, _ := newTestModel(t, &fakeEngine{}, Options{}, 120, 36, &snap)
	v := m.View()
	re := regexp.MustCompile(`(?s)started .*1,480.*1 get or create user .*1,480 ✗ *2.*2 create order .*1,478 ✗ *38.*3 pay .*1,440 ✗108.*✓ completed .*1,310`)
	if !re.MatchString(v) {
		t.Errorf("no funnel in order:\n%s", v)
	}
	if !strings.Contains(v, "✗ pay: HTTP 503") {
		t.Errorf("no failure reason:\n%s", v)
	}
	snap.Journeys = stats.JourneyStats{}
	p := &journeysPane{st: DefaultStyles()}
	p.setSize(40, 8)
	p.render(&snap)
	if lines := strings.Count(p.view(), "\n") + 1; lines != 1 || !strings.Contains(p.view(), "none") {
		t.Errorf("no journeys: %d lines: %q", lines, p.view())
	}
	if journeyLines(&snap) > 2 {
		t.Errorf("no journeys asks for %d lines", journeyLines(&snap))
	}
}

// TestLiveColumn: the chart's newest column is the live rate, so a spike
// shows before its second ends.
func TestLiveColumn(t *testing.T) {
	snap := fixtureSnapshot(120) // about 20 req/s
	snap.Live = stats.Live{Span: time.Second, Success: 100}
	c := newRPSChart(DefaultStyles(), &runState{})
	c.setSize(60, 12)
	c.render(&snap)
	last, before := nthColumn(c.view(), 1), nthColumn(c.view(), 2)
	if strings.Count(last, "█") < 4*strings.Count(before, "█") {
		t.Errorf("the live column does not follow the live rate: %q beside %q", last, before)
	}
}

// nthColumn is the n-th column from the right of a chart's plot rows, top to
// bottom.
func nthColumn(view string, n int) string {
	var b strings.Builder
	lines := strings.Split(view, "\n")
	for _, l := range lines[1 : len(lines)-1] {
		r := []rune(l)
		b.WriteRune(r[len(r)-n])
	}
	return b.String()
}

// lastColumn is the live column.
func lastColumn(view string) string { return nthColumn(view, 1) }

// TestErrorsApart: errors are drawn apart from successes: in the error
// colour, and without colour in a glyph of their own.
func TestErrorsApart(t *testing.T) {
	snap := fixtureSnapshot(120)
	snap.Live = stats.Live{Span: time.Second, Success: 10, Errors: 10}
	c := newRPSChart(DefaultStyles(), &runState{})
	c.setSize(60, 12)
	c.render(&snap)
	if col := lastColumn(c.view()); !strings.Contains(col, "▒") || !strings.Contains(col, "█") {
		t.Errorf("without colour, errors and successes look alike: %q", col)
	}
	withProfile(t, termenv.TrueColor, true, func() {
		st := NewStyles(ThemeDark)
		c := newRPSChart(st, &runState{})
		c.setSize(60, 12)
		c.render(&snap)
		errCode := paintOf(st.BarErr).pre
		if !strings.Contains(c.view(), errCode) {
			t.Errorf("no cell in the error colour %q", errCode)
		}
	})
}

// TestNoColorBadges: without colour the badges are bracketed, so SPIKE and
// PAUSED stand out from the text around them.
func TestNoColorBadges(t *testing.T) {
	snap := fixtureSnapshot(347)
	snap.Run.Spiking, snap.Run.SpikeLeft, snap.Run.SpikeRate, snap.Run.Paused, snap.Run.Held = true, time.Second, 100, true, true
	m, _ := newTestModel(t, &fakeEngine{}, Options{}, 120, 36, &snap)
	for _, want := range []string{"[SPIKE +100/s 1s]", "[PAUSED]", "[HELD]"} {
		if !strings.Contains(m.View(), want) {
			t.Errorf("no %s badge:\n%s", want, m.View())
		}
	}
}

// TestLateTerminalReply: a terminal's answer to the background query that
// comes after its asker stopped waiting reaches the dashboard as keys
// (alt+], "11;rgb:0000/0000/0000", alt+\); none of it acts, and keys after
// it do.
func TestLateTerminalReply(t *testing.T) {
	snap := fixtureSnapshot(360)
	eng := &fakeEngine{}
	m, _ := newTestModel(t, eng, Options{}, 120, 36, &snap)
	for _, msg := range []tea.KeyMsg{
		{Type: tea.KeyRunes, Runes: []rune("]"), Alt: true},
		runes("11;rgb:0000/0000/0000"),
		{Type: tea.KeyRunes, Runes: []rune(`\`), Alt: true},
		runes("rgb:ffff/ffff/ffff"),
		runes("s"),
	} {
		m = update(t, m, msg)
	}
	if got := eng.Calls(); !reflect.DeepEqual(got, []string{"Spike"}) {
		t.Errorf("calls %q, want only the spike after the reply", got)
	}
}
