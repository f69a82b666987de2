package loadgen

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/trafficgen/trafficgen/stats"
)

// Scheduler timing. The scheduler sleeps until the next request is due,
// but never less than minWait (issuing every request that fell due
// meanwhile, each timed from its own due time) nor more than maxWait (so
// rate changes by the plan are picked up).
const (
	minWait = 500 * time.Microsecond
	maxWait = 50 * time.Millisecond
)

// job is one open-model request: which endpoint, and when it was due.
type job struct {
	endpoint int
	due      time.Time
}

// arrivals turns a rate function into request due times. Request n (from
// 0) is due when the integral of the rate reaches n+½, so the number issued
// always equals the integral rounded; in Poisson mode the gaps between
// successive thresholds are exponential with mean 1 instead (the
// time-rescaling of a non-homogeneous Poisson process). It is pure: the
// caller supplies times and rates.
type arrivals struct {
	integral float64 // ∫ rate dt from the start to last
	next     float64 // the integral at which the next request is due
	last     time.Time
	lastRate float64
	poisson  bool
	rnd      *rand.Rand
}

func newArrivals(start time.Time, rate float64, poisson bool, rnd *rand.Rand) *arrivals {
	a := &arrivals{last: start, lastRate: rate, poisson: poisson, rnd: rnd, next: 0.5}
	if poisson {
		a.next = rnd.ExpFloat64()
	}
	return a
}

// advance moves to now, where the rate is rate, and calls due for every
// request that fell due in between, in order. Between two calls the rate is
// taken to change linearly (the trapezoid rule), which is exact for the
// plans' linear ramps.
func (a *arrivals) advance(now time.Time, rate float64, due func(time.Time)) {
	span := now.Sub(a.last)
	if span <= 0 {
		return
	}
	from := a.integral
	inc := (a.lastRate + rate) / 2 * span.Seconds()
	a.integral += inc
	for a.next <= a.integral {
		frac := (a.next - from) / inc
		due(a.last.Add(time.Duration(frac * float64(span))))
		if a.poisson {
			a.next += a.rnd.ExpFloat64()
		} else {
			a.next++
		}
	}
	a.last, a.lastRate = now, rate
}

// untilNext estimates how long until the next request is due at rate.
func (a *arrivals) untilNext(rate float64) time.Duration {
	if rate <= 0 {
		return maxWait
	}
	return time.Duration((a.next - a.integral) / rate * float64(time.Second))
}

// schedule issues open-model requests until runCtx ends, then closes the
// job queue; the workers finish what they hold.
func (e *Engine) schedule(runCtx, reqCtx context.Context) {
	jobs := make(chan job, e.cfg.MaxInFlight)
	var workers sync.WaitGroup
	nWorkers := int64(0)
	defer func() {
		close(jobs)
		workers.Wait()
		close(e.workersDone)
	}()
	rnd := e.newRand(1)
	start := time.Now()
	a := newArrivals(start, e.ctl.rate(start), e.ctl.poisson(), rnd)
	timer := time.NewTimer(0)
	defer timer.Stop()
	dispatch := func(due time.Time) {
		ep := e.pickEndpoint(rnd)
		n := e.inFlight.Load()
		if n >= int64(e.cfg.MaxInFlight) {
			e.rec.Dropped(e.routes[ep], due)
			return
		}
		e.inFlight.Add(1)
		if nWorkers <= n {
			nWorkers++
			id := nWorkers
			workers.Go(func() { e.worker(reqCtx, jobs, id) })
		}
		jobs <- job{endpoint: ep, due: due}
	}
	for {
		select {
		case <-runCtx.Done():
			return
		case <-e.ctl.wake:
		case <-timer.C:
		}
		now := time.Now()
		rate := e.ctl.rate(now)
		a.poisson = e.ctl.poisson()
		if len(e.routes) > 0 {
			a.advance(now, rate, dispatch)
		} else {
			a.advance(now, 0, dispatch)
		}
		timer.Reset(min(max(a.untilNext(rate), minWait), maxWait))
	}
}

// worker sends the jobs it takes from the queue.
func (e *Engine) worker(ctx context.Context, jobs <-chan job, id int64) {
	rnd := e.newRand(100 + uint64(id))
	env := e.run.NewEnv(rnd, nil)
	var sc scratch
	for j := range jobs {
		req := e.scn.Endpoints[j.endpoint]
		e.rec.Sent(time.Now())
		ex := e.cl.do(ctx, req, env, &sc)
		end := time.Now()
		if ex.kind == stats.KindNone {
			// Captures feed the id pools; a capture miss in the random mix
			// does not fail the request (journeys report those).
			_, _ = req.Apply(ex.body, env)
		}
		e.rec.Record(stats.Result{
			Route: e.routes[j.endpoint], Code: ex.code, Kind: ex.kind,
			Latency: end.Sub(j.due), End: end,
		})
		e.inFlight.Add(-1)
	}
}

// workersIdle waits until the open-model (or closed-loop) workers have
// finished.
func (e *Engine) workersIdle() { <-e.workersDone }

// closedLoop runs the max-throughput mode: Concurrency workers, each
// sending its next request as soon as the previous one is answered.
// Latency is measured from the moment each request was sent.
func (e *Engine) closedLoop(runCtx, reqCtx context.Context) {
	defer close(e.workersDone)
	var wg sync.WaitGroup
	for i := range e.cfg.Concurrency {
		wg.Go(func() {
			rnd := e.newRand(100 + uint64(i))
			env := e.run.NewEnv(rnd, nil)
			var sc scratch
			for runCtx.Err() == nil {
				if e.ctl.isPaused() {
					select {
					case <-runCtx.Done():
					case <-time.After(20 * time.Millisecond):
					}
					continue
				}
				ep := e.pickEndpoint(rnd)
				req := e.scn.Endpoints[ep]
				start := time.Now()
				e.rec.Sent(start)
				ex := e.cl.do(reqCtx, req, env, &sc)
				end := time.Now()
				if ex.kind == stats.KindNone {
					_, _ = req.Apply(ex.body, env)
				}
				e.rec.Record(stats.Result{
					Route: e.routes[ep], Code: ex.code, Kind: ex.kind,
					Latency: end.Sub(start), End: end,
				})
			}
		})
	}
	wg.Wait()
}
