package demoapi

import (
	"sync"
	"sync/atomic"
	"time"
)

// The capacity of the services: how many requests a second they handle
// together before a queue forms. See Options.Capacity.
const (
	// DefaultCapacity is the capacity at the default 20 req/s (demoRPS):
	// the default demo stays under it, with its journeys, in every phase
	// but the spike (100 req/s), and a live spike (+100 req/s) crosses it.
	DefaultCapacity = 60
	// DefaultQueueLimit is the longest a request waits in the queue before
	// the services shed it with a 503 instead.
	DefaultQueueLimit = 2 * time.Second
	// demoRPS is the rate the demo's numbers are set for.
	demoRPS = 20
)

// CapacityFor is the capacity that tells the demo's story at a base rate of
// rps: DefaultCapacity scaled by rps/20, as the demo's rates are. Zero (no
// limit) for a rate of zero (a closed-loop run).
func CapacityFor(rps float64) float64 {
	if !(rps > 0) {
		return 0
	}
	return DefaultCapacity * rps / demoRPS
}

// queue is the services' shared work queue: a single server that takes
// requests in arrival order, one every interval. It holds no requests,
// only the time the server is next free, so a request learns at arrival
// how long it waits (the time it then sleeps, before its service latency).
type queue struct {
	interval, limit time.Duration
	shed            atomic.Int64 // requests refused: their wait would pass limit

	mu   sync.Mutex
	free time.Time // when the server can take the next request
}

// newQueue is the queue for capacity req/s at latency scale scale (a
// faster service, at a smaller scale, takes more), or nil for no limit.
func newQueue(capacity, scale float64, limit time.Duration) *queue {
	if !(capacity > 0) || !(scale > 0) {
		return nil
	}
	if limit <= 0 {
		limit = DefaultQueueLimit
	}
	return &queue{interval: time.Duration(scale / capacity * float64(time.Second)), limit: limit}
}

// admit returns how long a request arriving at now waits for its turn, or
// false when that would be longer than the limit: the request is shed and
// takes no turn.
func (q *queue) admit(now time.Time) (time.Duration, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	start := q.free
	if start.Before(now) {
		start = now
	}
	wait := start.Sub(now)
	if wait > q.limit {
		q.shed.Add(1)
		return 0, false
	}
	q.free = start.Add(q.interval)
	return wait, true
}

// wait is how long a request arriving at now would wait.
func (q *queue) wait(now time.Time) time.Duration {
	if q == nil {
		return 0
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	return max(q.free.Sub(now), 0)
}

// length is how many requests wait for their turn at now: those admitted
// whose turn starts later. Turns follow each other without a gap from the
// last time the queue was empty, so they are the turns that fit between
// now and free, less the one under way.
func (q *queue) length(now time.Time) int64 {
	if q == nil {
		return 0
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	ahead := q.free.Sub(now)
	if ahead <= 0 {
		return 0
	}
	return int64((ahead+q.interval-1)/q.interval) - 1
}

// capacity is the requests a second the queue serves, 0 without a limit.
func (q *queue) capacity() float64 {
	if q == nil {
		return 0
	}
	return float64(time.Second) / float64(q.interval)
}

// shedCount is how many requests the queue has refused.
func (q *queue) shedCount() int64 {
	if q == nil {
		return 0
	}
	return q.shed.Load()
}
