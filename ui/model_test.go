package ui

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/stats"
)

func runes(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

// newTestModel is a dashboard at w×h that has seen one fixture snapshot,
// with its clock pinned.
func newTestModel(t testing.TB, eng Engine, opts Options, w, h int, snap *stats.Snapshot) (Model, chan stats.Snapshot) {
	t.Helper()
	ch := make(chan stats.Snapshot, 1)
	m := New(eng, ch, opts)
	m.now = func() time.Time { return fixtureStart }
	m = update(t, m, tea.WindowSizeMsg{Width: w, Height: h})
	if snap != nil {
		var cmd tea.Cmd
		m, cmd = updateCmd(t, m, snapshotMsg(*snap))
		if cmd == nil {
			t.Fatal("snapshot did not re-arm the wait")
		}
	}
	return m, ch
}

func update(t testing.TB, m Model, msg tea.Msg) Model {
	t.Helper()
	m, _ = updateCmd(t, m, msg)
	return m
}

func updateCmd(t testing.TB, m Model, msg tea.Msg) (Model, tea.Cmd) {
	t.Helper()
	next, cmd := m.Update(msg)
	mm, ok := next.(Model)
	if !ok {
		t.Fatalf("Update returned %T", next)
	}
	return mm, cmd
}

func TestSnapshotRearmsWait(t *testing.T) {
	snap := fixtureSnapshot(120)
	m, ch := newTestModel(t, &fakeEngine{}, Options{}, 100, 30, nil)
	if m.Init() == nil {
		t.Fatal("Init returned no command; the first snapshot would never be read")
	}
	for i := 0; i < 3; i++ {
		var cmd tea.Cmd
		m, cmd = updateCmd(t, m, snapshotMsg(snap))
		if cmd == nil {
			t.Fatalf("snapshot %d: no command, the next snapshot would never be read", i)
		}
		// The command is the wait: it delivers the next snapshot.
		next := snap
		next.Seq = uint64(100 + i)
		ch <- next
		msg := cmd()
		got, ok := msg.(snapshotMsg)
		if !ok || got.Seq != next.Seq {
			t.Fatalf("wait returned %T %v, want snapshot %d", msg, msg, next.Seq)
		}
	}
	if m.snap == nil || m.snap.Elapsed != snap.Elapsed {
		t.Fatal("model did not keep the snapshot")
	}
	// A closed channel ends the run: the dashboard stays, finished.
	close(ch)
	msg := waitForSnapshot(ch)()
	if _, ok := msg.(engineDoneMsg); !ok {
		t.Fatalf("closed channel gave %T, want engineDoneMsg", msg)
	}
	m, cmd := updateCmd(t, m, msg)
	if cmd != nil {
		t.Errorf("engineDoneMsg gave a command (%T); the dashboard must stay until q", cmd())
	}
	if !strings.Contains(m.View(), "finished — q to quit") {
		t.Errorf("view does not say the run has finished:\n%s", m.View())
	}
}

func TestKeysCallEngine(t *testing.T) {
	snap := fixtureSnapshot(360) // demo mode, base 20 req/s, 20 users
	tests := []struct {
		name  string
		key   tea.KeyMsg
		calls []string
		flash string
	}{
		{"spike", runes("s"), []string{"Spike"}, "spike fired: +100 req/s for 3s"},
		{"mode 1", runes("1"), []string{"SetMode(steady)"}, "mode → steady"},
		{"mode 2", runes("2"), []string{"SetMode(ramp-up)"}, "mode → ramp-up"},
		{"mode 3", runes("3"), []string{"SetMode(spike)"}, "mode → spike"},
		{"mode 4", runes("4"), []string{"SetMode(realistic)"}, "mode → realistic"},
		{"mode 5", runes("5"), []string{"SetMode(demo)"}, "mode → demo"},
		{"plus", runes("+"), []string{"ScaleRate(1.1000)"}, "base rate 20 → 22 req/s"},
		{"equals", runes("="), []string{"ScaleRate(1.1000)"}, "base rate 20 → 22 req/s"},
		{"up selects a route", tea.KeyMsg{Type: tea.KeyUp}, nil, ""},
		{"minus", runes("-"), []string{"ScaleRate(0.9091)"}, "base rate 20 → 18 req/s"},
		{"down selects a route", tea.KeyMsg{Type: tea.KeyDown}, nil, ""},
		{"more users", runes("]"), []string{"AddUsers(1)"}, "journey users → 21"},
		{"fewer users", runes("["), []string{"AddUsers(-1)"}, "journey users → 19"},
		{"pause", runes("p"), []string{"TogglePause"}, "pausing traffic"},
		{"space", tea.KeyMsg{Type: tea.KeySpace, Runes: []rune(" ")}, []string{"TogglePause"}, "pausing traffic"},
		{"reset", runes("r"), []string{"ResetStats"}, "stats reset"},
		{"next phase", runes("n"), []string{"NextPhase"}, "next phase"},
		{"hold", runes("h"), []string{"ToggleHold"}, "phase held"},
		{"help", runes("?"), nil, ""},
		{"view", runes("v"), nil, "presenter view"},
		{"unbound", runes("x"), nil, ""},
	}
	opts := Options{SpikeMultiplier: 5, SpikeDuration: 3 * time.Second}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng := &fakeEngine{}
			m, _ := newTestModel(t, eng, opts, 120, 36, &snap)
			m, cmd := updateCmd(t, m, tt.key)
			if cmd != nil {
				t.Errorf("key returned a command; engine controls must act at once")
			}
			if got := eng.Calls(); !reflect.DeepEqual(got, tt.calls) {
				t.Errorf("engine calls = %q, want %q", got, tt.calls)
			}
			if tt.flash != "" && !strings.Contains(m.View(), tt.flash) {
				t.Errorf("view lacks feedback %q:\n%s", tt.flash, m.View())
			}
		})
	}
}

func TestPauseAndHoldFeedbackFollowState(t *testing.T) {
	snap := fixtureSnapshot(360)
	snap.Run.Paused, snap.Run.Held = true, true
	eng := &fakeEngine{}
	m, _ := newTestModel(t, eng, Options{}, 120, 36, &snap)
	for _, v := range []string{"PAUSED", "HELD"} {
		if !strings.Contains(m.View(), v) {
			t.Errorf("view lacks the %s badge", v)
		}
	}
	m = update(t, m, runes("p"))
	if !strings.Contains(m.View(), "resuming traffic") {
		t.Error("p while paused does not say it resumes")
	}
	m = update(t, m, runes("h"))
	if !strings.Contains(m.View(), "phase clock running again") {
		t.Error("h while held does not say the clock runs again")
	}
	if got, want := eng.Calls(), []string{"TogglePause", "ToggleHold"}; !reflect.DeepEqual(got, want) {
		t.Errorf("calls = %q, want %q", got, want)
	}
}

func TestPhaseKeysOutsideDemo(t *testing.T) {
	snap := fixtureSnapshot(120)
	snap.Run.Mode, snap.Run.Phases, snap.Run.PhaseCount, snap.Run.PhaseIndex = "steady", nil, 1, 0
	eng := &fakeEngine{}
	m, _ := newTestModel(t, eng, Options{}, 120, 36, &snap)
	m = update(t, m, runes("n"))
	if !strings.Contains(m.View(), "demo mode") {
		t.Errorf("n outside demo mode does not explain itself:\n%s", m.View())
	}
	m = update(t, m, runes("h"))
	if !strings.Contains(m.View(), "demo mode") {
		t.Error("h outside demo mode does not explain itself")
	}
	if got := eng.Calls(); len(got) != 0 {
		t.Errorf("engine calls = %q, want none", got)
	}
}

func TestFaultKey(t *testing.T) {
	snap := fixtureSnapshot(120)
	t.Run("embedded", func(t *testing.T) {
		eng := &fakeEngine{}
		states := []string{"payments: slow ×5", "payments: errors 20%"}
		n := 0
		opts := Options{CycleFault: func() string { n++; return states[n-1] }}
		m, _ := newTestModel(t, eng, opts, 120, 36, &snap)
		m, cmd := updateCmd(t, m, runes("f"))
		if cmd == nil {
			t.Fatal("f gave no command; CycleFault must run off the Update loop")
		}
		if !strings.Contains(m.View(), "fault: switching") {
			t.Error("f gives no immediate feedback")
		}
		m = update(t, m, cmd())
		if got, want := eng.Calls(), []string{"Note(fault, payments: slow ×5)"}; !reflect.DeepEqual(got, want) {
			t.Errorf("calls = %q, want %q", got, want)
		}
		if !strings.Contains(m.View(), "fault → payments: slow ×5") {
			t.Errorf("view lacks the new fault:\n%s", m.View())
		}
	})
	t.Run("not embedded", func(t *testing.T) {
		eng := &fakeEngine{}
		msg := "f: faults need --embedded (target is http://example.test)"
		m, _ := newTestModel(t, eng, Options{FaultUnavailable: msg}, 120, 36, &snap)
		m, cmd := updateCmd(t, m, runes("f"))
		if cmd != nil {
			t.Error("f without CycleFault returned a command")
		}
		if !strings.Contains(m.View(), msg) {
			t.Errorf("view lacks %q", msg)
		}
		if got := eng.Calls(); len(got) != 0 {
			t.Errorf("engine calls = %q, want none", got)
		}
	})
}

func TestQuitKeys(t *testing.T) {
	snap := fixtureSnapshot(60)
	for _, k := range []tea.KeyMsg{runes("q"), {Type: tea.KeyCtrlC}} {
		eng := &fakeEngine{}
		m, _ := newTestModel(t, eng, Options{}, 80, 24, &snap)
		_, cmd := updateCmd(t, m, k)
		if cmd == nil {
			t.Fatalf("%s: no command", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Errorf("%s did not quit", k)
		}
		if got := eng.Calls(); len(got) != 0 {
			t.Errorf("%s: engine calls = %q; stopping the engine is main's job", k, got)
		}
	}
}

func TestHelpToggle(t *testing.T) {
	snap := fixtureSnapshot(360)
	m, _ := newTestModel(t, &fakeEngine{}, Options{}, 120, 36, &snap)
	if strings.Contains(m.View(), "next phase") {
		t.Fatal("full help shown before ?")
	}
	m = update(t, m, runes("?"))
	for _, want := range []string{"next phase", "hold the phase", `1 +steady`, `2 +ramp-up`, `3 +spike`, `4 +realistic`, `5 +demo`, `v +presenter view`} {
		if !regexp.MustCompile(want).MatchString(m.View()) {
			t.Fatalf("? did not show %q in the full help:\n%s", want, m.View())
		}
	}
	checkFits(t, m.View(), 120, 36)
	m = update(t, m, tea.KeyMsg{Type: tea.KeyEsc})
	if strings.Contains(m.View(), "next phase") {
		t.Error("esc did not close the full help")
	}
}

func TestFlashExpires(t *testing.T) {
	snap := fixtureSnapshot(360)
	m, _ := newTestModel(t, &fakeEngine{}, Options{}, 120, 36, &snap)
	m = update(t, m, runes("s"))
	if !strings.Contains(m.View(), "spike fired") {
		t.Fatal("no feedback after s")
	}
	m = update(t, m, snapshotMsg(snap))
	if !strings.Contains(m.View(), "spike fired") {
		t.Fatal("feedback gone at once")
	}
	m.now = func() time.Time { return fixtureStart.Add(flashFor + time.Second) }
	m = update(t, m, snapshotMsg(snap))
	if strings.Contains(m.View(), "spike fired") {
		t.Error("feedback still shown after it expired")
	}
}

func TestMaxModeShowsConcurrency(t *testing.T) {
	snap := fixtureSnapshot(120)
	snap.Run.Mode, snap.Run.Concurrency, snap.Run.Phases, snap.Run.PhaseCount = plan.ModeMax.String(), 64, nil, 1
	for _, size := range [][2]int{{80, 24}, {120, 36}, {160, 48}} {
		m, _ := newTestModel(t, &fakeEngine{}, Options{}, size[0], size[1], &snap)
		v := m.View()
		if !strings.Contains(v, "concurrency 64") {
			t.Errorf("%dx%d: max mode does not show the concurrency:\n%s", size[0], size[1], v)
		}
		if strings.Contains(v, "target ") {
			t.Errorf("%dx%d: max mode shows a target rate", size[0], size[1])
		}
	}
}

func TestMaxModeKeepsMode(t *testing.T) {
	snap := fixtureSnapshot(120)
	snap.Run.Mode, snap.Run.Concurrency, snap.Run.Phases, snap.Run.PhaseCount = plan.ModeMax.String(), 64, nil, 1
	eng := &fakeEngine{}
	m, _ := newTestModel(t, eng, Options{}, 120, 36, &snap)
	m = update(t, m, runes("1"))
	if got := eng.Calls(); len(got) != 0 {
		t.Errorf("engine calls = %q, want none", got)
	}
	if !strings.Contains(m.View(), "max-throughput runs keep their mode") {
		t.Errorf("no explanation:\n%s", m.View())
	}
}

func TestRecentSuccessPerRoute(t *testing.T) {
	snap := fixtureSnapshot(100)
	m, _ := newTestModel(t, &fakeEngine{}, Options{}, 120, 36, &snap)
	// Five seconds later POST /api/payments has failed every request.
	next := snap
	next.Elapsed += 5 * time.Second
	next.Endpoints = append([]stats.EndpointStats(nil), snap.Endpoints...)
	pay := &next.Endpoints[len(next.Endpoints)-1]
	pay.Total += 50
	pay.Errors += 50
	m = update(t, m, snapshotMsg(next))
	pct, n, ok := m.hist.recent(len(next.Endpoints) - 1)
	if !ok || n != 50 || pct != 0 {
		t.Fatalf("recent = %.1f%% of %d (ok %v), want 0%% of 50", pct, n, ok)
	}
	if !strings.Contains(m.View(), "0.0%") {
		t.Errorf("table does not show the recent 0%% success:\n%s", m.View())
	}
	// A reset (totals going down) starts the history afresh.
	m = update(t, m, snapshotMsg(fixtureSnapshot(3)))
	if _, _, ok := m.hist.recent(0); ok {
		t.Error("history survived a reset")
	}
}

// Requests the HTTP client resent show under the error kinds, so a
// presenter can tell why the server counted more than the dashboard.
func TestResentShown(t *testing.T) {
	for _, withErrors := range []bool{true, false} {
		snap := fixtureSnapshot(120)
		if !withErrors {
			snap.ErrorKinds = nil
		}
		m, _ := newTestModel(t, &fakeEngine{}, Options{}, 120, 36, &snap)
		if strings.Contains(m.View(), "resent") {
			t.Fatalf("errors=%v: resent shown with none resent:\n%s", withErrors, m.View())
		}
		snap.Resent = 7
		m, _ = newTestModel(t, &fakeEngine{}, Options{}, 120, 36, &snap)
		if !regexp.MustCompile(`resent +7`).MatchString(m.View()) {
			t.Errorf("errors=%v: no \"resent 7\" line:\n%s", withErrors, m.View())
		}
	}
}

func TestBeforeFirstSnapshot(t *testing.T) {
	m, _ := newTestModel(t, &fakeEngine{}, Options{}, 120, 36, nil)
	v := m.View()
	if !strings.Contains(v, "waiting for the first numbers") {
		t.Errorf("no waiting message:\n%s", v)
	}
	checkFits(t, v, 120, 36)
	// Keys work before any snapshot.
	eng := &fakeEngine{}
	m, _ = newTestModel(t, eng, Options{}, 120, 36, nil)
	for _, k := range []string{"s", "n", "h", "]", "+"} {
		m = update(t, m, runes(k))
	}
	if got := len(eng.Calls()); got != 5 {
		t.Errorf("engine calls = %q, want 5", eng.Calls())
	}
}

func TestFormat(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{fmtInt(0), "0"}, {fmtInt(999), "999"}, {fmtInt(1000), "1,000"}, {fmtInt(-1234567), "-1,234,567"},
		{fmtRate(0), "0"}, {fmtRate(9.54), "9.5"}, {fmtRate(20), "20"}, {fmtRate(12345.6), "12,346"},
		{fmtClock(83 * time.Second), "1:23"}, {fmtClock(3723 * time.Second), "1:02:03"},
		{fmtSpan(3 * time.Second), "3s"}, {fmtSpan(90 * time.Second), "1m30s"}, {fmtSpan(120 * time.Second), "2m"},
		{fmtPct(100), "100%"}, {fmtPct(99.96), "99.9%"}, {fmtPct(0), "0.0%"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if got := niceCeil(130); got != 150 {
		t.Errorf("niceCeil(130) = %v", got)
	}
	if got := niceCeil(21); got != 25 {
		t.Errorf("niceCeil(21) = %v", got)
	}
	// Labels every step rows fall on round values and the top covers
	// the data with its 5% headroom.
	for _, c := range []struct {
		top float64
		gh  int
	}{{143, 17}, {143, 9}, {130, 4}, {1700, 18}, {0, 10}, {31, 1}} {
		yTop, step := yScale(c.top, c.gh)
		if step < 1 || yTop < c.top*1.05 {
			t.Errorf("yScale(%v, %d) = %v, %d", c.top, c.gh, yTop, step)
		}
		u := yTop * float64(step) / float64(c.gh)
		if u != niceCeil(u) {
			t.Errorf("yScale(%v, %d): label unit %v is not round", c.top, c.gh, u)
		}
	}
}
