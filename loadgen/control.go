package loadgen

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/trafficgen/trafficgen/plan"
)

// control is the engine's live state: the plan and its clock, the base rate
// factor, spikes, pause and hold. Every method holds a short mutex and never
// blocks on anything else, so the dashboard may call them from Update.
type control struct {
	mu sync.Mutex

	pc     plan.Config
	plan   plan.Plan
	factor float64 // base rate = pc.RPS × factor (the + and - keys)

	// The plan clock runs with the wall clock except while paused or held.
	planStart   time.Time
	stopped     time.Duration // time the clock stood still, so far
	stoppedFrom time.Time     // when it stopped; zero while it runs
	paused      bool
	held        bool
	pausedNow   atomic.Bool // paused, for isPaused: every request asks

	spikeMult   float64
	spikeLength time.Duration
	spikeUntil  time.Time
	spikeRate   float64

	userDelta int // users added (or removed) by hand

	// touched counts the live controls that change the load besides the
	// plan (spike, pause, users, stats reset): a knee step they fall in
	// is not judged (kneeFinder).
	touched uint64

	// trafficEnd is when the run's traffic ended (endTraffic); zero
	// while it runs.
	trafficEnd time.Time

	// wake nudges the scheduler after a change, so a spike starts at once
	// rather than after the scheduler's current sleep.
	wake chan struct{}
}

func newControl(mode plan.Mode, pc plan.Config, spikeMult float64, spikeLength time.Duration, now time.Time) *control {
	return &control{
		pc: pc, plan: plan.New(mode, pc), factor: 1,
		planStart: now, spikeMult: spikeMult, spikeLength: spikeLength,
		wake: make(chan struct{}, 1),
	}
}

func (c *control) nudge() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// planTime returns the plan clock at now. Callers hold mu.
func (c *control) planTime(now time.Time) time.Duration {
	stopped := c.stopped
	if !c.stoppedFrom.IsZero() {
		stopped += now.Sub(c.stoppedFrom)
	}
	return max(now.Sub(c.planStart)-stopped, 0)
}

// clockShouldStop says whether the plan clock stands still. Callers hold mu.
func (c *control) clockShouldStop() bool { return c.paused || c.held }

// syncClock starts or stops the plan clock after paused or held changed.
func (c *control) syncClock(now time.Time) {
	switch stop := c.clockShouldStop(); {
	case stop && c.stoppedFrom.IsZero():
		c.stoppedFrom = now
	case !stop && !c.stoppedFrom.IsZero():
		c.stopped += now.Sub(c.stoppedFrom)
		c.stoppedFrom = time.Time{}
	}
}

// offered is the open model's rate at now, spikes included, and whether
// its arrivals are a Poisson process (realistic mode).
func (c *control) offered(now time.Time) (float64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rateLocked(now), c.plan.Poisson
}

func (c *control) rateLocked(now time.Time) float64 {
	t := c.planTime(now)
	if l := c.plan.Length(); c.paused || l > 0 && t >= l || !c.trafficEnd.IsZero() && !now.Before(c.trafficEnd) {
		return 0 // a spike does not outlast the run
	}
	r := c.plan.RateAt(t)
	if c.plan.Mode != plan.ModeKnee { // the knee finder's rates are its own
		r *= c.factor
	}
	if now.Before(c.spikeUntil) {
		r += c.spikeRate
	}
	return r
}

// baseRate is RPS as changed by the + and - keys.
func (c *control) baseRate() float64 { return c.pc.RPS * c.factor }

// users is the number of journey users wanted at now.
func (c *control) users(now time.Time) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.paused {
		return 0
	}
	return max(c.plan.UsersAt(c.planTime(now))+c.userDelta, 0)
}

// finished says whether a finite plan's timeline is over.
func (c *control) finished(now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.plan.Length()
	return l > 0 && c.planTime(now) >= l
}

// untilEnd says how long until a finite plan's timeline is over, if its
// clock runs on; false for an endless plan or a clock that stands still.
func (c *control) untilEnd(now time.Time) (time.Duration, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.plan.Length()
	if l == 0 || c.clockShouldStop() {
		return 0, false
	}
	return max(l-c.planTime(now), 0), true
}

// endTraffic ends the run's traffic at now: the rate is zero from then on.
func (c *control) endTraffic(now time.Time) {
	c.mu.Lock()
	c.trafficEnd = now
	c.mu.Unlock()
	c.nudge()
}

// rateEnd is when the rate fell to zero for good: the end of the run's
// traffic, or of a finite plan's timeline (or when it will, if its clock
// runs on from now); false while neither is known.
func (c *control) rateEnd(now time.Time) (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	end, ok := c.trafficEnd, !c.trafficEnd.IsZero()
	if l := c.plan.Length(); l > 0 {
		if pe := now.Add(l - c.planTime(now)); !ok || pe.Before(end) {
			end, ok = pe, true
		}
	}
	return end, ok
}

// spike starts a live spike now, or extends the running one. It returns
// the added rate and its length.
func (c *control) spike(now time.Time) (float64, time.Duration) {
	c.mu.Lock()
	base := c.baseRate()
	if c.plan.Mode == plan.ModeKnee { // the step's rate is the base
		base = c.plan.RateAt(c.planTime(now))
	}
	c.spikeRate = c.spikeMult * base
	c.spikeUntil = now.Add(c.spikeLength)
	c.touched++
	r, l := c.spikeRate, c.spikeLength
	c.mu.Unlock()
	c.nudge()
	return r, l
}

// setMode switches to mode m, its timeline starting at now.
func (c *control) setMode(m plan.Mode, now time.Time) {
	c.mu.Lock()
	c.plan = plan.New(m, c.pc)
	c.planStart, c.stopped = now, 0
	c.held = false
	c.stoppedFrom = time.Time{}
	c.syncClock(now)
	c.mu.Unlock()
	c.nudge()
}

// scaleRate multiplies the base rate by f and returns the new base rate.
func (c *control) scaleRate(f float64) float64 {
	c.mu.Lock()
	c.factor *= f
	// Keep at least one request in ten seconds so the base rate can
	// always come back up by keys.
	if c.pc.RPS*c.factor < 0.1 && c.pc.RPS > 0 {
		c.factor = 0.1 / c.pc.RPS
	}
	r := c.baseRate()
	c.mu.Unlock()
	c.nudge()
	return r
}

// addUsers changes the journey user count by delta and returns the new
// wanted count.
func (c *control) addUsers(delta int, now time.Time) int {
	c.mu.Lock()
	base := c.plan.UsersAt(c.planTime(now))
	c.userDelta = max(c.userDelta+delta, -base)
	c.touched++
	n := base + c.userDelta
	c.mu.Unlock()
	return n
}

// togglePause pauses or resumes traffic and reports whether it is paused.
func (c *control) togglePause(now time.Time) bool {
	c.mu.Lock()
	c.paused = !c.paused
	c.pausedNow.Store(c.paused)
	c.touched++
	c.syncClock(now)
	p := c.paused
	c.mu.Unlock()
	c.nudge()
	return p
}

// toggleHold stops or restarts the plan clock (the current phase lasts
// until released) and reports whether it is held.
func (c *control) toggleHold(now time.Time) bool {
	c.mu.Lock()
	c.held = !c.held
	c.syncClock(now)
	h := c.held
	c.mu.Unlock()
	return h
}

// nextPhase jumps the plan clock to the start of the next phase. It
// returns the new phase's name, or an error in the last phase.
func (c *control) nextPhase(now time.Time) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.planTime(now)
	next, ok := c.plan.NextPhaseStart(t)
	if !ok {
		return "", fmt.Errorf("already in the last phase")
	}
	// Moving the start back advances the clock.
	c.planStart = c.planStart.Add(-(next - t))
	i, _ := c.plan.PhaseAt(next)
	c.nudge()
	return c.plan.Phases[i].Name, nil
}

// state fills in what the snapshot shows of the control state.
func (c *control) state(now time.Time) controlState {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.planTime(now)
	i, start := c.plan.PhaseAt(t)
	st := controlState{
		mode: c.plan.Mode, plan: c.plan, phase: i, phaseElapsed: t - start,
		planTime: t, baseRPS: c.baseRate(), target: c.rateLocked(now),
		paused: c.paused, held: c.held,
	}
	if now.Before(c.spikeUntil) {
		st.spikeLeft, st.spikeRate = c.spikeUntil.Sub(now), c.spikeRate
	}
	return st
}

type controlState struct {
	mode         plan.Mode
	plan         plan.Plan
	phase        int
	phaseElapsed time.Duration
	planTime     time.Duration
	baseRPS      float64
	target       float64
	spikeLeft    time.Duration
	spikeRate    float64
	paused, held bool
}

// isPaused says whether traffic is paused.
func (c *control) isPaused() bool { return c.pausedNow.Load() }

// setPlan replaces the plan and keeps its clock: the knee finder lays out
// its next step on the timeline it has run so far.
func (c *control) setPlan(p plan.Plan) {
	c.mu.Lock()
	c.plan = p
	c.mu.Unlock()
	c.nudge()
}

// clockState is what the knee finder reads of the control at a moment.
type clockState struct {
	t       time.Duration // the plan clock
	stopped bool          // the plan clock stands still
	spiking bool          // a live spike adds load
	mode    plan.Mode
	touched uint64 // the live controls counted so far
}

// clock returns the control's clockState at now.
func (c *control) clock(now time.Time) clockState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return clockState{t: c.planTime(now), stopped: c.clockShouldStop(), spiking: now.Before(c.spikeUntil),
		mode: c.plan.Mode, touched: c.touched}
}

// touch counts a live control the control does not see itself.
func (c *control) touch() {
	c.mu.Lock()
	c.touched++
	c.mu.Unlock()
}
