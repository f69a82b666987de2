package plan

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// search runs a knee search against a verdict function until it holds
// (or 50 steps), and returns each step as "rate kind ✓|✗" and the search.
func search(t *testing.T, c KneeConfig, verdict func(rate float64, kind string) bool) ([]string, *Knee) {
	t.Helper()
	k := NewKnee(c)
	var steps []string
	for range 50 {
		if k.State() == KneeHolding {
			return steps, k
		}
		pass := verdict(k.Rate(), k.Kind())
		mark := "✗"
		if pass {
			mark = "✓"
		}
		steps = append(steps, fmt.Sprintf("%s %s %s", RateText(k.Rate()), k.Kind(), mark))
		k.Advance(pass, StepFigures{P50: 50 * time.Millisecond, P99: 100 * time.Millisecond})
	}
	t.Fatalf("no hold after 50 steps: %v", steps)
	return nil, nil
}

// capacity passes every step at or under c req/s.
func capacity(c float64) func(float64, string) bool {
	return func(r float64, _ string) bool { return r <= c }
}

func TestKneeSearchCourse(t *testing.T) {
	tests := []struct {
		name  string
		cfg   KneeConfig
		pass  func(float64, string) bool
		steps string
		hold  float64
		state string
	}{
		{
			name: "climbs by 1.5, breaks, recovers, refines by 1.1, breaks, recovers, holds",
			pass: capacity(200),
			steps: "50 climb ✓, 75 climb ✓, 113 climb ✓, 170 climb ✓, 255 climb ✗, " +
				"170 recover ✓, 187 refine ✓, 206 refine ✗, 187 recover ✓",
			hold: 187,
		},
		{
			name:  "without refining it holds the last good coarse step",
			cfg:   KneeConfig{Refine: 1},
			pass:  capacity(200),
			steps: "50 climb ✓, 75 climb ✓, 113 climb ✓, 170 climb ✓, 255 climb ✗, 170 recover ✓",
			hold:  170,
		},
		{
			name:  "a first step that breaks halves the rate until one passes",
			pass:  capacity(20),
			steps: "50 climb ✗, 25 climb ✗, 12.5 climb ✓, 18.8 climb ✓, 20.7 refine ✗, 18.8 recover ✓",
			hold:  18.8,
		},
		{
			name:  "increments instead of a factor",
			cfg:   KneeConfig{Start: 100, Increment: 100, Refine: 1},
			pass:  capacity(350),
			steps: "100 climb ✓, 200 climb ✓, 300 climb ✓, 400 climb ✗, 300 recover ✓",
			hold:  300,
		},
		{
			name:  "the ceiling ends the climb without a break",
			cfg:   KneeConfig{Start: 100, Ceiling: 300},
			pass:  capacity(1e9),
			steps: "100 climb ✓, 150 climb ✓, 225 climb ✓, 300 climb ✓",
			hold:  300,
		},
		{
			name: "a good rate that does not recover is given up for the one before",
			cfg:  KneeConfig{Refine: 1},
			pass: func(r float64, kind string) bool { return r < 100 || r < 150 && kind == StepClimb },
			steps: "50 climb ✓, 75 climb ✓, 113 climb ✓, 170 climb ✗, " +
				"113 recover ✗, 113 recover ✗, 113 recover ✗, 75 recover ✓",
			hold: 75,
		},
		{
			name:  "nothing sustained down to 1 req/s holds at zero",
			cfg:   KneeConfig{Start: 4},
			pass:  capacity(0),
			steps: "4 climb ✗, 2 climb ✗, 1 climb ✗",
			hold:  0,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			steps, k := search(t, tc.cfg, tc.pass)
			if got := strings.Join(steps, ", "); got != tc.steps {
				t.Errorf("steps:\n got %s\nwant %s", got, tc.steps)
			}
			if k.Rate() != tc.hold || k.Good() != tc.hold {
				t.Errorf("holds %v (good %v), want %v", k.Rate(), k.Good(), tc.hold)
			}
			if k.Note() == "" {
				t.Error("the hold has no note saying why")
			}
		})
	}
}

// Whatever the capacity under the ceiling, the search holds within a refine step (10 %) of
// it, never above it.
func TestKneeHoldsWithinTenPercent(t *testing.T) {
	for c := 30.0; c < DefaultKnee.Ceiling; c *= 1.37 {
		_, k := search(t, KneeConfig{}, capacity(c))
		if got := k.Good(); got > c || got < c/1.1 {
			t.Errorf("capacity %.0f: holds %v, want within 10%% below", c, got)
		}
	}
}

func TestKneeCheck(t *testing.T) {
	k := NewKnee(KneeConfig{})
	ok := StepFigures{Target: 100, Elapsed: 8 * time.Second, Total: 800, Errors: 8, P50: 400 * time.Millisecond, P99: 400 * time.Millisecond}
	if why := k.Check(ok); len(why) != 0 {
		t.Fatalf("a good step broke: %v", why)
	}
	// The first passing step sets the automatic bound: its p99 + its p50.
	k.Advance(true, ok)
	if b := k.P99Bound(); b != 800*time.Millisecond {
		t.Fatalf("automatic p99 bound = %v, want 800ms", b)
	}
	bad := StepFigures{Target: 150, Elapsed: 8 * time.Second, Total: 1000, Errors: 60, Dropped: 2, P99: 1420 * time.Millisecond}
	want := []string{"p99 1.42s > 800ms", "errors 6% > 5%", "achieved 125/s < 90% of 150/s", "dropped 0.2% > 0.1%"}
	if got := k.Check(bad); strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("breaks = %q, want %q", got, want)
	}
	if got := k.Check(StepFigures{Target: 150, Elapsed: 8 * time.Second}); len(got) != 1 || got[0] != "no request completed" {
		t.Errorf("an empty window = %q", got)
	}
	// A fast service's bound stands at least AutoP99Gap above its p99.
	fast := NewKnee(KneeConfig{})
	fast.Advance(true, StepFigures{P50: time.Millisecond, P99: 2 * time.Millisecond})
	if b := fast.P99Bound(); b != 52*time.Millisecond {
		t.Errorf("fast service's bound = %v, want 52ms", b)
	}
	// A given bound is used from the first step.
	fixed := NewKnee(KneeConfig{SLO: SLO{P99: 300 * time.Millisecond}})
	if got := fixed.Check(ok); len(got) != 1 || got[0] != "p99 400ms > 300ms" {
		t.Errorf("fixed bound: %q", got)
	}
	if got := fixed.SLOText(); got != "p99 ≤ 300ms, errors ≤ 5%, achieved ≥ 90%, dropped ≤ 0.1%" {
		t.Errorf("SLO text = %q", got)
	}
}

func TestKneeConfigValidate(t *testing.T) {
	bad := []KneeConfig{
		{Start: -1},
		{Factor: 0.9},
		{Increment: -5, Factor: 1.5},
		{Refine: 0.5},
		{Settle: 10 * time.Second},
		{Start: 100, Ceiling: 50},
		{SLO: SLO{Errors: 1.5}},
		{SLO: SLO{P99: -time.Second}},
	}
	for _, c := range bad {
		if err := c.WithDefaults().Validate(); err == nil {
			t.Errorf("%+v passed validation", c)
		}
	}
	if err := (KneeConfig{}).WithDefaults().Validate(); err != nil {
		t.Errorf("the defaults do not validate: %v", err)
	}
}

// The plan holds each step's rate for its length, then keeps it while the
// step is judged; once holding, the hold lasts three steps, the rest of a
// given duration, or for ever.
func TestKneePlan(t *testing.T) {
	p := New(ModeKnee, Config{RPS: 20, Duration: 300 * s, Users: 10})
	if p.RateAt(0) != 50 || p.RateAt(9*s) != 50 || p.RateAt(15*s) != 50 || p.UsersAt(0) != 0 {
		t.Errorf("first step: %v %v %v req/s, %d users; want 50 throughout, no users", p.RateAt(0), p.RateAt(9*s), p.RateAt(15*s), p.UsersAt(0))
	}
	if p.Length() != 20*s {
		t.Errorf("first step's plan lasts %v, want 20s (the step and its judging)", p.Length())
	}
	taken := []Phase{{Name: "a", Length: 10 * s, From: 50, To: 50}, {Name: "b", Length: 10*s + 50*time.Millisecond, From: 75, To: 75}}
	cur := Phase{Name: "c", From: 113, To: 113}
	p = KneePlan(Config{}, taken, cur, false)
	if r := p.RateAt(20 * s); r != 75 {
		t.Errorf("rate at 20s = %v, want 75 (the second step ran 50ms over)", r)
	}
	if r := p.RateAt(21 * s); r != 113 {
		t.Errorf("rate at 21s = %v, want 113", r)
	}
	hold := func(c Config) Plan { return KneePlan(c, taken, Phase{Name: "hold", From: 75, To: 75}, true) }
	if l := hold(Config{}).Length(); l != 20*s+50*time.Millisecond+30*s {
		t.Errorf("hold without a run length: plan lasts %v, want three steps after the search", l)
	}
	if l := hold(Config{Duration: 100 * s, DurationSet: true}).Length(); l != 100*s {
		t.Errorf("hold with a 100 s run: plan lasts %v", l)
	}
	if l := hold(Config{DurationSet: true}).Length(); l != 0 {
		t.Errorf("hold in a run until stopped: plan lasts %v, want for ever", l)
	}
	if l := KneePlan(Config{Duration: 25 * s, DurationSet: true}, taken, cur, false).Length(); l != 25*s {
		t.Errorf("a 25 s run's plan lasts %v", l)
	}
}

func TestParseKneeMode(t *testing.T) {
	if m, err := ParseMode("KNEE"); err != nil || m != ModeKnee || m.String() != "knee" {
		t.Errorf("ParseMode(KNEE) = %v, %v", m, err)
	}
	if _, err := ParseMode("max"); err == nil {
		t.Error("max parsed as a mode name")
	}
}

func TestRoundRate(t *testing.T) {
	for in, want := range map[float64]float64{112.5: 113, 90.75: 90.8, 168.75: 169, 0.0375: 0.0375, 1234.5: 1230, 18.75: 18.8} {
		if got := roundRate(in); got != want {
			t.Errorf("roundRate(%v) = %v, want %v", in, got, want)
		}
	}
}
