package loadgen

import (
	"math"
	"testing"
	"time"
)

const s = time.Second

func TestPlanRates(t *testing.T) {
	defaults := PlanConfig{RPS: 20, Duration: 300 * s, Users: 10}
	tests := []struct {
		name  string
		mode  Mode
		pc    PlanConfig
		at    time.Duration
		rate  float64
		users int
	}{
		{"steady", ModeSteady, defaults, 10 * s, 20, 0},
		{"steady with explicit users", ModeSteady, PlanConfig{RPS: 20, Duration: 300 * s, Users: 4, UsersSet: true}, 10 * s, 20, 4},
		{"steady after the end", ModeSteady, defaults, 300 * s, 0, 0},
		{"steady until stopped", ModeSteady, PlanConfig{RPS: 50}, 10000 * s, 50, 0},
		{"ramp-up start", ModeRampUp, PlanConfig{RPS: 101, Duration: 100 * s}, 0, 1, 0},
		{"ramp-up middle", ModeRampUp, PlanConfig{RPS: 101, Duration: 100 * s}, 50 * s, 51, 0},
		{"ramp-up over 60 s without duration", ModeRampUp, PlanConfig{RPS: 61}, 30 * s, 31, 0},
		{"ramp-up holds after 60 s without duration", ModeRampUp, PlanConfig{RPS: 61}, 600 * s, 61, 0},
		{"spike mode base", ModeSpike, defaults, 10 * s, 20, 0},
		{"spike mode first spike", ModeSpike, defaults, 15 * s, 100, 0},
		{"spike mode spike end", ModeSpike, defaults, 17*s + 999*time.Millisecond, 100, 0},
		{"spike mode after spike", ModeSpike, defaults, 18 * s, 20, 0},
		{"spike mode second spike", ModeSpike, defaults, 31 * s, 100, 0},
		{"realistic", ModeRealistic, defaults, 10 * s, 20, 10},
		{"demo ramp start", ModeDemo, defaults, 0, 5, 0},
		{"demo ramp middle", ModeDemo, defaults, 15 * s, 12.5, 0},
		{"demo steady", ModeDemo, defaults, 30 * s, 20, 15},
		{"demo steady end", ModeDemo, defaults, 89 * s, 20, 15},
		{"demo spike", ModeDemo, defaults, 90 * s, 100, 15},
		{"demo sustained", ModeDemo, defaults, 110 * s, 30, 20},
		{"demo over at 200 s", ModeDemo, defaults, 200 * s, 0, 20},
		{"demo scaled by RPS", ModeDemo, PlanConfig{RPS: 200, Duration: 300 * s}, 95 * s, 1000, 15},
		{"demo scaled by DURATION", ModeDemo, PlanConfig{RPS: 20, Duration: 400 * s, DurationSet: true}, 180 * s, 100, 15},
		{"demo DURATION=0 runs on", ModeDemo, PlanConfig{RPS: 20, DurationSet: true}, 5000 * s, 30, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPlan(tt.mode, tt.pc)
			if got := p.RateAt(tt.at); math.Abs(got-tt.rate) > 1e-9 {
				t.Errorf("RateAt(%v) = %v, want %v", tt.at, got, tt.rate)
			}
			if got := p.UsersAt(tt.at); got != tt.users {
				t.Errorf("UsersAt(%v) = %d, want %d", tt.at, got, tt.users)
			}
		})
	}
}

func TestDemoPhaseBoundaries(t *testing.T) {
	p := NewPlan(ModeDemo, PlanConfig{RPS: 20, Duration: 300 * s})
	if p.Length() != 200*s {
		t.Fatalf("demo length = %v, want 200s", p.Length())
	}
	for _, c := range []struct {
		at    time.Duration
		phase int
	}{{0, 0}, {29 * s, 0}, {30 * s, 1}, {89 * s, 1}, {90 * s, 2}, {109 * s, 2}, {110 * s, 3}, {199 * s, 3}} {
		if i, _ := p.PhaseAt(c.at); i != c.phase {
			t.Errorf("PhaseAt(%v) = %d, want %d", c.at, i, c.phase)
		}
	}
	next, ok := p.NextPhaseStart(40 * s)
	if !ok || next != 90*s {
		t.Errorf("NextPhaseStart(40s) = %v %v, want 90s", next, ok)
	}
	if _, ok := p.NextPhaseStart(150 * s); ok {
		t.Error("the last phase has a next phase")
	}
}

// The number of requests issued equals the integral of the rate, rounded,
// whatever the wake-up pattern.
func TestArrivalsMatchIntegral(t *testing.T) {
	p := NewPlan(ModeDemo, PlanConfig{RPS: 20, Duration: 300 * s})
	start := time.Unix(0, 0)
	for _, step := range []time.Duration{time.Millisecond, 7 * time.Millisecond, 50 * time.Millisecond} {
		a := newArrivals(start, p.RateAt(0), false, nil)
		n := 0
		var last time.Time
		for t0 := step; t0 <= 200*s; t0 += step {
			a.advance(start.Add(t0), p.RateAt(t0), func(due time.Time) bool {
				if due.Before(last) {
					t.Fatalf("due times out of order")
				}
				last = due
				n++
				return true
			}, nil)
		}
		// ∫ = ramp 30 s avg 12.5 (375) + 60×20 + 20×100 + 90×30 = 6275
		if n < 6274 || n > 6276 {
			t.Errorf("step %v: issued %d, want 6275±1", step, n)
		}
	}
}

// A due callback that says stop skips the rest of the span: the next call
// issues only what fell due after it.
func TestArrivalsStopSkipsTheRest(t *testing.T) {
	for _, poisson := range []bool{false, true} {
		start := time.Unix(0, 0)
		a := newArrivals(start, 1000, poisson, newTestRand())
		n, skipped := 0, int64(0)
		a.advance(start.Add(s), 1000, func(time.Time) bool { n++; return n < 10 }, func(k int64) { skipped = k })
		if n != 10 {
			t.Fatalf("poisson=%v: issued %d after stop, want 10", poisson, n)
		}
		if got := int64(n) + skipped; got < 950 || got > 1050 || !poisson && got != 1000 {
			t.Errorf("poisson=%v: %d issued + %d skipped, want the 1000 due", poisson, n, skipped)
		}
		var first time.Time
		m := 0
		a.advance(start.Add(s+100*time.Millisecond), 1000, func(due time.Time) bool {
			if m == 0 {
				first = due
			}
			m++
			return true
		}, nil)
		if first.Before(start.Add(s)) {
			t.Errorf("poisson=%v: after a stop, a request due at %v (before the stop) was issued", poisson, first.Sub(start))
		}
		if m < 60 || m > 140 {
			t.Errorf("poisson=%v: %d issued in the 100 ms after the skip, want about 100", poisson, m)
		}
	}
}

func TestPoissonArrivalsKeepTheMean(t *testing.T) {
	start := time.Unix(0, 0)
	a := newArrivals(start, 1000, true, newTestRand())
	n := 0
	for t0 := time.Millisecond; t0 <= 20*s; t0 += time.Millisecond {
		a.advance(start.Add(t0), 1000, func(time.Time) bool { n++; return true }, nil)
	}
	// 20,000 expected; a Poisson count has sd ≈ 141.
	if n < 19400 || n > 20600 {
		t.Errorf("poisson arrivals = %d, want about 20000", n)
	}
}
