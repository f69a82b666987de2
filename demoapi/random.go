package demoapi

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
)

// rolls are the uniform [0,1) draws one request may need, taken together so
// a request locks a random source once.
type rolls struct {
	latency float64 // position within the service's latency range
	fault   float64 // against an errors fault's percentage
	fail    float64 // against the service's own error rate
	decline float64 // against the payment decline rate
}

const randShards = 8 // a power of two

// randPool spreads draws over a few mutex-guarded PCG sources, chosen round
// robin, so concurrent requests rarely wait on one lock. Requests served one
// after another with a fixed seed see the same draws every run.
type randPool struct {
	turn   atomic.Uint32
	shards [randShards]randShard
}

type randShard struct {
	mu sync.Mutex
	r  *rand.Rand
	_  [48]byte // keep shards on separate cache lines
}

func newRandPool(seed int64) *randPool {
	p := &randPool{}
	s := uint64(seed)
	if seed == 0 {
		s = rand.Uint64()
	}
	for i := range p.shards {
		p.shards[i].r = rand.New(rand.NewPCG(s, uint64(i)*0x9e3779b97f4a7c15+1))
	}
	return p
}

func (p *randPool) draw() rolls {
	sh := &p.shards[(p.turn.Add(1)-1)%randShards]
	sh.mu.Lock()
	r := rolls{sh.r.Float64(), sh.r.Float64(), sh.r.Float64(), sh.r.Float64()}
	sh.mu.Unlock()
	return r
}
