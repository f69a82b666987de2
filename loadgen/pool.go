package loadgen

import (
	"context"
	"slices"
	"sync"
	"time"
)

// The open model's workers. See "Pool sizing" in docs/design.md for why
// the pool is a LIFO stack and when it holds back new workers.
const (
	// lateSpawn and slowStarts pace new workers while the scheduler runs
	// behind the due times: at most slowStarts may be starting (started,
	// and not yet running) at once. A job more than batchWindow and
	// lateSpawn past its due time is the scheduler behind.
	lateSpawn  = 500 * time.Microsecond
	slowStarts = 2
	// idleRetire is how long a worker may sit idle before it is retired,
	// so that the pool follows the in-flight count of the last second or
	// two rather than a burst's. A worker is a goroutine and its buffers;
	// the connections are the client's, kept for its idle timeout.
	idleRetire = time.Second
	// retireEvery is how often the scheduler retires idle workers.
	retireEvery = time.Second
	// keepIdle idle workers are never retired, so that a rate of one
	// request every second or two does not start a worker for each.
	keepIdle = 2
	// compactFrom is how many jobs taken from the front of the backlog
	// let it move the rest to the front (workerPool.next).
	compactFrom = 1024
)

// job is one open-model request: which endpoint, and when it was due.
type job struct {
	endpoint int
	due      time.Time
}

// workerPool holds the open model's workers. Each has a one-job inbox; an
// idle worker waits on a stack, and the scheduler hands the next job to
// the one that went idle last. When none is idle the job waits in the
// backlog (in flight, its latency running from its due time) and a new
// worker starts for it, unless the CPU, not the server, is the bottleneck
// (sizer, slowStarts). After the run's end nothing waiting is sent.
type workerPool struct {
	probe    contention // nil: never saturated
	mu       sync.Mutex
	idle     []*poolWorker // a stack: the top went idle last
	backlog  []job
	head     int // backlog[head:] waits
	starting int // workers started that have not yet run
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

// saturated says whether the CPU has no time to spare.
func (p *workerPool) saturated() bool { return p.probe != nil && p.probe.saturated() }

// dispatch hands j to the worker that went idle last, or queues it; it
// returns a new worker, and its serial number, for the caller to start,
// or nil.
func (p *workerPool) dispatch(j job) (*poolWorker, uint64) {
	p.mu.Lock()
	p.sizing.dispatched++
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		w.jobs <- j
		return nil, 0
	}
	p.backlog = append(p.backlog, j)
	late := time.Since(j.due) >= batchWindow+lateSpawn
	if p.sizing.full(len(p.all), p.saturated()) || late && p.starting >= slowStarts {
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
// an in-flight cap of maxInFlight: at least half of it waits in the
// backlog, and the CPU is saturated or was a moment ago (the sizer still
// limits the pool). See "Drop causes" in docs/design.md.
func (p *workerPool) behind(maxInFlight int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return 2*(len(p.backlog)-p.head) >= maxInFlight && (p.saturated() || p.sizing.limit > 0)
}

// size returns the number of workers running.
func (p *workerPool) size() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.all)
}

// next returns the next backlog job for worker w, or parks w on the idle
// stack (or stops it, when the pool is over its limit) and returns false.
// atServer is how long w's last job spent at the server (sizer), or
// negative when w has not finished one. *starting says w still counts as
// starting: it stops now that w runs. A worker that waits for a slow
// server is not starting, so that such a server does not hold back the
// workers its requests need.
func (p *workerPool) next(w *poolWorker, starting *bool, atServer time.Duration) (job, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if atServer >= 0 {
		p.sizing.finished(atServer)
	}
	if *starting {
		p.starting--
		*starting = false
	}
	if p.sizing.over(len(p.all)) {
		// The pool is over its limit (sizer): w leaves, the rest take
		// the backlog.
		p.stop(w)
		return job{}, false
	}
	if p.head < len(p.backlog) {
		return p.take(), true
	}
	w.idleSince = time.Now()
	p.idle = append(p.idle, w)
	return job{}, false
}

// take takes the backlog's first job. The caller holds p.mu.
func (p *workerPool) take() job {
	j := p.backlog[p.head]
	p.head++
	switch {
	case p.head == len(p.backlog):
		p.backlog, p.head = p.backlog[:0], 0
	case p.head >= compactFrom && 2*p.head >= len(p.backlog):
		// A backlog that never empties (the CPU saturated) would
		// otherwise grow by every job ever queued: move the waiting ones
		// to the front, at most as many as were taken since.
		n := copy(p.backlog, p.backlog[p.head:])
		p.backlog, p.head = p.backlog[:n], 0
	}
	return j
}

// close stops the pool at the run's end, without waiting: it returns the
// jobs still waiting in the backlog, which are not sent, and closes every
// inbox, so that idle workers return at once and busy ones once their
// request ends. The scheduler calls it after its last dispatch.
func (p *workerPool) close() []job {
	p.mu.Lock()
	// From here on the pool's list is this copy's: no worker leaves on
	// its own (sizer.over), so none is closed twice.
	p.sizing.closed = true
	unsent := slices.Clone(p.backlog[p.head:])
	p.backlog, p.head = nil, 0
	all := slices.Clone(p.all)
	p.mu.Unlock()
	for _, w := range all {
		close(w.jobs)
	}
	return unsent
}

// wait waits until every worker has returned.
func (p *workerPool) wait() { p.wg.Wait() }

// worker sends jobs: first from the backlog (a new worker starts because
// one is waiting), then whatever the scheduler hands it.
func (e *Engine) worker(ctx context.Context, pool *workerPool, w *poolWorker, id uint64) {
	s := e.newSender(100+id, nil)
	starting, atServer := true, time.Duration(-1)
	for {
		j, ok := pool.next(w, &starting, atServer)
		if !ok {
			if j, ok = <-w.jobs; !ok {
				return
			}
		}
		atServer = e.sendJob(ctx, s, j)
	}
}

// sendJob sends an open-model job, timed from its due time, and returns
// how long it spent at the server; a job not sent (sender.send) counts as
// dropped, and returns -1.
func (e *Engine) sendJob(ctx context.Context, s *sender, j job) time.Duration {
	out := e.send(ctx, s, call{req: e.scn.Endpoints[j.endpoint], route: e.routes[j.endpoint], due: j.due})
	if !out.sent {
		e.dropUnsent(j, true)
		return -1
	}
	e.inFlight.Add(-1)
	return out.end.Sub(out.at)
}
