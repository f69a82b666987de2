package loadgen

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/trafficgen/trafficgen/stats"
)

// Scheduler timing. The scheduler sleeps until the next request is due,
// but never less than minWait (issuing every request that fell due
// meanwhile, each timed from its own due time) nor more than maxWait (so
// rate changes by the plan are picked up). With a network client it
// sleeps precisely (preciseSleeper): a long wait on a Go timer until
// preciseTail before the due time, then the rest on a timerfd, its last
// spinTail awake.
const (
	minWait     = 200 * time.Microsecond
	maxWait     = 50 * time.Millisecond
	preciseTail = 1500 * time.Microsecond
	// lateSpawn and slowStarts pace new open-model workers: see workerPool.
	lateSpawn  = 500 * time.Microsecond
	slowStarts = 2
	// busyFloor is the least limit the sizer sets on a CPU-bound pool.
	busyFloor = 64
	// idleRetire is how long an open-model worker may sit idle before it
	// is retired (the scheduler looks once a second), so that the pool
	// follows the in-flight count of the last second or two: a burst's or
	// a stall's extra workers do not outlive it for long. A worker is a
	// goroutine and its scratch buffers, cheap to start again; the
	// connections are fasthttp's, kept for idleConnTimeout whichever
	// worker used them.
	idleRetire = time.Second
	// keepIdle idle workers are never retired, so that a rate of one
	// request every second or two does not start a worker for each.
	keepIdle = 2
	// compactFrom is how many jobs taken from the front of the backlog
	// let it move the rest to the front (workerPool.next).
	compactFrom = 1024
	// stopCheck is how many due requests the scheduler issues between two
	// checks for the end of the run, when it is catching up a backlog.
	stopCheck = 256
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
// request that fell due in between, in order, until due returns false;
// then it skips the rest of them in one step and calls rest (if not nil)
// with their number. Between two calls the rate is taken to change
// linearly (the trapezoid rule), which is exact for the plans' linear
// ramps.
func (a *arrivals) advance(now time.Time, rate float64, due func(time.Time) bool, rest func(n int64)) {
	span := now.Sub(a.last)
	if span <= 0 {
		return
	}
	from := a.integral
	inc := (a.lastRate + rate) / 2 * span.Seconds()
	a.integral += inc
	a.last, a.lastRate = now, rate
	for a.next <= a.integral {
		frac := (a.next - from) / inc
		ok := due(now.Add(-time.Duration((1 - frac) * float64(span))))
		if a.poisson {
			a.next += a.rnd.ExpFloat64()
		} else {
			a.next++
		}
		if !ok {
			var n int64
			if a.next <= a.integral {
				// The requests left: exactly for even spacing, the
				// expected number for Poisson arrivals.
				m := math.Floor(a.integral-a.next) + 1
				n = int64(m)
				a.next += m
			}
			if rest != nil {
				rest(n)
			}
			return
		}
	}
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
	pool := &e.pool
	defer func() {
		pool.close()
		close(e.workersDone)
	}()
	rnd := e.newRand(1)
	pool.rq = newRunQueue()
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
	// dispatch issues one request due at t, or drops it when the in-flight
	// cap is full; it returns false to skip the rest of those due now: at
	// the end of the run, or when the cap is full (dropRest counts them as
	// dropped in one step, so a rate far beyond the machine costs the
	// scheduler little more than its own).
	issued, stopping, lastDue, behind := 0, false, start, false
	hold := capHold{hold: e.cfg.Timeout}
	limit := hold.at(start, inFlightCap(e.cfg.MaxInFlight, e.ctl.rate(start)))
	dispatch := func(due time.Time) bool {
		if issued++; issued%stopCheck == 0 && runCtx.Err() != nil {
			stopping = true
			return false
		}
		lastDue = due
		ep := e.pickEndpoint(rnd)
		if e.inFlight.Load() >= int64(limit) {
			behind = pool.behind(limit)
			e.rec.Dropped(e.routes[ep], due)
			e.rec.DropCause(1, behind, limit)
			return false
		}
		e.inFlight.Add(1)
		if w, id := pool.dispatch(job{endpoint: ep, due: due}); w != nil {
			pool.wg.Go(func() { e.worker(reqCtx, pool, w, id) })
		}
		return true
	}
	dropRest := func(n int64) {
		if !stopping && n > 0 {
			e.dropMany(rnd, n, lastDue)
			e.rec.DropCause(n, behind, limit)
		}
	}
	lastRetire, lastSize := start, start
	pool.sizing.at = start
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
		pool.rq.update(now)
		rate := e.ctl.rate(now)
		if rate > 0 {
			limit = hold.at(now, inFlightCap(e.cfg.MaxInFlight, rate))
			e.inFlightLimit.Store(int64(limit))
		}
		a.poisson = e.ctl.poisson()
		if len(e.routes) > 0 {
			a.advance(now, rate, dispatch, dropRest)
		} else {
			a.advance(now, 0, dispatch, dropRest)
		}
		if stopping {
			return
		}
		if now.Sub(lastSize) >= sizeEvery {
			pool.setSize(now, rate)
			lastSize = now
		}
		if now.Sub(lastRetire) >= time.Second {
			pool.retire(now)
			lastRetire = now
		}
		wait = min(max(a.untilNext(rate), minWait), maxWait)
	}
}

// dropMany counts n requests due by t as dropped, spread over the
// endpoints by weight.
func (e *Engine) dropMany(rnd *rand.Rand, n int64, t time.Time) {
	const pickEach = 64 // below this, pick each one's endpoint
	counts := make([]int64, len(e.routes))
	switch {
	case len(counts) == 1:
		counts[0] = n
	case n <= pickEach:
		for range n {
			counts[e.pickEndpoint(rnd)]++
		}
	default:
		// The expected share of each, and the remainder picked by weight.
		total := e.cumWeights[len(e.cumWeights)-1]
		var given int64
		prev := 0.0
		for i, cw := range e.cumWeights {
			counts[i] = int64(float64(n) * (cw - prev) / total)
			given += counts[i]
			prev = cw
		}
		for range n - given {
			counts[e.pickEndpoint(rnd)]++
		}
	}
	for i, c := range counts {
		e.dropN(e.routes[i], t, c)
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
// a new worker (with a new connection) starts for it, unless the CPU, not
// the server, is the bottleneck: the scheduler is lateSpawn behind the due
// time and slowStarts workers are already starting, or the pool is at the
// limit the sizer sets once goroutines wait for a CPU (runQueue), until
// holdFor after they last did: what the server needs by Little's law, at
// least busyFloor. More connections cost more CPU per request (a closed
// loop at 500 connections costs 1.75x the CPU per request of one at 10),
// so starting one per job while the CPU is behind feeds on itself until
// the in-flight cap drops requests: at 40,000 req/s against nginx, that
// grew the pool to 500–1,000 workers and sent 27,000 req/s (BENCHMARKS.md).
// A slow server with the CPU idle gets one worker per waiting job at once.
//
// A worker idle for idleRetire is retired (the bottom of the stack is the
// one idle longest), so after a burst the pool shrinks back to what the
// rate needs.
type workerPool struct {
	rq       *runQueue
	mu       sync.Mutex
	idle     []*poolWorker // a stack: the top went idle last
	backlog  []job
	head     int // backlog[head:] waits
	starting int // workers started that have not yet finished a job, parked or left
	sizing   sizer
	all      []*poolWorker
	started  uint64 // workers ever started
	wg       sync.WaitGroup
}

type poolWorker struct {
	jobs      chan job
	idleSince time.Time
	slot      int // its index in workerPool.all
}

// dispatch hands j to the worker that went idle last, or queues it; it
// returns a new worker, and its serial number, for the caller to start,
// or nil.
func (p *workerPool) dispatch(j job) (*poolWorker, uint64) {
	p.mu.Lock()
	p.sizing.arrived++
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		w.jobs <- j
		return nil, 0
	}
	p.backlog = append(p.backlog, j)
	late := time.Since(j.due) >= lateSpawn
	if p.sizing.full(len(p.all), p.rq.busy()) || late && p.starting >= slowStarts {
		p.mu.Unlock()
		return nil, 0
	}
	p.starting++
	p.started++
	w := &poolWorker{jobs: make(chan job, 1), slot: len(p.all)}
	p.all = append(p.all, w)
	id := p.started
	p.mu.Unlock()
	return w, id
}

// retire stops the workers idle since before now-idleRetire, but for the
// keepIdle that went idle last.
func (p *workerPool) retire(now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for n < len(p.idle)-keepIdle && now.Sub(p.idle[n].idleSince) >= idleRetire {
		n++
	}
	if n == 0 {
		return
	}
	for _, w := range p.idle[:n] {
		p.stop(w)
	}
	rest := copy(p.idle, p.idle[n:])
	clear(p.idle[rest:])
	p.idle = p.idle[:rest]
}

// setSize sets the pool's limit (sizer) for rate requests a second.
func (p *workerPool) setSize(now time.Time, rate float64) {
	p.mu.Lock()
	p.sizing.set(now, rate, len(p.all))
	p.mu.Unlock()
}

// stop closes w's inbox, so that it returns once idle, and takes it out
// of the pool. The caller holds p.mu.
func (p *workerPool) stop(w *poolWorker) {
	close(w.jobs)
	// Swap the last worker into w's slot.
	last := len(p.all) - 1
	moved := p.all[last]
	p.all[w.slot], moved.slot = moved, w.slot
	p.all[last] = nil
	p.all = p.all[:last]
}

// behind reports whether trafficgen itself, not the server, holds most of
// an in-flight cap of limit: at least half the cap waits in the backlog
// for a worker, and the CPU is saturated (runQueue) or was a moment ago
// (the sizer still holds the pool). A saturated CPU alone is not enough:
// starting a thousand workers for a slow server saturates it for a moment
// too; nor is a long backlog alone: a server slow to accept connections
// keeps one with the CPU idle. With a client that cannot stamp a
// response's arrival (net/http, or off Linux) the sizer counts the wait
// for the CPU as the server's, the cap fills with workers rather than
// backlog, and such drops count as the server's.
func (p *workerPool) behind(limit int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return 2*(len(p.backlog)-p.head) >= limit && (p.rq.busy() || p.sizing.limit > 0)
}

// size returns the number of workers running.
func (p *workerPool) size() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.all)
}

// next returns the next backlog job for worker w, or parks w on the idle
// stack (or stops it, when the pool is over its limit) and returns false.
// held is how long w's last job spent at the server (sizer), or negative
// before its first. *starting says w still counts as starting; it stops
// when w has done a job (its connection is up), parks or leaves.
func (p *workerPool) next(w *poolWorker, starting *bool, held time.Duration) (job, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if held >= 0 {
		p.sizing.finished(held)
		if *starting {
			p.starting--
			*starting = false
		}
	}
	if p.sizing.over(len(p.all)) {
		// The pool is over its limit (sizer): w leaves, the rest take
		// the backlog.
		if *starting {
			p.starting--
			*starting = false
		}
		p.stop(w)
		return job{}, false
	}
	if p.head < len(p.backlog) {
		j := p.backlog[p.head]
		p.head++
		switch {
		case p.head == len(p.backlog):
			p.backlog, p.head = p.backlog[:0], 0
		case p.head >= compactFrom && 2*p.head >= len(p.backlog):
			// A backlog that never empties (the CPU saturated) would
			// otherwise grow by every job ever queued: move the waiting
			// ones to the front, at most as many as were taken since.
			n := copy(p.backlog, p.backlog[p.head:])
			p.backlog, p.head = p.backlog[:n], 0
		}
		return j, true
	}
	if *starting {
		p.starting--
		*starting = false
	}
	w.idleSince = time.Now()
	p.idle = append(p.idle, w)
	return job{}, false
}

// close tells every worker to stop once the backlog is done and waits for
// them. The scheduler calls it after its last dispatch.
func (p *workerPool) close() {
	p.mu.Lock()
	// From here on the pool's list is this copy's: no worker leaves on
	// its own (sizer.over), so none is closed twice.
	p.sizing.closed = true
	all := slices.Clone(p.all)
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
	starting, held := true, time.Duration(-1)
	for {
		j, ok := pool.next(w, &starting, held)
		if !ok {
			if j, ok = <-w.jobs; !ok {
				return
			}
		}
		req := e.scn.Endpoints[j.endpoint]
		sent := time.Now()
		e.rec.Sent(sent)
		ex := e.cl.do(ctx, req, env, &sc)
		end := ex.doneAt(sent)
		held = end.Sub(sent)
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
				end := ex.doneAt(start)
				if ex.kind == stats.KindNone {
					_, _ = req.Apply(ex.body, env)
				}
				e.record(e.routes[ep], ex, start, end)
			}
		})
	}
	wg.Wait()
}
