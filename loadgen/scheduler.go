package loadgen

import (
	"context"
	"math"
	"math/rand/v2"
	"time"
)

// Scheduler timing. The scheduler wakes when the next request is due, but
// at most maxWait later (so that the plan's rate changes are picked up),
// and sends it with the others due within batchWindow after it: a
// wake-up costs the CPU of several requests (see "Dispatch in batches" in
// docs/design.md). A request sent before its due time is timed from its
// send, one sent late from its due time. With a network client the sleep
// is precise ("The precise sleep").
const (
	// batchWindow is how far ahead a wake-up sends: the requests due
	// within it go out together. Wider saves wake-ups and makes the
	// arrivals the server sees burstier.
	batchWindow = 2 * time.Millisecond
	maxWait     = 50 * time.Millisecond
)

// arrivals turns a rate function into request due times. Request n (from
// 0) is due when the integral of the rate reaches n+½, so the number issued
// always equals the integral rounded; in Poisson mode the gaps between
// successive thresholds are exponential with mean 1 instead (the
// time-rescaling of a non-homogeneous Poisson process). It is pure: the
// caller supplies times and rates.
type arrivals struct {
	integral  float64 // ∫ rate dt from the start to last
	threshold float64 // the integral at which the next request is due
	last      time.Time
	lastRate  float64
	poisson   bool
	rnd       *rand.Rand
}

func newArrivals(start time.Time, rate float64, poisson bool, rnd *rand.Rand) *arrivals {
	a := &arrivals{last: start, lastRate: rate, poisson: poisson, rnd: rnd, threshold: 0.5}
	if poisson {
		a.threshold = rnd.ExpFloat64()
	}
	return a
}

// advance moves to now, where the rate is rate, and calls issue for every
// request that fell due in between, in order, until issue returns false;
// then it skips the rest of them in one step and calls skip (if not nil)
// with their number. Between two calls the rate is taken to change
// linearly (the trapezoid rule), which is exact for the plans' linear
// ramps.
func (a *arrivals) advance(now time.Time, rate float64, issue func(due time.Time) bool, skip func(n int64)) {
	span := now.Sub(a.last)
	if span <= 0 {
		return
	}
	from := a.integral
	inc := (a.lastRate + rate) / 2 * span.Seconds()
	a.integral += inc
	a.last, a.lastRate = now, rate
	for a.threshold <= a.integral {
		frac := (a.threshold - from) / inc
		ok := issue(now.Add(-time.Duration((1 - frac) * float64(span))))
		a.moveOn()
		if !ok {
			if skip != nil {
				skip(a.skipRest())
			}
			return
		}
	}
}

// jump makes the rate change to rate at the last time advanced to, as a
// step rather than the straight line advance takes: at a plan's end.
func (a *arrivals) jump(rate float64) { a.lastRate = rate }

// moveOn moves the threshold to the next request's.
func (a *arrivals) moveOn() {
	if a.poisson {
		a.threshold += a.rnd.ExpFloat64()
	} else {
		a.threshold++
	}
}

// skipRest moves past the requests due by now and returns their number:
// exactly for even spacing, the expected number for Poisson arrivals.
func (a *arrivals) skipRest() int64 {
	if a.threshold > a.integral {
		return 0
	}
	m := math.Floor(a.integral-a.threshold) + 1
	a.threshold += m
	return int64(m)
}

// untilNext estimates how long until the next request is due at rate.
func (a *arrivals) untilNext(rate float64) time.Duration {
	if rate <= 0 {
		return maxWait
	}
	return time.Duration((a.threshold - a.integral) / rate * float64(time.Second))
}

// scheduler issues the open model's requests. Each step reads the clock
// and the rate, advances the arrivals, hands each request that fell due
// to the pool or drops it when the in-flight cap is full, and says how
// long to sleep until the next one is due. Only its goroutine uses it.
type scheduler struct {
	e      *Engine
	pool   *workerPool
	reqCtx context.Context // the workers' requests' context
	arr    *arrivals
	rnd    *rand.Rand
	cap    stickyCap
	// maxInFlight is the in-flight cap at the last step; behind says
	// whether trafficgen, not the server, held it at the last drop.
	maxInFlight int
	behind      bool
	lastDue     time.Time // the last request's due time
	// the pool's upkeep: when it was last sized, and last retired from
	lastSize, lastRetire time.Time
	// s.issue and s.dropRest as arrivals.advance takes them, bound once
	issueFn func(time.Time) bool
	skipFn  func(int64)
}

func newScheduler(e *Engine, reqCtx context.Context, start time.Time) *scheduler {
	rate, poisson := e.offered(start)
	s := &scheduler{
		e: e, pool: &e.pool, reqCtx: reqCtx, rnd: e.newRand(1),
		cap:      stickyCap{lasts: e.cfg.Timeout},
		lastSize: start, lastRetire: start, lastDue: start,
	}
	s.arr = newArrivals(start, rate, poisson, s.rnd)
	s.maxInFlight = s.cap.at(start, inFlightCap(e.cfg.MaxInFlight, rate))
	s.issueFn, s.skipFn = s.issue, s.dropRest
	if e.probe == nil && e.cl.network() {
		// Only a client on real sockets competes with this process for
		// the CPU; an in-process one runs on a test's fake clock, where
		// the machine's load must not change what the pool does.
		e.probe = newCPUProbe()
	}
	s.pool.probe = e.probe
	s.pool.sizing.at = start
	return s
}

// pause is how long the scheduler sleeps after a step. exact says that it
// wakes for a request's own due time rather than at the end of a batch
// window, so that the wake-up's precision is worth a little CPU
// (preciseSleeper).
type pause struct {
	d     time.Duration
	exact bool
}

// step is one turn of the scheduler at now, read before the call. It
// returns how long to sleep before the next, or false when the run has
// ended (finish then counts what fell due and was not issued).
func (s *scheduler) step(now time.Time) (pause, bool) {
	e := s.e
	if e.ended.Load() {
		return pause{}, false
	}
	// Not ended: now, read before the look, is before the run's end, and
	// so is every request due by now.
	if s.pool.probe != nil {
		s.pool.probe.update(now)
	}
	rate, poisson := e.offered(now)
	if rate > 0 {
		s.maxInFlight = s.cap.at(now, inFlightCap(e.cfg.MaxInFlight, rate))
		e.appliedCap.Store(int64(s.maxInFlight))
	}
	s.arr.poisson = poisson
	// The arrivals run to the window's end at the plan's rate there, so
	// that their count is the plan's integral, as sampled at each step.
	horizon := now.Add(batchWindow)
	hr, _ := e.offered(horizon)
	s.advance(now, horizon, hr)
	if now.Sub(s.lastSize) >= sizeEvery {
		s.pool.setSize(now, rate)
		s.lastSize = now
	}
	if now.Sub(s.lastRetire) >= retireEvery {
		s.pool.retire(now)
		s.lastRetire = now
	}
	// The next wake-up is the next request's due time, after the window
	// just sent; it is exact when that request is alone in its window.
	next := s.arr.untilNext(hr)
	d := s.arr.last.Sub(now) + next
	return pause{d: min(d, maxWait), exact: next >= batchWindow && d <= maxWait}, true
}

// offered is the open model's rate at now, and whether its arrivals are a
// Poisson process; a scenario of journeys alone has none.
func (e *Engine) offered(now time.Time) (float64, bool) {
	rate, poisson := e.ctl.offered(now)
	if len(e.routes) == 0 {
		rate = 0
	}
	return rate, poisson
}

// advance issues the requests due up to horizon, the end of the batch
// window that starts at now, where the rate is rate. The end of the
// traffic or of the plan before horizon is a step of the rate to zero,
// not a ramp: the arrivals run to it at the last step's rate, and on at
// zero, so that nothing due after the end is sent early.
func (s *scheduler) advance(now, horizon time.Time, rate float64) {
	if end, ok := s.e.ctl.rateEnd(now); ok && !end.After(horizon) {
		if end.After(s.arr.last) {
			s.arr.advance(end, s.arr.lastRate, s.issueFn, s.skipFn)
		}
		s.arr.jump(0)
		rate = 0
	}
	s.arr.advance(horizon, rate, s.issueFn, s.skipFn)
}

// issue hands the request due at due to the pool, or drops it when the
// in-flight cap is full. It returns false to skip the rest of those due
// now when the cap is full (dropRest counts them).
func (s *scheduler) issue(due time.Time) bool {
	e := s.e
	s.lastDue = due
	ep := e.pickEndpoint(s.rnd)
	if e.inFlight.Load() >= int64(s.maxInFlight) {
		s.behind = s.pool.behind(s.maxInFlight)
		e.dropAtCap(e.routes[ep], due, s.behind, s.maxInFlight)
		return false
	}
	e.inFlight.Add(1)
	if w, id := s.pool.dispatch(job{endpoint: ep, due: due}); w != nil {
		s.pool.wg.Go(func() { e.worker(s.reqCtx, s.pool, w, id) })
	}
	return true
}

// dropRest counts the n requests skipped after a drop at the cap.
func (s *scheduler) dropRest(n int64) {
	if n > 0 {
		s.e.dropManyAtCap(s.rnd, n, s.lastDue, s.behind, s.maxInFlight)
	}
}

// finish closes the pool at the run's end, once Engine.stop has set it.
// Nothing due is lost, so that the count stays the integral of the rate:
// the requests due before the end that the scheduler, running behind, had
// not yet issued, and the jobs still waiting for a worker, count as
// dropped unsent.
func (s *scheduler) finish() {
	<-s.e.endedSet
	// The last stretch, up to the end of the traffic or of the plan, at
	// the last step's rate.
	until := s.e.endedAt
	if end, ok := s.e.ctl.rateEnd(until); ok && end.Before(until) {
		until = end
	}
	s.arr.advance(until, s.arr.lastRate, func(due time.Time) bool {
		s.e.dropUnsent(job{endpoint: s.e.pickEndpoint(s.rnd), due: due}, false)
		return true
	}, nil)
	for _, j := range s.pool.close() {
		s.e.dropUnsent(j, true)
	}
}

// schedule runs the scheduler from the run's start until its end (when
// nothing more is sent: Engine.stop), then closes the pool. Its arrivals
// start with the run, not with this goroutine, so that the count follows
// the plan's clock.
func (e *Engine) schedule(reqCtx context.Context, start time.Time) {
	s := newScheduler(e, reqCtx, start)
	defer s.finish()
	sl := newSleeper(e.cl.network(), e.ctl.wake, e.endedSet)
	defer sl.close()
	for p := (pause{}); sl.sleep(p); {
		var more bool
		if p, more = s.step(time.Now()); !more {
			return
		}
	}
}
