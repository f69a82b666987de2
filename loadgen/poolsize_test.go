package loadgen

import (
	"math"
	"testing"
	"time"
)

// simWorker follows a pool worker's protocol (Engine.worker) without
// sending anything: a worker holds a job, is parked on the idle stack
// (and may find a job in its inbox), or has left.
type simWorker struct {
	w        *poolWorker
	starting bool
	busy     bool
	gone     bool
}

// startSim starts n workers on p, each of which takes its backlog job.
func startSim(t *testing.T, p *workerPool, n int) []*simWorker {
	t.Helper()
	due := time.Now().Add(time.Hour) // never late: only the run queue and the limit decide
	var ws []*simWorker
	for range n {
		w, _ := p.dispatch(job{due: due})
		if w == nil {
			t.Fatalf("no worker started beside %d", p.size())
		}
		s := &simWorker{w: w, starting: true}
		s.step(p, -1)
		ws = append(ws, s)
	}
	return ws
}

// take is a parked worker's turn: it takes the job in its inbox, if
// there is one, or learns it is stopped.
func (s *simWorker) take() {
	if s.busy || s.gone {
		return
	}
	select {
	case _, ok := <-s.w.jobs:
		s.busy, s.gone = ok, !ok
	default: // still parked
	}
}

// step is a busy worker's turn (or a new one's, held < 0): it finishes
// its job, held at the server, and asks for the next.
func (s *simWorker) step(p *workerPool, held time.Duration) {
	if _, ok := p.next(s.w, &s.starting, held); ok {
		s.busy = true
		return
	}
	s.busy = false
	s.take()
}

// finishAll lets every worker finish the job it holds, held at the
// server, and returns how many left the pool.
func finishAll(p *workerPool, ws []*simWorker, held time.Duration) (left int) {
	for _, s := range ws {
		was := s.gone
		if s.busy {
			s.step(p, held)
		}
		if s.gone && !was {
			left++
		}
	}
	return left
}

// While the CPU is saturated, a pool whose requests are quick at the
// server (nginx answering in 50 µs at 40,000 req/s: two in flight) is
// held at busyFloor: a job waits for a worker to finish rather than start
// one, and the workers started before the limit leave as they finish. It
// stays so while the CPU is free for a moment, and ends holdFor after the
// CPU was last seen saturated.
func TestPoolHeldWhileCPUBound(t *testing.T) {
	p := workerPool{rq: &runQueue{}}
	due := time.Now().Add(time.Hour)
	ws := startSim(t, &p, 100)
	p.rq.isBusy.Store(true)
	if w, _ := p.dispatch(job{due: due}); w != nil {
		t.Fatal("started a worker while the CPU is saturated")
	}
	p.rq.isBusy.Store(false)
	now := time.Now()
	// Until the server's time is known, the limit is the pool's size:
	// the first worker takes the job that waits, the others park.
	if left := finishAll(&p, ws, 50*time.Microsecond); left != 0 {
		t.Fatalf("%d of 100 workers left before the server's time was known", left)
	}
	p.setSize(now, 40000)
	if p.sizing.limit != busyFloor {
		t.Fatalf("limit %d for 40,000 req/s of 50 µs, want the floor %d", p.sizing.limit, busyFloor)
	}
	// A job for each: the idle ones take theirs, and as each finishes,
	// those beyond the limit leave.
	for range 99 {
		if w, _ := p.dispatch(job{due: due}); w != nil {
			t.Fatal("started a worker beside idle ones")
		}
	}
	for _, s := range ws {
		s.take()
	}
	if left := finishAll(&p, ws, 50*time.Microsecond); left != 100-busyFloor {
		t.Fatalf("%d of 100 workers left at a limit of %d, want %d", left, p.sizing.limit, 100-busyFloor)
	}
	if p.size() != busyFloor || len(p.idle) != busyFloor {
		t.Fatalf("%d workers, %d idle; want %d, all idle", p.size(), len(p.idle), busyFloor)
	}
	// Once all are busy the next job waits, although the CPU is free
	// now, until holdFor after it was last saturated.
	for range busyFloor {
		p.dispatch(job{due: due})
	}
	if w, _ := p.dispatch(job{due: due}); w != nil {
		t.Fatal("started a worker beyond the limit a moment after the CPU was saturated")
	}
	p.setSize(now.Add(holdFor/2), 40000)
	if w, _ := p.dispatch(job{due: due}); w != nil {
		t.Fatal("started a worker beyond the limit within holdFor")
	}
	p.setSize(now.Add(holdFor), 40000)
	if w, _ := p.dispatch(job{due: due}); w == nil {
		t.Fatal("no worker started for a waiting job holdFor after the CPU was saturated")
	}
	p.close()
}

// A slow server gets the workers it needs, busy CPU or not: at 20,000
// req/s of 10 ms each, 200 are in flight, and the limit leaves room for
// more.
func TestPoolLimitFollowsTheServer(t *testing.T) {
	p := workerPool{rq: &runQueue{}}
	due := time.Now().Add(time.Hour)
	ws := startSim(t, &p, busyFloor)
	p.rq.isBusy.Store(true)
	if w, _ := p.dispatch(job{due: due}); w != nil {
		t.Fatal("started a worker while the CPU is saturated, before the server's time was known")
	}
	if left := finishAll(&p, ws, 10*time.Millisecond); left != 0 {
		t.Fatalf("%d workers left", left)
	}
	p.setSize(time.Now(), 20000)
	if lim := p.sizing.limit; lim < 250 || lim > 400 {
		t.Fatalf("limit %d for 20,000 req/s of 10 ms, want 250–400", lim)
	}
	// One worker took the job that waited; the other 63 are idle. Of 200
	// more jobs, each that finds none idle starts a worker.
	started := 0
	for range 200 {
		if w, _ := p.dispatch(job{due: due}); w != nil {
			started++
		}
	}
	if want := 200 - (busyFloor - 1); started != want {
		t.Fatalf("%d workers started for 200 jobs beside %d idle, with the CPU saturated; want %d", started, busyFloor-1, want)
	}
	p.close()
}

// The limit comes from the server's time, not the whole exchange: with a
// kernel receive time the exchange ends at the arrival, so the time a
// response waited for a busy CPU does not count. A look without a
// finished job keeps the last server time; before the first, the limit
// stays where it started.
func TestSizerUsesTheServersTime(t *testing.T) {
	var s sizer
	s.full(100, true)
	now := time.Now()
	s.set(now, 40000)
	if s.limit != 100 {
		t.Fatalf("limit %d before any job finished, want the pool's 100", s.limit)
	}
	for range 1000 {
		s.finished(60 * time.Microsecond)
	}
	s.set(now.Add(sizeEvery), 40000)
	if s.limit != busyFloor {
		t.Fatalf("limit %d for 40,000 req/s of 60 µs, want the floor %d", s.limit, busyFloor)
	}
	s.set(now.Add(2*sizeEvery), 1e6)
	if want := int(math.Ceil(1e6*60e-6*sizeHeadroom)) + sizeSpare; s.limit != want {
		t.Fatalf("limit %d for 1,000,000 req/s of 60 µs (no job in the last look), want %d", s.limit, want)
	}
	if !s.over(s.limit+1) || s.over(s.limit) {
		t.Fatal("over does not compare with the limit")
	}
}
