package loadgen

import (
	"runtime/metrics"
	"sync/atomic"
	"time"
)

// runQueue watches how long this process's runnable goroutines wait for a
// CPU (the Go scheduler's /sched/latencies histogram). When busyShare of
// them waited longer than busyWait since the last look, the process has
// no CPU to spare: another open-model worker, with its connection, would
// add work per request and no throughput (see workerPool.dispatch). A
// slow server with the CPU idle leaves the waits short.
type runQueue struct {
	sample [1]metrics.Sample
	prev   []uint64
	at     time.Time
	isBusy atomic.Bool
}

const (
	busyWait  = 200 * time.Microsecond
	busyShare = 0.1
	// runQueueEvery is how often the scheduler looks.
	runQueueEvery = 10 * time.Millisecond
)

func newRunQueue() *runQueue {
	q := &runQueue{}
	q.sample[0].Name = "/sched/latencies:seconds"
	q.read() // the baseline
	q.isBusy.Store(false)
	return q
}

// busy reports whether the CPU was saturated at the last look; a nil
// runQueue never is.
func (q *runQueue) busy() bool { return q != nil && q.isBusy.Load() }

// update looks again when runQueueEvery has passed since the last look.
// Only the scheduler goroutine calls it.
func (q *runQueue) update(now time.Time) {
	if now.Sub(q.at) < runQueueEvery {
		return
	}
	q.at = now
	q.read()
}

func (q *runQueue) read() {
	metrics.Read(q.sample[:])
	if q.sample[0].Value.Kind() != metrics.KindFloat64Histogram {
		return // not in this runtime: never busy
	}
	h := q.sample[0].Value.Float64Histogram()
	if len(q.prev) != len(h.Counts) {
		q.prev = make([]uint64, len(h.Counts))
	}
	var all, long uint64
	limit := busyWait.Seconds()
	for i, c := range h.Counts {
		d := c - q.prev[i]
		q.prev[i] = c
		all += d
		if h.Buckets[i] >= limit {
			long += d
		}
	}
	// Nothing ran since the last look: nothing waited either.
	q.isBusy.Store(all > 0 && float64(long) >= busyShare*float64(all))
}
