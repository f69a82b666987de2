package plan

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// KneeConfig says how the knee finder steps the rate up and what breaks a
// step. Zero values take the defaults (DefaultKnee); see "The knee
// finder" in docs/design.md for how a step is judged.
type KneeConfig struct {
	// Start is the first step's rate, in requests a second.
	Start float64
	// Factor multiplies the rate from one step to the next; Increment,
	// when above zero, is added instead.
	Factor, Increment float64
	// Refine is the finer factor the climb resumes with, from the last
	// good rate, once a step has broken the objective; 1 stops at the
	// first break.
	Refine float64
	// Step is how long each step lasts; Settle is the part at its start
	// that its window leaves out.
	Step, Settle time.Duration
	// Ceiling is the highest rate the finder offers.
	Ceiling float64
	// SLO is what a step must meet to pass.
	SLO SLO
}

// SLO is the service-level objective a knee step is judged on: each bound
// over the step's own window. Zero values take the defaults.
type SLO struct {
	// P99 bounds the 99th percentile latency; zero sets it from the first
	// step that meets the others (the baseline): its p99 plus its p50, and
	// at least AutoP99Gap above its p99. A queue adds its wait to every
	// request, so a wait as long as a typical request is a bend.
	P99 time.Duration
	// Errors bounds the share of completed requests that failed (0–1).
	Errors float64
	// Achieved is the least share of the offered rate that must complete
	// (0–1): below it the service is not keeping up.
	Achieved float64
	// Dropped bounds the share of requests due that were dropped at the
	// in-flight cap (0–1).
	Dropped float64
}

// DefaultKnee is the knee finder's configuration when nothing is given:
// steps that suit a service on the same machine, reaching 10,000 req/s
// in 14 steps.
var DefaultKnee = KneeConfig{
	Start: 50, Factor: 1.5, Refine: 1.1,
	Step: 10 * time.Second, Settle: 2 * time.Second,
	Ceiling: 10_000,
	SLO:     SLO{Errors: 0.05, Achieved: 0.9, Dropped: 0.001},
}

// AutoP99Gap is the least an automatic p99 bound stands above the
// baseline's p99, so that a fast service's small jitter does not count as
// a bend.
const AutoP99Gap = 50 * time.Millisecond

// kneeHoldSteps is how many steps long the hold lasts when the run's
// length was not given: long enough to see the service recover.
const kneeHoldSteps = 3

// maxRecoverTries is how many recovery steps at a good rate may fail
// before that rate counts as not sustained after all.
const maxRecoverTries = 3

// minKneeRate is the lowest rate a search that breaks at its first steps
// goes down to.
const minKneeRate = 1

// WithDefaults returns c with its zero values set from DefaultKnee.
func (c KneeConfig) WithDefaults() KneeConfig {
	d := DefaultKnee
	if c.Start == 0 {
		c.Start = d.Start
	}
	if c.Factor == 0 && c.Increment == 0 {
		c.Factor = d.Factor
	}
	if c.Refine == 0 {
		c.Refine = d.Refine
	}
	if c.Step == 0 {
		c.Step = d.Step
	}
	if c.Settle == 0 {
		c.Settle = d.Settle
	}
	if c.Ceiling == 0 {
		c.Ceiling = max(d.Ceiling, c.Start)
	}
	if c.SLO.Errors == 0 {
		c.SLO.Errors = d.SLO.Errors
	}
	if c.SLO.Achieved == 0 {
		c.SLO.Achieved = d.SLO.Achieved
	}
	if c.SLO.Dropped == 0 {
		c.SLO.Dropped = d.SLO.Dropped
	}
	return c
}

// Validate reports a configuration the finder cannot run, after
// WithDefaults.
func (c KneeConfig) Validate() error {
	switch {
	case !(c.Start > 0):
		return fmt.Errorf("knee start must be above 0 req/s, got %g", c.Start)
	case c.Increment < 0 || c.Increment == 0 && !(c.Factor > 1):
		return fmt.Errorf("knee steps must rise: a factor above 1 or an increment above 0 (factor %g, increment %g)", c.Factor, c.Increment)
	case !(c.Refine >= 1):
		return fmt.Errorf("knee refine factor must be 1 (off) or more, got %g", c.Refine)
	case c.Step <= 0:
		return fmt.Errorf("knee step must be positive, got %v", c.Step)
	case c.Settle < 0 || c.Settle >= c.Step:
		return fmt.Errorf("knee settle time must be at least 0 and shorter than the step (%v), got %v", c.Step, c.Settle)
	case !(c.Ceiling >= c.Start):
		return fmt.Errorf("knee ceiling (%g req/s) must not be below the start (%g req/s)", c.Ceiling, c.Start)
	case c.SLO.P99 < 0:
		return fmt.Errorf("knee p99 bound must not be negative, got %v", c.SLO.P99)
	}
	for _, b := range []struct {
		name string
		v    float64
	}{{"error ratio", c.SLO.Errors}, {"achieved ratio", c.SLO.Achieved}, {"dropped ratio", c.SLO.Dropped}} {
		if !(b.v >= 0 && b.v <= 1) {
			return fmt.Errorf("knee %s must be from 0 to 1 (0%%–100%%), got %g", b.name, b.v)
		}
	}
	return nil
}

// StepFigures are what a step's window measured: what the objective is
// checked against.
type StepFigures struct {
	// Target is the offered rate; Elapsed the window's length.
	Target  float64
	Elapsed time.Duration
	// Total counts completed requests, Errors the failed ones among
	// them, Dropped the requests due and not sent.
	Total, Errors, Dropped int64
	P50, P99               time.Duration
}

// Achieved is the completions a second over the window.
func (f StepFigures) Achieved() float64 {
	if f.Elapsed <= 0 {
		return 0
	}
	return float64(f.Total) / f.Elapsed.Seconds()
}

// ErrorRatio is the share of completed requests that failed.
func (f StepFigures) ErrorRatio() float64 { return ratio(f.Errors, f.Total) }

// DroppedRatio is the share of the requests due that were dropped.
func (f StepFigures) DroppedRatio() float64 { return ratio(f.Dropped, f.Total+f.Dropped) }

func ratio(n, d int64) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / float64(d)
}

// KneeState is where a knee search stands.
type KneeState int

// The states of a search. It climbs by Factor until a step breaks the
// objective; then it recovers (holds the last good rate until a step
// passes again) and refines (climbs again from there by Refine) until a
// step breaks again; then it recovers once more and holds.
const (
	KneeClimbing KneeState = iota
	KneeRecovering
	KneeRefining
	KneeHolding
)

var kneeStateNames = [...]string{"climbing", "recovering", "refining", "holding"}

func (s KneeState) String() string {
	if s >= 0 && int(s) < len(kneeStateNames) {
		return kneeStateNames[s]
	}
	return fmt.Sprintf("state(%d)", int(s))
}

// The kinds of step, as the step table names them.
const (
	StepClimb   = "climb"
	StepRecover = "recover"
	StepRefine  = "refine"
	StepHold    = "hold"
)

// Knee is a knee search as pure data: the rate of the step under way,
// and how each verdict moves it on. It knows nothing of time or of the
// engine; the engine runs each step, measures its window and calls
// Check and Advance.
type Knee struct {
	cfg   KneeConfig
	state KneeState
	rate  float64 // the step under way, or the hold
	// good is the highest rate whose step passed (0: none yet), goods
	// every rate that did, rising; bad is the lowest that broke (0: none).
	good  float64
	goods []float64
	bad   float64
	tries int  // recovery steps that failed at the current good rate
	final bool // the recovery under way leads to the hold
	// base50 and base99 are the p50 and p99 of the first step that met
	// the other bounds: the automatic p99 bound's baseline (0: none yet).
	base50, base99 time.Duration
	note           string
}

// NewKnee starts a search with c (defaults applied), at its first step.
func NewKnee(c KneeConfig) *Knee {
	c = c.WithDefaults()
	return &Knee{cfg: c, rate: min(c.Start, c.Ceiling)}
}

// Config is the search's configuration, defaults applied.
func (k *Knee) Config() KneeConfig { return k.cfg }

// State is where the search stands.
func (k *Knee) State() KneeState { return k.state }

// Rate is the rate of the step under way, or of the hold.
func (k *Knee) Rate() float64 { return k.rate }

// Kind names the step under way (StepClimb, …, StepHold).
func (k *Knee) Kind() string {
	return [...]string{StepClimb, StepRecover, StepRefine, StepHold}[k.state]
}

// Good is the highest sustained rate so far: the highest whose step
// passed and was not undone by failed recoveries; 0 for none.
func (k *Knee) Good() float64 { return k.good }

// Bad is the lowest rate whose step broke the objective; 0 for none.
func (k *Knee) Bad() float64 { return k.bad }

// Note says why the search holds, once it does.
func (k *Knee) Note() string { return k.note }

// P99Bound is the p99 bound steps are checked against now: the
// configured one, or the automatic one (zero until a baseline is known).
func (k *Knee) P99Bound() time.Duration {
	if k.cfg.SLO.P99 > 0 {
		return k.cfg.SLO.P99
	}
	if k.base99 <= 0 {
		return 0
	}
	return k.base99 + max(k.base50, AutoP99Gap)
}

// SLOText is the objective in words, e.g. "p99 ≤ 980ms, errors ≤ 5%,
// achieved ≥ 90%, dropped ≤ 0.1%".
func (k *Knee) SLOText() string {
	o := k.cfg.SLO
	p99 := "p99 ≤ the first step's + its p50"
	if b := k.P99Bound(); b > 0 {
		p99 = "p99 ≤ " + durText(b)
	}
	return fmt.Sprintf("%s, errors ≤ %s, achieved ≥ %s, dropped ≤ %s", p99, pctText(o.Errors), pctText(o.Achieved), pctText(o.Dropped))
}

// Check returns what of the objective f breaks, in words ("p99 1.42s >
// 980ms"); none means the step passed. Before a baseline is known the
// p99 is not checked.
func (k *Knee) Check(f StepFigures) []string {
	o := k.cfg.SLO
	var out []string
	if f.Total == 0 {
		return []string{"no request completed"}
	}
	if b := k.P99Bound(); b > 0 && f.P99 > b {
		out = append(out, fmt.Sprintf("p99 %s > %s", durText(f.P99), durText(b)))
	}
	if r := f.ErrorRatio(); r > o.Errors {
		out = append(out, fmt.Sprintf("errors %s > %s", pctText(r), pctText(o.Errors)))
	}
	if f.Target > 0 {
		if a := f.Achieved() / f.Target; a < o.Achieved {
			out = append(out, fmt.Sprintf("achieved %s/s < %s of %s/s", RateText(f.Achieved()), pctText(o.Achieved), RateText(f.Target)))
		}
	}
	if r := f.DroppedRatio(); r > o.Dropped {
		out = append(out, fmt.Sprintf("dropped %s > %s", pctText(r), pctText(o.Dropped)))
	}
	return out
}

// Advance moves the search on after the step under way: pass says
// whether it met the objective, and f is what its window measured (the
// first passing step's latency is the automatic bound's baseline). It
// returns whether the search now holds.
func (k *Knee) Advance(pass bool, f StepFigures) bool {
	if pass && k.base99 == 0 && k.cfg.SLO.P99 == 0 {
		k.base50, k.base99 = f.P50, max(f.P99, time.Microsecond)
	}
	switch k.state {
	case KneeClimbing, KneeRefining:
		if pass {
			k.passed()
		} else {
			k.broke()
		}
	case KneeRecovering:
		if pass {
			k.recovered()
		} else {
			k.recoveryFailed()
		}
	}
	return k.state == KneeHolding
}

// passed takes the rate under way as good and moves up.
func (k *Knee) passed() {
	k.good = k.rate
	k.goods = append(k.goods, k.rate)
	if k.state == KneeClimbing {
		if k.rate >= k.cfg.Ceiling {
			k.hold(k.rate, fmt.Sprintf("no break up to the ceiling (%s req/s)", RateText(k.cfg.Ceiling)))
			return
		}
		next := k.climb(k.rate)
		if k.bad == 0 || next < k.bad {
			k.rate = next
			return
		}
		k.state = KneeRefining // the next climb would reach a rate that broke
	}
	k.refine()
}

// refine moves to the next finer step, or holds when it would reach a
// rate that broke (or refining is off).
func (k *Knee) refine() {
	next := roundRate(k.good * k.cfg.Refine)
	if k.cfg.Refine <= 1 || next <= k.good || k.bad > 0 && next >= k.bad {
		k.hold(k.good, k.brokeNote())
		return
	}
	k.state, k.rate = KneeRefining, next
}

// broke notes the rate under way as bad and steps back: to the last good
// rate, to recover there, or, with none yet, down by half.
func (k *Knee) broke() {
	refining := k.state == KneeRefining
	k.bad = k.rate
	if k.good == 0 {
		if next := roundRate(k.rate / 2); next >= minKneeRate {
			k.rate = next
			return
		}
		k.hold(0, fmt.Sprintf("every step broke the objective, down to %s req/s", RateText(k.rate)))
		return
	}
	k.state, k.rate, k.tries = KneeRecovering, k.good, 0
	next := roundRate(k.good * k.cfg.Refine)
	k.final = refining || k.cfg.Refine <= 1 || next <= k.good || next >= k.bad
}

// recovered moves on from a recovery step that passed: to the hold after
// the last break, else to refining.
func (k *Knee) recovered() {
	if k.final {
		k.hold(k.good, k.brokeNote())
		return
	}
	k.refine()
}

// recoveryFailed counts a recovery step that broke the objective; after
// maxRecoverTries the good rate was not sustained after all, and the
// search steps back to the one before it.
func (k *Knee) recoveryFailed() {
	k.tries++
	if k.tries < maxRecoverTries {
		return
	}
	k.bad, k.tries, k.final = k.good, 0, true
	k.goods = k.goods[:len(k.goods)-1]
	for len(k.goods) > 0 && k.goods[len(k.goods)-1] >= k.bad {
		k.goods = k.goods[:len(k.goods)-1]
	}
	if len(k.goods) == 0 {
		k.good = 0
		k.hold(0, fmt.Sprintf("no rate was sustained: %s req/s did not recover", RateText(k.bad)))
		return
	}
	k.good = k.goods[len(k.goods)-1]
	k.rate = k.good
}

func (k *Knee) hold(rate float64, note string) {
	k.state, k.rate, k.note = KneeHolding, rate, note
}

func (k *Knee) brokeNote() string {
	return fmt.Sprintf("the objective broke at %s req/s", RateText(k.bad))
}

// climb is the coarse step after rate, at most the ceiling.
func (k *Knee) climb(rate float64) float64 {
	next := rate * k.cfg.Factor
	if k.cfg.Increment > 0 {
		next = rate + k.cfg.Increment
	}
	return min(roundRate(next), k.cfg.Ceiling)
}

// roundRate rounds a step's rate to three significant figures, so the
// steps read as round numbers (169, not 168.75).
func roundRate(r float64) float64 {
	if r <= 0 {
		return 0
	}
	p := math.Pow(10, math.Floor(math.Log10(r))-2)
	// Through decimal text, so that 90.75 becomes 90.8 and not
	// 90.80000000000001.
	v, _ := strconv.ParseFloat(strconv.FormatFloat(math.Round(r/p)*p, 'g', 3, 64), 64)
	return v
}

// StepName names a step's phase: "step 3 · 113 req/s".
func StepName(n int, kind string, rate float64) string {
	if kind == StepHold {
		return "hold · " + RateText(rate) + " req/s"
	}
	return fmt.Sprintf("step %d %s · %s req/s", n, kind, RateText(rate))
}

// KneePlan lays a knee search out as a plan: the phases of the steps
// taken (as long as each ran on the plan clock), then the step under way,
// cur. While searching, cur lasts a step and a pending phase at its rate
// follows, so that the rate stays put until the step is judged; holding,
// cur is the hold, which lasts kneeHoldSteps steps, or the rest of the
// run when its length was given (for ever when that is zero). A given
// length cuts the plan there.
func KneePlan(c Config, taken []Phase, cur Phase, holding bool) Plan {
	kc := c.Knee.WithDefaults()
	p := Plan{Mode: ModeKnee, Phases: append(make([]Phase, 0, len(taken)+2), taken...)}
	var done time.Duration
	for _, ph := range taken {
		done += ph.Length
	}
	if holding {
		switch {
		case !c.DurationSet:
			cur.Length = kneeHoldSteps * kc.Step
		case c.Duration == 0:
			cur.Length = 0
		default:
			cur.Length = max(c.Duration-done, time.Nanosecond)
		}
		p.Phases = append(p.Phases, cur)
		return p
	}
	cur.Length = kc.Step
	pending := cur
	pending.Name += " (judging)"
	p.Phases = append(p.Phases, cur, pending)
	if c.DurationSet && c.Duration > 0 {
		p.Phases = cut(p.Phases, c.Duration)
	}
	return p
}

// cut shortens phases to end at length.
func cut(phases []Phase, length time.Duration) []Phase {
	var at time.Duration
	for i, ph := range phases {
		if at+ph.Length >= length {
			phases[i].Length = max(length-at, time.Nanosecond)
			return phases[:i+1]
		}
		at += ph.Length
	}
	return phases
}

// RateText writes a rate without needless decimals: "113", "7.5".
func RateText(r float64) string {
	if r >= 100 || r == math.Trunc(r) {
		return fmt.Sprintf("%.0f", r)
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.1f", r), "0"), ".")
}

// pctText writes a ratio as a percentage: "5%", "0.1%".
func pctText(r float64) string {
	p := r * 100
	switch {
	case p == math.Trunc(p):
		return fmt.Sprintf("%.0f%%", p)
	case p >= 1:
		return fmt.Sprintf("%.1f%%", p)
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", p), "0"), ".") + "%"
}

// durText writes a latency bound with three significant figures.
func durText(d time.Duration) string {
	switch {
	case d >= time.Second:
		return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", d.Seconds()), "0"), ".") + "s"
	case d >= time.Millisecond:
		ms := float64(d) / float64(time.Millisecond)
		if ms >= 100 {
			return fmt.Sprintf("%.0fms", ms)
		}
		return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.1f", ms), "0"), ".") + "ms"
	}
	return fmt.Sprintf("%dµs", d.Microseconds())
}
