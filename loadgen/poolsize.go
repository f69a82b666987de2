package loadgen

import (
	"math"
	"time"
)

// The open-model pool's size while the CPU is the bottleneck: see sizer.
const (
	// sizeEvery is how often the scheduler sets the limit.
	sizeEvery = 100 * time.Millisecond
	// holdFor is how long the limit lasts after the CPU was last seen
	// saturated; then workers start freely again.
	holdFor = 5 * time.Second
	// The limit is sizeHeadroom times the workers the server needs, plus
	// sizeSpare, and never below busyFloor: room for the rate's bursts
	// and the server's slower moments.
	sizeHeadroom = 1.5
	sizeSpare    = 8
)

// sizer limits the open-model pool while the CPU is saturated. A worker
// added then would wait for the CPU like the others, and its connection
// would cost CPU per request: at 90 % of the closed loop's rate against
// nginx, a pool free to grow reached 150–235 workers and sent 72 % of its
// target (BENCHMARKS.md). But a slow server needs its workers whatever
// the CPU does: 20,000 req/s at 10 ms each keeps 200 in flight.
//
// So the limit is what the server needs, by Little's law: the rate times
// the mean time a request spends at the server, from the send to the
// response's arrival at this host (its kernel receive timestamp). That
// time leaves out the time the response then waits for a CPU, which is
// what grows when the CPU is short: against nginx at 40,000 req/s it was
// 40–160 µs at the server and 5–9 ms waiting for the CPU. Where the
// client knows no arrival time, the whole exchange counts, and the limit
// is looser.
//
// The limit starts when a job finds no idle worker while the run queue is
// busy (at the pool's size, or busyFloor if larger), is set every
// sizeEvery once a job has finished, and ends holdFor after the run queue
// was last busy. Workers beyond it leave as they finish (over). The
// fields are guarded by workerPool.mu.
type sizer struct {
	limit    int   // workers the pool may run; 0: no limit
	busySeen bool  // the run queue was busy since the last look
	heldNs   int64 // server time of the jobs finished since the last look
	heldN    int64
	server   time.Duration // the mean server time at the last look with jobs
	known    bool          // server is known: some job has finished
	lastBusy time.Time
}

// finished counts a job that spent held at the server.
func (s *sizer) finished(held time.Duration) {
	s.heldNs += int64(held)
	s.heldN++
}

// full reports whether no worker may start beside n running. busy says
// the run queue is busy now: it starts the limit.
func (s *sizer) full(n int, busy bool) bool {
	if busy {
		s.busySeen = true
		if s.limit == 0 {
			s.limit = max(busyFloor, n)
		}
	}
	return s.limit > 0 && n >= s.limit
}

// over reports whether n workers are more than the limit: one leaves.
func (s *sizer) over(n int) bool { return s.limit > 0 && n > s.limit }

// set sets the limit for rate requests a second, or ends it.
func (s *sizer) set(now time.Time, rate float64) {
	if s.heldN > 0 {
		s.server = time.Duration(s.heldNs / s.heldN)
		s.heldNs, s.heldN, s.known = 0, 0, true
	}
	if s.busySeen {
		s.lastBusy, s.busySeen = now, false
	}
	switch {
	case s.limit == 0:
	case now.Sub(s.lastBusy) >= holdFor:
		s.limit = 0
	case s.known:
		need := rate * s.server.Seconds() * sizeHeadroom
		s.limit = max(busyFloor, int(math.Min(math.Ceil(need), math.MaxInt32))+sizeSpare)
	}
}
