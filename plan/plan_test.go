package plan

import (
	"math"
	"testing"
	"time"
)

const s = time.Second

func TestPlanRates(t *testing.T) {
	defaults := Config{RPS: 20, Duration: 300 * s, Users: 10}
	tests := []struct {
		name  string
		mode  Mode
		pc    Config
		at    time.Duration
		rate  float64
		users int
	}{
		{"steady", ModeSteady, defaults, 10 * s, 20, 0},
		{"steady with explicit users", ModeSteady, Config{RPS: 20, Duration: 300 * s, Users: 4, UsersSet: true}, 10 * s, 20, 4},
		{"steady after the end", ModeSteady, defaults, 300 * s, 0, 0},
		{"steady until stopped", ModeSteady, Config{RPS: 50}, 10000 * s, 50, 0},
		{"ramp-up start", ModeRampUp, Config{RPS: 101, Duration: 100 * s}, 0, 1, 0},
		{"ramp-up middle", ModeRampUp, Config{RPS: 101, Duration: 100 * s}, 50 * s, 51, 0},
		{"ramp-up over 60 s without duration", ModeRampUp, Config{RPS: 61}, 30 * s, 31, 0},
		{"ramp-up holds after 60 s without duration", ModeRampUp, Config{RPS: 61}, 600 * s, 61, 0},
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
		{"demo scaled by RPS", ModeDemo, Config{RPS: 200, Duration: 300 * s}, 95 * s, 1000, 15},
		{"demo scaled by DURATION", ModeDemo, Config{RPS: 20, Duration: 400 * s, DurationSet: true}, 180 * s, 100, 15},
		{"demo DURATION=0 runs on", ModeDemo, Config{RPS: 20, DurationSet: true}, 5000 * s, 30, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := New(tt.mode, tt.pc)
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
	p := New(ModeDemo, Config{RPS: 20, Duration: 300 * s})
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
