package ui

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/stats"
)

// kneeCourse is the fixture's knee search against a service of 200 req/s,
// 10 s a step: the climb breaks at 255, recovers at 170 on its second
// try, refines to 187, breaks at 206, recovers at 187 and holds it.
var kneeCourse = []struct {
	kind string
	rate float64
	pass bool
	why  string
}{
	{plan.StepClimb, 50, true, ""},
	{plan.StepClimb, 75, true, ""},
	{plan.StepClimb, 113, true, ""},
	{plan.StepClimb, 170, true, ""},
	{plan.StepClimb, 255, false, "p99 2.29s > 575ms; errors 10.3% > 5%; achieved 220/s < 90% of 255/s"},
	{plan.StepRecover, 170, false, "p99 2.25s > 575ms"},
	{plan.StepRecover, 170, true, ""},
	{plan.StepRefine, 187, true, ""},
	{plan.StepRefine, 206, false, "p99 702ms > 575ms"},
	{plan.StepRecover, 187, true, ""},
}

// kneeCapacity is the fixture service's capacity.
const kneeCapacity = 200

// kneeSnapshot is a knee-mode run after seconds seconds (at most 20 past
// the course's end): the series the course makes (a queue grows past the
// capacity and drains below it), and the knee info with every step
// judged by then. It is long because it is data: the course, step by
// step.
func kneeSnapshot(seconds int) stats.Snapshot {
	s := fixtureSnapshot(seconds)
	rng := rand.New(rand.NewPCG(7, 8))
	s.Series = s.Series[:0]
	s.Total, s.Errors = 0, 0
	var queue float64 // seconds of work waiting
	for sec := range seconds {
		i := min(sec/10, len(kneeCourse))
		rate := kneeCourse[len(kneeCourse)-1].rate // the hold
		if i < len(kneeCourse) {
			rate = kneeCourse[i].rate
		}
		queue = min(max(queue+(rate-kneeCapacity)/kneeCapacity, 0), 2)
		done := math.Min(rate, kneeCapacity)
		if queue == 0 {
			done = rate
		}
		errPct := 0.015
		if queue >= 2 {
			errPct = 0.12
		}
		n := int64(math.Round(done * (0.98 + 0.04*rng.Float64())))
		errs := int64(math.Round(float64(n) * errPct))
		wait := time.Duration(queue * float64(time.Second))
		s.Series = append(s.Series, stats.Point{
			Second: int64(sec), Success: n - errs, Errors: errs, Target: rate,
			P50: 85*time.Millisecond + time.Duration(rng.IntN(6))*time.Millisecond + wait,
			P99: 470*time.Millisecond + time.Duration(rng.IntN(30))*time.Millisecond + wait,
		})
		s.Total += n
		s.Errors += errs
	}
	s.Success = s.Total - s.Errors
	s.Journeys = stats.JourneyStats{}
	recent := s.Series[len(s.Series)-10:]
	s.Recent = stats.Percentiles{Count: 1800, P50: recent[9].P50, P90: recent[9].P50 * 3, P99: recent[9].P99, Max: recent[9].P99 * 11 / 10}
	last := s.Series[len(s.Series)-1]
	s.Live = stats.Live{Span: time.Second, Success: last.Success, Errors: last.Errors}
	k := &stats.KneeInfo{Knee: -1, SLO: "p99 ≤ 575ms, errors ≤ 5%, achieved ≥ 90%, dropped ≤ 0.1%",
		Length: 10 * time.Second, Settle: 2 * time.Second}
	for i, c := range kneeCourse {
		if (i+1)*10 > seconds {
			break
		}
		st := stats.KneeStep{N: i + 1, Kind: c.kind, Rate: c.rate, Start: secs(int64(i * 10)), End: secs(int64(i*10 + 10)),
			Pass: c.pass, Why: c.why}
		var p50, p99 time.Duration
		window := s.Series[i*10+2 : i*10+10]
		for _, p := range window {
			st.Total += p.Success + p.Errors
			st.Errors += p.Errors
			p50 += p.P50 / time.Duration(len(window))
			p99 += p.P99 / time.Duration(len(window))
		}
		st.Achieved, st.P50, st.P99 = float64(st.Total)/8, p50.Round(100*time.Microsecond), p99.Round(time.Millisecond)
		k.Steps = append(k.Steps, st)
		k.Broke = k.Broke || !c.pass
		if c.pass && c.rate == kneeCourse[len(kneeCourse)-1].rate {
			k.Knee = i
		}
	}
	n := len(k.Steps)
	k.Current = stats.KneeStep{N: n + 1, Start: secs(int64(n * 10)), Kind: plan.StepHold}
	k.Elapsed = time.Duration(seconds-n*10) * time.Second
	if n < len(kneeCourse) {
		k.State, k.Current.Kind, k.Current.Rate = "climbing", kneeCourse[n].kind, kneeCourse[n].rate
	} else {
		k.State, k.Current.Rate, k.Note = "holding", kneeCourse[n-1].rate, "the objective broke at 206 req/s"
		k.Length, k.Settle = 0, 0
	}
	s.Run = stats.RunInfo{
		Target: "http://127.0.0.1:18080", Mode: plan.ModeKnee.String(), Knee: k,
		BaseRPS: k.Current.Rate, TargetRPS: k.Current.Rate, AchievedRPS: k.Current.Rate,
		Phase: plan.StepName(k.Current.N, k.Current.Kind, k.Current.Rate), PhaseIndex: n, PhaseCount: n + 1,
	}
	if k.State == "holding" {
		s.Run.Duration, s.Run.Remaining = 130*time.Second, time.Duration(130-seconds)*time.Second
	}
	for _, st := range k.Steps {
		verdict := "passed"
		if !st.Pass {
			verdict = "broke: " + st.Why
		}
		s.Run.Events = append(s.Run.Events, stats.Event{Time: fixtureStart.Add(st.End), Elapsed: st.End, Kind: "knee",
			Text: fmt.Sprintf("knee step %d %s %s req/s %s", st.N, st.Kind, fmtRate(st.Rate), verdict)})
	}
	return s
}

// TestGoldenKnee is the dashboard of a knee run: each step marked on the
// RPS and latency charts (┴, ╳ where it broke, ◆ the knee), the steps and
// the result in the phase pane; mid-search and holding, in both layouts.
func TestGoldenKnee(t *testing.T) {
	for _, tc := range []struct {
		name    string
		seconds int
		want    string
	}{{"searching", 87, "step 9 refine"}, {"holding", 115, "holding 187 req/s"}} {
		for _, kind := range []string{"detailed", "presenter"} {
			for _, sz := range [][2]int{{80, 24}, {120, 36}, {160, 48}} {
				t.Run(fmt.Sprintf("%s/%s/%dx%d", tc.name, kind, sz[0], sz[1]), func(t *testing.T) {
					runGoldenOpts(t, sz[0], sz[1], Options{Presenter: kind == "presenter"}, kneeSnapshot(tc.seconds), tc.want, nil)
				})
			}
		}
	}
}

// The charts mark the steps where they began: the RPS chart's time axis
// has a mark under each step's first second still in view, the knee's
// and the breaks' their own, and the latency chart the same.
func TestKneeMarksOnTheCharts(t *testing.T) {
	m := New(&fakeEngine{}, nil, Options{})
	m.now = func() time.Time { return fixtureStart }
	s := kneeSnapshot(115)
	m = update(t, m, tea.WindowSizeMsg{Width: 160, Height: 48})
	m = update(t, m, snapshotMsg(s))
	rps := ansi.Strip(m.panes[paneRPS].view())
	axis := lastLine(rps)
	// The RPS chart's columns end with the live one: second 115.
	cols := []rune(axis)
	newest := 115
	for i, c := range kneeCourse {
		col := len(cols) - 1 - (newest - i*10)
		if col < 2 {
			continue
		}
		want := markStep
		switch {
		case i == 9:
			want = markKnee
		case !c.pass:
			want = markBroke
		}
		if cols[col] != want {
			t.Errorf("RPS axis at step %d (second %d): %q, want %q\n%s", i+1, i*10, cols[col], want, axis)
		}
	}
	if !strings.Contains(rps, "◆ knee 187/s") {
		t.Errorf("RPS legend lacks the knee:\n%s", rps)
	}
	lat := ansi.Strip(m.panes[paneLatency].view())
	for _, g := range []rune{markStep, markBroke, markKnee} {
		if !strings.ContainsRune(lat, g) {
			t.Errorf("latency chart lacks %q:\n%s", g, lat)
		}
	}
	if !strings.Contains(rps, markLine) || !strings.Contains(lat, markLine) {
		t.Error("no dotted step line on the charts")
	}
}

// K starts the knee finder (SetMode(knee)); +, - and n say why they do
// nothing while it runs; ? lists K.
func TestKneeKeys(t *testing.T) {
	f := &fakeEngine{}
	m := New(f, nil, Options{})
	m.now = func() time.Time { return fixtureStart }
	m = update(t, m, tea.WindowSizeMsg{Width: 120, Height: 36})
	m = update(t, m, snapshotMsg(fixtureSnapshot(100)))
	m = update(t, m, runes("K"))
	if got := f.Calls(); len(got) != 1 || got[0] != "SetMode(knee)" {
		t.Fatalf("K called %v, want SetMode(knee)", got)
	}
	if !strings.Contains(m.View(), "knee finder: the rate steps up") {
		t.Errorf("no feedback after K:\n%s", m.View())
	}
	m = update(t, m, snapshotMsg(kneeSnapshot(87)))
	for _, k := range []string{"+", "-", "n", "h"} {
		m = update(t, m, runes(k))
	}
	if got := f.Calls(); len(got) != 1 {
		t.Errorf("+, -, n and h reached the engine in knee mode: %v", got)
	}
	m = update(t, m, runes("?"))
	if !strings.Contains(m.View(), "K") || !strings.Contains(m.View(), "knee: find the highest rate") {
		t.Errorf("? does not list K:\n%s", m.View())
	}
}

func lastLine(s string) string {
	lines := strings.Split(s, "\n")
	return lines[len(lines)-1]
}
