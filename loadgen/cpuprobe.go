package loadgen

import (
	"runtime/metrics"
	"sync/atomic"
	"time"
)

// contention says whether this process has no CPU to spare: the open
// model's pool then waits for a worker rather than start one (see "Pool
// sizing" in docs/design.md). cpuProbe is the real one; tests pin it.
type contention interface {
	saturated() bool
	// update looks again when it is time; only the scheduler calls it.
	update(now time.Time)
}

// cpuProbe watches how long this process's runnable goroutines wait for a
// CPU, in the Go scheduler's /sched/latencies histogram (which samples
// about one scheduling in eight). It is saturated when, since the last
// look, at least minWaits waits were sampled and longShare of them were
// longer than longWait. The sample floor keeps a few slow wake-ups among
// many sleeping goroutines (a slow server's workers, a timer) from
// counting: those schedule far less often than a saturated CPU does.
type cpuProbe struct {
	sample      [1]metrics.Sample
	prev        []uint64
	at          time.Time
	isSaturated atomic.Bool
}

const (
	longWait  = 200 * time.Microsecond
	longShare = 0.1
	minWaits  = 64
	// probeEvery is how often the scheduler looks: often enough to see a
	// burst, long enough for minWaits samples at a saturating rate.
	probeEvery = 25 * time.Millisecond
)

func newCPUProbe() *cpuProbe {
	q := &cpuProbe{}
	q.sample[0].Name = "/sched/latencies:seconds"
	q.read() // the baseline
	q.isSaturated.Store(false)
	return q
}

// saturated reports whether the CPU was saturated at the last look.
func (q *cpuProbe) saturated() bool { return q.isSaturated.Load() }

// update looks again when probeEvery has passed since the last look.
func (q *cpuProbe) update(now time.Time) {
	if now.Sub(q.at) < probeEvery {
		return
	}
	q.at = now
	q.read()
}

func (q *cpuProbe) read() {
	metrics.Read(q.sample[:])
	if q.sample[0].Value.Kind() != metrics.KindFloat64Histogram {
		return // not in this runtime: never saturated
	}
	h := q.sample[0].Value.Float64Histogram()
	if len(q.prev) != len(h.Counts) {
		q.prev = make([]uint64, len(h.Counts))
	}
	q.isSaturated.Store(waitsSaturate(h.Buckets, h.Counts, q.prev))
}

// waitsSaturate judges the waits sampled since the last look: counts is
// the histogram now (bucket i from buckets[i] seconds), prev as it was at
// the last look; prev becomes counts.
func waitsSaturate(buckets []float64, counts, prev []uint64) bool {
	var all, long uint64
	longFrom := longWait.Seconds()
	for i, c := range counts {
		d := c - prev[i]
		prev[i] = c
		all += d
		if buckets[i] >= longFrom {
			long += d
		}
	}
	return all >= minWaits && float64(long) >= longShare*float64(all)
}
