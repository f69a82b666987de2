package loadgen

import (
	"runtime/metrics"
	"sync/atomic"
	"time"
)

// runQueue watches how long this process's runnable goroutines wait for a
// CPU (the Go scheduler's /sched/latencies histogram, which samples about
// one scheduling in eight). When, since the last look, at least
// busySamples waits were sampled and busyShare of them were longer than
// busyWait, the process has no CPU to spare: another open-model worker,
// with its connection, would add work per request and no throughput (see
// workerPool.dispatch). The sample floor keeps a few slow wake-ups among
// many sleeping goroutines (a slow server's workers, a timer) from
// counting: those schedule far less often than a saturated CPU does.
type runQueue struct {
	sample [1]metrics.Sample
	prev   []uint64
	at     time.Time
	isBusy atomic.Bool
}

const (
	busyWait    = 200 * time.Microsecond
	busyShare   = 0.1
	busySamples = 64
	// runQueueEvery is how often the scheduler looks: at 40,000 req/s
	// about 140 waits are sampled in that time.
	runQueueEvery = 25 * time.Millisecond
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
	q.isBusy.Store(all >= busySamples && float64(long) >= busyShare*float64(all))
}
