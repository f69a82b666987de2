package scenario

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
)

// DefaultPoolCap is how many records an id pool keeps when the scenario does
// not say (pool_cap, or cap on the pool). Past it the oldest record is
// evicted, so a long run at a high rate keeps bounded memory. Keep it at or
// below what the target itself retains, or picks will name evicted ids.
const DefaultPoolCap = 1000

// MaxPoolCap bounds pool_cap and a pool's cap.
const MaxPoolCap = 1_000_000

// pool is a bounded, concurrent-safe set of records (an id and optional
// fields) that one run created. Records live in a ring, oldest at head; all
// n records are contiguous from head. Removing a record moves the oldest one
// into its slot, so eviction order is oldest-first except for records moved
// that way. Picking is O(1) and uniform.
type pool struct {
	spec   *poolSpec
	nf     int // fields per record; field 0 is the id
	mu     sync.RWMutex
	slots  []string // cap*nf
	head   int
	n      int
	index  map[string]int32 // id → ring position
	seeded bool             // holds only (what remains of) the seeds
}

func newPool(spec *poolSpec) *pool {
	p := &pool{
		spec:  spec,
		nf:    len(spec.fields),
		slots: make([]string, spec.cap*len(spec.fields)),
		index: make(map[string]int32, min(spec.cap, 1<<16)), // no growth in steady state
	}
	for _, rec := range spec.seeds {
		p.add(rec)
	}
	p.seeded = len(spec.seeds) > 0
	return p
}

func (p *pool) record(pos int) []string {
	return p.slots[pos*p.nf : (pos+1)*p.nf : (pos+1)*p.nf]
}

// add inserts rec (nf fields, id first), replacing a record with the same id.
// The first record a run creates replaces the seeds.
func (p *pool) add(rec []string) {
	id := rec[0]
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.seeded {
		for k := 0; k < p.n; k++ {
			clear(p.record((p.head + k) % p.spec.cap))
		}
		clear(p.index)
		p.head, p.n, p.seeded = 0, 0, false
	}
	if pos, ok := p.index[id]; ok {
		copy(p.record(int(pos)), rec)
		return
	}
	c := p.spec.cap
	if p.n == c {
		old := p.record(p.head)
		delete(p.index, old[0])
		clear(old)
		p.head = (p.head + 1) % c
		p.n--
	}
	pos := (p.head + p.n) % c
	copy(p.record(pos), rec)
	p.index[id] = int32(pos)
	p.n++
}

// remove deletes the record with this id, if the pool holds it.
func (p *pool) remove(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pos, ok := p.index[id]
	if !ok {
		return
	}
	delete(p.index, id)
	if int(pos) != p.head {
		oldest := p.record(p.head)
		copy(p.record(int(pos)), oldest)
		p.index[oldest[0]] = pos
	}
	clear(p.record(p.head))
	p.head = (p.head + 1) % p.spec.cap
	p.n--
}

// pick copies a uniformly chosen record into dst. An empty pool falls back
// to the scenario's seeds; with no seeds either, dst is all "".
func (p *pool) pick(r *rand.Rand, dst []string) {
	p.mu.RLock()
	if p.n > 0 {
		pos := (p.head + r.IntN(p.n)) % p.spec.cap
		copy(dst, p.record(pos))
		p.mu.RUnlock()
		return
	}
	p.mu.RUnlock()
	if seeds := p.spec.seeds; len(seeds) > 0 {
		copy(dst, seeds[r.IntN(len(seeds))])
		return
	}
	clear(dst)
}

func (p *pool) len() int {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.n
}

// Run is the shared mutable state of one run of a scenario: its id pools
// (starting from the seeds) and its sequence counter. A Run is safe for
// concurrent use. Start each run (each invocation of the engine) from a fresh
// NewRun so that it does not name ids another run created.
type Run struct {
	s     *Scenario
	seq   atomic.Int64
	pools []*pool
}

// NewRun returns a fresh run state: pools hold only their seeds and {{seq}}
// starts again at 1.
func (s *Scenario) NewRun() *Run {
	r := &Run{s: s, pools: make([]*pool, len(s.pools))}
	for i := range s.pools {
		r.pools[i] = newPool(&s.pools[i])
	}
	return r
}

// Scenario returns the scenario this run executes.
func (r *Run) Scenario() *Scenario { return r.s }

// PoolLen reports how many records the named pool holds now (seeds
// included until the run creates its first record); -1 if there is no such pool.
func (r *Run) PoolLen(name string) int {
	for i, p := range r.pools {
		if r.s.pools[i].name == name {
			return p.len()
		}
	}
	return -1
}

// Env is the per-goroutine render context: a worker's or a virtual user's.
// The engine owns one per goroutine and reuses it for every request it makes;
// an Env is not safe for concurrent use. Apply a response with the Env that
// rendered its request, before rendering the next request.
type Env struct {
	// Vars are the virtual user's variables; they persist across its
	// journeys. Nil for random (open-model) traffic.
	Vars map[string]string
	// Rand is the caller goroutine's random source.
	Rand *rand.Rand

	run   *Run
	picks [][]string // per pool: the record picked for the current request
	have  []bool     // per pool: picks holds a record
	vals  []string   // Apply scratch: one value per extracted path
	buf   []byte     // Apply scratch: the values, concatenated
	rec   []string   // Apply scratch: a record to save
}

// NewEnv returns a render context in this run. rnd must be owned by the
// caller's goroutine; vars is the virtual user's variable map (nil for random
// traffic, which then cannot run steps that capture or read variables).
func (r *Run) NewEnv(rnd *rand.Rand, vars map[string]string) *Env {
	e := &Env{Vars: vars, Rand: rnd, run: r}
	e.picks = make([][]string, len(r.pools))
	e.have = make([]bool, len(r.pools))
	maxf := 0
	for i, p := range r.pools {
		e.picks[i] = make([]string, p.nf)
		maxf = max(maxf, p.nf)
	}
	e.rec = make([]string, maxf)
	return e
}

// NewEnv returns a render context in the scenario's default run, created on
// first use and shared by every Env made this way. An engine that may run a
// scenario more than once should use NewRun and Run.NewEnv instead.
func (s *Scenario) NewEnv(rnd *rand.Rand, vars map[string]string) *Env {
	s.once.Do(func() { s.run = s.NewRun() })
	return s.run.NewEnv(rnd, vars)
}

// Run returns the run this Env belongs to.
func (e *Env) Run() *Run { return e.run }

// poolField returns field f of the record picked from pool i for the current
// request, picking a new record when fresh (or when none was picked yet).
func (e *Env) poolField(i, f int, fresh bool) string {
	if fresh || !e.have[i] {
		e.run.pools[i].pick(e.Rand, e.picks[i])
		e.have[i] = true
	}
	return e.picks[i][f]
}
