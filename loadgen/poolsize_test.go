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
	due := time.Now().Add(time.Hour) // never late: only the CPU and the limit decide
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

// step is a busy worker's turn (or a new one's, atServer < 0): it
// finishes its job, atServer at the server, and asks for the next.
func (s *simWorker) step(p *workerPool, atServer time.Duration) {
	if _, ok := p.next(s.w, &s.starting, atServer); ok {
		s.busy = true
		return
	}
	s.busy = false
	s.take()
}

// finishAll lets every worker finish the job it holds, atServer at the
// server, and returns how many left the pool.
func finishAll(p *workerPool, ws []*simWorker, atServer time.Duration) (left int) {
	for _, s := range ws {
		was := s.gone
		if s.busy {
			s.step(p, atServer)
		}
		if s.gone && !was {
			left++
		}
	}
	return left
}

// look is the scheduler's look at the pool (setSize) at the end of a
// window of sizeEvery in which jobs were dispatched at rate, the plan's.
func look(p *workerPool, at time.Time, rate float64) {
	p.mu.Lock()
	p.sizing.at = at.Add(-sizeEvery)
	p.sizing.dispatched = int64(rate * sizeEvery.Seconds())
	p.mu.Unlock()
	p.setSize(at, rate)
}

// limitedPool starts n workers, each with a job, then saturates the
// CPU: the next job waits (the limit starts at the pool's size, or the
// floor) and each worker finishes its job, atServer at the server; the first
// takes the job that waited, the others park. It returns how many left.
func limitedPool(t *testing.T, n int, atServer time.Duration) (*workerPool, []*simWorker, int) {
	t.Helper()
	cpu := &fakeCPU{}
	p := &workerPool{probe: cpu}
	ws := startSim(t, p, n)
	cpu.on.Store(true)
	if w, _ := p.dispatch(job{due: time.Now().Add(time.Hour)}); w != nil {
		t.Fatal("started a worker while the CPU is saturated")
	}
	return p, ws, finishAll(p, ws, atServer)
}

// While the CPU is saturated, a pool whose requests are quick at the
// server (nginx answering in 50 µs at 40,000 req/s: two in flight) is
// limited to limitFloor: a job waits for a worker to finish rather than start
// one, and the workers started before the limit leave as they finish. It
// stays so while the CPU is free for a moment, and ends limitLinger after the
// CPU was last seen saturated.
func TestPoolLimitedWhileCPUBound(t *testing.T) {
	due := time.Now().Add(time.Hour)
	// Until the server's time is known, the limit is the pool's size:
	// the first worker takes the job that waits, the others park.
	p, ws, left := limitedPool(t, 100, 50*time.Microsecond)
	if left != 0 {
		t.Fatalf("%d of 100 workers left before the server's time was known", left)
	}
	p.probe.(*fakeCPU).on.Store(false)
	now := time.Now()
	// Little's law: 40,000 req/s × 50 µs is 2 in flight; the floor holds.
	look(p, now, 40000)
	if p.sizing.limit != limitFloor {
		t.Fatalf("limit %d for 40,000 req/s of 50 µs, want the floor %d", p.sizing.limit, limitFloor)
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
	if left := finishAll(p, ws, 50*time.Microsecond); left != 100-limitFloor {
		t.Fatalf("%d of 100 workers left at a limit of %d, want %d", left, p.sizing.limit, 100-limitFloor)
	}
	if p.size() != limitFloor || len(p.idle) != limitFloor {
		t.Fatalf("%d workers, %d idle; want %d, all idle", p.size(), len(p.idle), limitFloor)
	}
	// Once all are busy the next job waits, although the CPU is free
	// now, until limitLinger after it was last saturated.
	for range limitFloor {
		p.dispatch(job{due: due})
	}
	if w, _ := p.dispatch(job{due: due}); w != nil {
		t.Fatal("started a worker beyond the limit a moment after the CPU was saturated")
	}
	look(p, now.Add(limitLinger/2), 40000)
	if w, _ := p.dispatch(job{due: due}); w != nil {
		t.Fatal("started a worker beyond the limit within limitLinger")
	}
	look(p, now.Add(limitLinger), 40000)
	if w, _ := p.dispatch(job{due: due}); w == nil {
		t.Fatal("no worker started for a waiting job limitLinger after the CPU was saturated")
	}
	p.close()
}

// A slow server gets the workers it needs while the CPU is saturated: at
// 20,000 req/s of 10 ms each, 200 are in flight, and the limit leaves
// room for more.
func TestPoolLimitFollowsTheServer(t *testing.T) {
	due := time.Now().Add(time.Hour)
	p, _, left := limitedPool(t, limitFloor, 10*time.Millisecond)
	if left != 0 {
		t.Fatalf("%d workers left", left)
	}
	look(p, time.Now(), 20000)
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
	if want := 200 - (limitFloor - 1); started != want {
		t.Fatalf("%d workers started for 200 jobs beside %d idle, with the CPU saturated; want %d", started, limitFloor-1, want)
	}
	p.close()
}

// A server that stops answering while the pool is limited (its requests so
// far were fast, so the limit is the floor): within a look in which jobs
// waited and no worker finished one, the limit ends and a waiting job
// starts a worker, instead of waiting limitLinger.
func TestPoolLimitEndsWhenTheServerStalls(t *testing.T) {
	due := time.Now().Add(time.Hour)
	p, _, _ := limitedPool(t, limitFloor, 50*time.Microsecond) // the limit is the floor
	now := time.Now()
	look(p, now, 20000)
	for range limitFloor - 1 { // the idle ones take a job each: all busy
		p.dispatch(job{due: due})
	}
	p.probe.(*fakeCPU).on.Store(false)
	if w, _ := p.dispatch(job{due: due}); w != nil {
		t.Fatal("started a worker beyond the limit")
	}
	// The server stalls: a look passes and nothing finished.
	look(p, now.Add(sizeEvery), 20000)
	if w, _ := p.dispatch(job{due: due}); w == nil {
		t.Fatalf("no worker started for a waiting job while the server stalls (limit %d)", p.sizing.limit)
	}
	p.close()
}

// The run ends while the pool is over its limit: the workers still busy
// finish their jobs and park; none stops itself after the pool closed
// its inbox, so none is closed twice (a panic that ended the program).
func TestPoolClosesWhileOverItsLimit(t *testing.T) {
	due := time.Now().Add(time.Hour)
	p, ws, _ := limitedPool(t, 100, 50*time.Microsecond)
	look(p, time.Now(), 40000) // the limit falls to the floor
	for range 99 {
		p.dispatch(job{due: due})
	}
	for _, s := range ws {
		s.take()
	}
	p.close()
	if left := finishAll(p, ws, 50*time.Microsecond); left != 100 {
		t.Fatalf("%d of 100 workers saw their inbox closed", left)
	}
}

// The sizer's server time and rate: the limit stays where it started
// until a job has finished; the server time rises at once with a look's
// mean and falls by a quarter of the difference a look; the rate is the
// plan's or the one dispatched, whichever is lower.
func TestSizerServerTimeAndRate(t *testing.T) {
	var s sizer
	s.full(100, true)
	s.refused = 0 // no job waited: not a stall
	now := time.Now()
	at := func(i int) time.Time { return now.Add(time.Duration(i) * sizeEvery) }
	window := func(i int, rate float64, jobs int, atServer time.Duration) {
		s.at, s.dispatched = at(i-1), int64(rate*sizeEvery.Seconds())
		for range jobs {
			s.finished(atServer)
		}
		s.set(at(i), rate, 100)
	}
	limitFor := func(rate float64, server time.Duration) int {
		return max(limitFloor, int(math.Ceil(rate*server.Seconds()*sizeHeadroom))+sizeSpare)
	}
	window(1, 40000, 0, 0)
	if s.limit != 100 {
		t.Fatalf("limit %d before any job finished, want the pool's 100", s.limit)
	}
	window(2, 40000, 1000, 60*time.Microsecond)
	if s.limit != limitFloor {
		t.Fatalf("limit %d for 40,000 req/s of 60 µs, want the floor %d", s.limit, limitFloor)
	}
	window(3, 40000, 1000, 10*time.Millisecond)
	if want := limitFor(40000, 10*time.Millisecond); s.limit != want {
		t.Fatalf("limit %d once the server takes 10 ms, want %d at once", s.limit, want)
	}
	window(4, 40000, 1000, 60*time.Microsecond)
	server := 10*time.Millisecond + (60*time.Microsecond-10*time.Millisecond)/4
	if want := limitFor(40000, server); s.limit != want {
		t.Fatalf("limit %d a look after the server turned fast again, want %d (server %v)", s.limit, want, server)
	}
	// A plan of 1,000,000 req/s of which 40,000 were dispatched.
	s.at, s.dispatched = at(4), 4000
	s.set(at(5), 1e6, 100)
	if want := limitFor(40000, s.server); s.limit != want {
		t.Fatalf("limit %d at a plan of 1,000,000 req/s dispatching 40,000, want %d", s.limit, want)
	}
	if !s.over(s.limit+1) || s.over(s.limit) {
		t.Fatal("over does not compare with the limit")
	}
}

// A drop is trafficgen's own (behind) only while at least half the
// in-flight cap waits in the backlog for a worker and the CPU is (or was a
// moment ago) saturated; a cap held by requests at the server, or a
// backlog with the CPU free (a server slow to accept), is the server's.
func TestPoolBehind(t *testing.T) {
	cpu := &fakeCPU{}
	p := &workerPool{probe: cpu}
	const limit = 10
	if p.behind(limit) {
		t.Fatal("behind with nothing waiting")
	}
	for range limit / 2 {
		p.backlog = append(p.backlog, job{})
	}
	if p.behind(limit) {
		t.Fatal("behind with the CPU free")
	}
	cpu.on.Store(true)
	if !p.behind(limit) {
		t.Fatal("not behind with the CPU saturated and half the cap waiting for a worker")
	}
	p.head = 1 // one taken: 4 of 10 wait
	if p.behind(limit) {
		t.Fatal("behind with less than half the cap waiting")
	}
	// The CPU free a moment after it was saturated: the sizer still
	// holds the pool, so the backlog is still trafficgen's.
	p.head = 0
	cpu.on.Store(false)
	p.sizing.limit = limitFloor
	if !p.behind(limit) {
		t.Fatal("not behind with the pool limited by the sizer and half the cap waiting")
	}
	if (&workerPool{backlog: make([]job, limit)}).behind(limit) {
		t.Fatal("behind with no CPU probe")
	}
}

// A backlog that never empties (the CPU saturated, the in-flight cap
// large) keeps its jobs in order and its memory bounded, rather than
// growing by every job ever queued until it next empties.
func TestBacklogStaysBounded(t *testing.T) {
	p := &workerPool{}
	w := &poolWorker{jobs: make(chan job, 1)}
	p.all = []*poolWorker{w}
	const waiting = 500
	queued, taken := 0, 0
	for range waiting {
		p.backlog = append(p.backlog, job{endpoint: queued})
		queued++
	}
	starting := false
	for range 100_000 {
		p.backlog = append(p.backlog, job{endpoint: queued})
		queued++
		j, ok := p.next(w, &starting, time.Microsecond)
		if !ok || j.endpoint != taken {
			t.Fatalf("took job %d (%v), want %d: out of order", j.endpoint, ok, taken)
		}
		taken++
	}
	if n := len(p.backlog) - p.head; n != waiting {
		t.Fatalf("%d jobs wait, want %d", n, waiting)
	}
	if c := cap(p.backlog); c > 4*(waiting+compactFrom) {
		t.Fatalf("the backlog holds room for %d jobs with %d waiting: it grew with every job queued", c, waiting)
	}
}

// A job due a while ago (the scheduler behind) waits for a worker rather
// than start one while slowStarts workers are started and not yet
// running: the CPU is behind. Workers that run, and hold their requests
// at a slow server, do not hold back a new one.
func TestPoolSlowStarts(t *testing.T) {
	var p workerPool
	late := time.Now().Add(-time.Second)
	var ws []*poolWorker
	for range slowStarts {
		w, _ := p.dispatch(job{due: late})
		if w == nil {
			t.Fatal("no worker started beside fewer than slowStarts starting")
		}
		ws = append(ws, w)
	}
	if w, _ := p.dispatch(job{due: late}); w != nil {
		t.Fatalf("a worker started for a late job beside %d not yet running", slowStarts)
	}
	// The two run: each takes a job and holds it at the server.
	for _, w := range ws {
		starting := true
		if _, ok := p.next(w, &starting, -1); !ok {
			t.Fatal("no job for a new worker")
		}
	}
	if w, _ := p.dispatch(job{due: late}); w == nil {
		t.Fatal("no worker started for a late job while the others wait for the server")
	}
	p.close()
}
