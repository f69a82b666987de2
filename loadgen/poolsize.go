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
// was last busy. Busy workers beyond it leave as they finish (over); idle
// ones retire after idleRetire, as always. The fields are guarded by
// workerPool.mu.
type sizer struct {
	limit    int   // workers the pool may run; 0: no limit
	busySeen bool  // the run queue was busy since the last look
	heldNs   int64 // server time of the jobs finished since the last look
	heldN    int64
	arrived  int64 // jobs dispatched since the last look
	refused  int   // starts refused by the limit since the last look
	at       time.Time
	server   time.Duration // the server time, smoothed (set)
	known    bool          // server is known: some job has finished
	lastBusy time.Time
	closed   bool // the pool is closing: no worker leaves on its own
}

// finished counts a job that spent held at the server.
func (s *sizer) finished(held time.Duration) {
	s.heldNs += int64(held)
	s.heldN++
}

// full reports whether no worker may start beside n running for a job
// that found none idle. busy says the run queue is busy now: it starts
// the limit.
func (s *sizer) full(n int, busy bool) bool {
	if busy {
		s.busySeen = true
		if s.limit == 0 {
			s.limit = max(busyFloor, n)
		}
	}
	if s.limit > 0 && n >= s.limit {
		s.refused++
		return true
	}
	return false
}

// over reports whether n workers are more than the limit: one leaves.
func (s *sizer) over(n int) bool { return s.limit > 0 && n > s.limit && !s.closed }

// set sets the limit for at most rate requests a second (the plan's) and
// n workers running, or ends it.
//
// The rate is the plan's or the one dispatched since the last look,
// whichever is lower, so that a target far beyond the machine does not
// lift the limit. The server time rises at once with a look's mean and
// falls by a quarter of the difference a look (about 1 s to settle), so
// that one slow look (a timeout among fast requests) does not start
// workers only for them to leave 100 ms later. A look in which jobs waited
// for the limit and fewer jobs finished than workers ran is a server
// that holds its requests longer than the look (a stall, or a turn far
// slower than the mean so far): the limit ends, as if the CPU had been
// free, and the run queue, if still busy, starts it again at the pool's
// size.
func (s *sizer) set(now time.Time, rate float64, n int) {
	span := now.Sub(s.at)
	done, arrived, refused := s.heldN, s.arrived, s.refused
	s.at, s.arrived, s.refused = now, 0, 0
	if s.heldN > 0 {
		mean := time.Duration(s.heldNs / s.heldN)
		if !s.known || mean > s.server {
			s.server = mean
		} else {
			s.server += (mean - s.server) / 4
		}
		s.heldNs, s.heldN, s.known = 0, 0, true
	}
	if s.busySeen {
		s.lastBusy, s.busySeen = now, false
	}
	if span > 0 {
		rate = min(rate, float64(arrived)/span.Seconds())
	}
	switch {
	case s.limit == 0:
	case now.Sub(s.lastBusy) >= holdFor, refused > 0 && done < int64(n):
		s.limit = 0
	case s.known:
		need := rate * s.server.Seconds() * sizeHeadroom
		if !(need >= 0) {
			need = 0 // NaN
		}
		s.limit = max(busyFloor, int(math.Min(math.Ceil(need), math.MaxInt32-sizeSpare))+sizeSpare)
	}
}
