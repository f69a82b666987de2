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
// rate changes by the plan are picked up). With a network client it
// sleeps precisely (preciseSleeper): a long wait on a Go timer until
// preciseTail before the due time, then the rest on a timerfd.
const (
	minWait     = 200 * time.Microsecond
	maxWait     = 50 * time.Millisecond
	preciseTail = 1500 * time.Microsecond
	// lateSpawn and slowStarts pace new open-model workers: see workerPool.
	lateSpawn  = 500 * time.Microsecond
	slowStarts = 2
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
	var pool workerPool
	defer func() {
		pool.close()
		close(e.workersDone)
	}()
	rnd := e.newRand(1)
	start := time.Now()
	a := newArrivals(start, e.ctl.rate(start), e.ctl.poisson(), rnd)
	timer := time.NewTimer(0)
	defer timer.Stop()
	var ps *preciseSleeper
	precise := e.cl.network()
	if precise {
		ps = newPreciseSleeper()
		defer ps.close()
	}
	dispatch := func(due time.Time) {
		ep := e.pickEndpoint(rnd)
		n := e.inFlight.Load()
		if n >= int64(e.cfg.MaxInFlight) {
			e.rec.Dropped(e.routes[ep], due)
			return
		}
		e.inFlight.Add(1)
		if w := pool.dispatch(job{endpoint: ep, due: due}); w != nil {
			id := uint64(len(pool.all))
			pool.wg.Go(func() { e.worker(reqCtx, &pool, w, id) })
		}
	}
	wait := time.Duration(0)
	for {
		if precise && wait <= preciseTail {
			ps.sleep(wait)
			if runCtx.Err() != nil {
				return
			}
		} else {
			if precise {
				wait -= preciseTail
			}
			timer.Reset(wait)
			select {
			case <-runCtx.Done():
				return
			case <-e.ctl.wake:
			case <-timer.C:
			}
		}
		now := time.Now()
		rate := e.ctl.rate(now)
		a.poisson = e.ctl.poisson()
		if len(e.routes) > 0 {
			a.advance(now, rate, dispatch)
		} else {
			a.advance(now, 0, dispatch)
		}
		wait = min(max(a.untilNext(rate), minWait), maxWait)
	}
}

// workerPool holds the open-model workers. Each has a one-job inbox; an
// idle worker waits on a stack, and the scheduler hands the next job to
// the one that went idle last (LIFO), so the fewest workers, with their
// connections and buffers, stay warm at any rate. (A shared FIFO channel
// would cycle every job through every worker ever started: after a burst,
// a thousand cold connections.)
//
// When no worker is idle the job waits in a backlog (it is in flight, and
// its latency runs from its due time) for the first worker to finish, and
// a new worker (with a new connection) starts for it, unless the
// scheduler is running late (lateSpawn behind the due time: the CPU, not
// the server, is the bottleneck) and slowStarts workers are already
// starting. More connections cost more CPU per request (a closed loop at
// 500 connections costs 1.75x the CPU per request of one at 10), so
// starting one per job while the CPU is behind, as a burst at 20,000 req/s
// at start-up is, feeds on itself until the in-flight cap drops requests.
// A slow server with the CPU idle gets one worker per waiting job at once.
type workerPool struct {
	mu       sync.Mutex
	idle     []*poolWorker
	backlog  []job
	head     int // backlog[head:] waits
	starting int // workers started that have not finished a job yet
	all      []*poolWorker
	wg       sync.WaitGroup
}

type poolWorker struct{ jobs chan job }

// dispatch hands j to the worker that went idle last, or queues it; it
// returns a new worker for the caller to start, or nil.
func (p *workerPool) dispatch(j job) *poolWorker {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		w.jobs <- j
		return nil
	}
	p.backlog = append(p.backlog, j)
	if time.Since(j.due) >= lateSpawn && p.starting >= slowStarts {
		p.mu.Unlock()
		return nil
	}
	p.starting++
	w := &poolWorker{jobs: make(chan job, 1)}
	p.all = append(p.all, w)
	p.mu.Unlock()
	return w
}

// next returns the next backlog job for worker w, or parks w on the idle
// stack and returns false. *starting says w still counts as starting; it
// stops when w has done a job (its connection is up) or parks.
func (p *workerPool) next(w *poolWorker, starting *bool, done bool) (job, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if *starting && done {
		p.starting--
		*starting = false
	}
	if p.head < len(p.backlog) {
		j := p.backlog[p.head]
		p.head++
		if p.head == len(p.backlog) {
			p.backlog, p.head = p.backlog[:0], 0
		}
		return j, true
	}
	if *starting {
		p.starting--
		*starting = false
	}
	p.idle = append(p.idle, w)
	return job{}, false
}

// close tells every worker to stop once the backlog is done and waits for
// them. The scheduler calls it after its last dispatch.
func (p *workerPool) close() {
	p.mu.Lock()
	all := p.all
	p.mu.Unlock()
	for _, w := range all {
		close(w.jobs)
	}
	p.wg.Wait()
}

// worker sends jobs: first from the backlog (a new worker starts because
// one is waiting), then whatever the scheduler hands it.
func (e *Engine) worker(ctx context.Context, pool *workerPool, w *poolWorker, id uint64) {
	rnd := e.newRand(100 + id)
	env := e.run.NewEnv(rnd, nil)
	var sc scratch
	starting, done := true, false
	for {
		j, ok := pool.next(w, &starting, done)
		done = true
		if !ok {
			if j, ok = <-w.jobs; !ok {
				return
			}
		}
		req := e.scn.Endpoints[j.endpoint]
		e.rec.Sent(time.Now())
		ex := e.cl.do(ctx, req, env, &sc)
		end := time.Now()
		if ex.kind == stats.KindNone {
			// Captures feed the id pools; a capture miss in the random mix
			// does not fail the request (journeys report those).
			_, _ = req.Apply(ex.body, env)
		}
		e.record(e.routes[j.endpoint], ex, j.due, end)
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
				e.record(e.routes[ep], ex, start, end)
			}
		})
	}
	wg.Wait()
}
