package scenario

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
)

func testPool(capacity int, seeds ...string) *pool {
	spec := &poolSpec{name: "p", fields: []string{"id", "v"}, cap: capacity}
	for _, s := range seeds {
		spec.seeds = append(spec.seeds, []string{s, "seed-" + s})
	}
	return newPool(spec)
}

func (p *pool) ids() map[string]bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	out := map[string]bool{}
	for k := 0; k < p.n; k++ {
		out[p.record((p.head + k) % p.spec.cap)[0]] = true
	}
	return out
}

// check verifies the ring and the index agree.
func (p *pool) check(t *testing.T) {
	t.Helper()
	p.mu.RLock()
	defer p.mu.RUnlock()
	if len(p.index) != p.n || p.n > p.spec.cap {
		t.Fatalf("index has %d, ring %d, cap %d", len(p.index), p.n, p.spec.cap)
	}
	for k := 0; k < p.n; k++ {
		pos := (p.head + k) % p.spec.cap
		id := p.record(pos)[0]
		if got, ok := p.index[id]; !ok || int(got) != pos {
			t.Fatalf("id %q at %d, index says %d (%v)", id, pos, got, ok)
		}
	}
}

func TestPoolSeedsThenCreated(t *testing.T) {
	p := testPool(10, "1", "2", "3")
	if p.len() != 3 {
		t.Fatalf("len %d", p.len())
	}
	rnd := rand.New(rand.NewPCG(1, 1))
	rec := make([]string, 2)
	p.pick(rnd, rec)
	if rec[1] != "seed-"+rec[0] {
		t.Fatalf("pick copied %q", rec)
	}
	// A deleted seed leaves the pool.
	p.remove("2")
	if ids := p.ids(); ids["2"] || len(ids) != 2 {
		t.Fatalf("after remove: %v", ids)
	}
	// The first created record replaces the seeds.
	p.add([]string{"100", "x"})
	if ids := p.ids(); len(ids) != 1 || !ids["100"] {
		t.Fatalf("after first add: %v", ids)
	}
	// An emptied pool falls back to the seeds rather than an empty id.
	p.remove("100")
	for range 50 {
		p.pick(rnd, rec)
		if rec[0] != "1" && rec[0] != "2" && rec[0] != "3" {
			t.Fatalf("empty pool picked %q", rec)
		}
	}
	p.check(t)
}

func TestPoolEvictsOldest(t *testing.T) {
	p := testPool(3)
	for i := range 5 {
		p.add([]string{strconv.Itoa(i), ""})
	}
	if ids := p.ids(); len(ids) != 3 || !ids["2"] || !ids["3"] || !ids["4"] {
		t.Fatalf("after 5 adds into cap 3: %v", ids)
	}
	p.add([]string{"3", "updated"}) // same id: replaced in place
	if p.len() != 3 {
		t.Fatalf("re-adding an id grew the pool to %d", p.len())
	}
	p.remove("3") // middle: the oldest moves into its slot
	p.add([]string{"5", ""})
	p.add([]string{"6", ""})
	if ids := p.ids(); len(ids) != 3 || !ids["4"] || !ids["5"] || !ids["6"] {
		t.Fatalf("got %v", ids)
	}
	p.check(t)
	rnd := rand.New(rand.NewPCG(1, 1))
	rec := make([]string, 2)
	empty := testPool(2)
	empty.pick(rnd, rec)
	if rec[0] != "" {
		t.Errorf("empty unseeded pool picked %q", rec)
	}
}

// TestPoolConcurrent hammers one pool from many goroutines (run with -race):
// adds, removes and picks never see a torn record, and the pool stays bounded.
func TestPoolConcurrent(t *testing.T) {
	p := testPool(64, "s1", "s2")
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(g), 7))
			rec := make([]string, 2)
			for i := range 3000 {
				id := fmt.Sprintf("%d-%d", g, i)
				switch i % 4 {
				case 0, 1:
					p.add([]string{id, "v" + id})
				case 2:
					p.pick(rnd, rec)
					if rec[0] != "" && rec[1] != "v"+rec[0] && rec[1] != "seed-"+rec[0] {
						t.Errorf("torn record %q", rec)
						return
					}
				case 3:
					p.pick(rnd, rec)
					p.remove(rec[0])
				}
			}
		}()
	}
	wg.Wait()
	if p.len() > 64 {
		t.Fatalf("pool grew to %d", p.len())
	}
	p.check(t)
}

// TestRunConcurrent renders and applies the default scenario from many
// goroutines sharing one Run, as the engine does.
func TestRunConcurrent(t *testing.T) {
	s := mustDefault(t)
	run := s.NewRun()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			env := run.NewEnv(rand.New(rand.NewPCG(uint64(g), 1)), nil)
			buf := make([]byte, 0, 256)
			for i := range 2000 {
				r := s.Endpoints[(g+i)%len(s.Endpoints)]
				buf = r.Path.Append(buf[:0], env)
				buf = r.Body.Append(buf, env)
				resp := fmt.Sprintf(`{"id":%d,"amount":12.5,"status":"SUCCESS"}`, g*10000+i)
				if _, err := r.Apply([]byte(resp), env); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, name := range s.PoolNames() {
		if n := run.PoolLen(name); n < 1 || n > DefaultPoolCap {
			t.Errorf("pool %s has %d", name, n)
		}
	}
	if run.PoolLen("nope") != -1 {
		t.Error("PoolLen of an unknown pool")
	}
}
