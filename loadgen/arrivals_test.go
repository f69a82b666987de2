package loadgen

import (
	"testing"
	"time"

	"github.com/trafficgen/trafficgen/plan"
)

const s = time.Second

func TestArrivalsMatchIntegral(t *testing.T) {
	p := plan.New(plan.ModeDemo, plan.Config{RPS: 20, Duration: 300 * s})
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

// A plan's end is a step of the rate to zero: a late step past it must
// not draw a ramp down from the last rate, which would issue requests the
// plan never had. 50 req/s for 200 ms is 10 requests, however late the
// step after the end.
func TestArrivalsStepToZeroAtThePlansEnd(t *testing.T) {
	start := time.Unix(0, 0)
	at := func(ms int) time.Time { return start.Add(time.Duration(ms) * time.Millisecond) }
	count := func(a *arrivals, now time.Time, rate float64) (n int) {
		a.advance(now, rate, func(time.Time) bool { n++; return true }, nil)
		return n
	}
	for _, late := range []int{0, 10, 50, 500} {
		a := newArrivals(start, 50, false, nil)
		n := count(a, at(185), 50) // the last step before the end
		n += count(a, at(200), a.lastRate)
		a.jump(0)
		n += count(a, at(200+late), 0)
		if n != 10 {
			t.Errorf("a step %d ms after the end: %d issued, want 10", late, n)
		}
	}
	// Drawn as a ramp, the same late step issues more than the plan had.
	a := newArrivals(start, 50, false, nil)
	if n := count(a, at(185), 50) + count(a, at(700), 0); n <= 10 {
		t.Errorf("a ramp to zero issued %d; the test no longer shows what the step is for", n)
	}
}
