package loadgen

import (
	"math"
	"time"
)

// The open model's pool size while the CPU is the bottleneck: see sizer,
// and "Pool sizing" in docs/design.md.
const (
	// sizeEvery is how often the scheduler sets the limit.
	sizeEvery = 100 * time.Millisecond
	// limitLinger is how long the limit lasts after the CPU was last seen
	// saturated; then workers start freely again.
	limitLinger = 5 * time.Second
	// The limit is sizeHeadroom times the workers the server needs, plus
	// sizeSpare, and never below limitFloor: room for the rate's bursts
	// and the server's slower moments.
	sizeHeadroom = 1.5
	sizeSpare    = 8
	limitFloor   = 64
)

// sizer limits the open model's pool while the CPU is saturated, to what
// the server needs by Little's law: the rate times the mean time a
// request spends at the server (from the send to the response's arrival
// at this host, when the client stamps it). A worker beyond that would
// wait for the CPU like the others, and its connection would add CPU per
// request.
//
// The limit starts when a job finds no idle worker while the CPU is
// saturated (at the pool's size, or limitFloor if larger), is set every
// sizeEvery once a job has finished, and ends limitLinger after the CPU
// was last seen saturated. Busy workers beyond it leave as they finish
// (over); idle ones retire after idleRetire, as always. The fields are
// guarded by workerPool.mu.
type sizer struct {
	limit         int   // workers the pool may run; 0: no limit
	saturatedSeen bool  // the CPU was saturated since the last look
	serverNs      int64 // time at the server of the jobs finished since the last look
	serverN       int64
	dispatched    int64 // jobs dispatched since the last look
	refused       int   // starts refused by the limit since the last look
	at            time.Time
	server        time.Duration // the time at the server, smoothed (set)
	known         bool          // server is known: some job has finished
	lastSaturated time.Time
	closed        bool // the pool is closing: no worker leaves on its own
}

// finished counts a job that spent atServer at the server.
func (s *sizer) finished(atServer time.Duration) {
	s.serverNs += int64(atServer)
	s.serverN++
}

// full reports whether no worker may start beside n running for a job
// that found none idle. saturated says the CPU is saturated now: it
// starts the limit.
func (s *sizer) full(n int, saturated bool) bool {
	if saturated {
		s.saturatedSeen = true
		if s.limit == 0 {
			s.limit = max(limitFloor, n)
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
// falls by a quarter of the difference a look, so that one slow look (a
// timeout among fast requests) does not start workers only for them to
// leave a look later. A look in which jobs waited for the limit and fewer
// jobs finished than workers ran is a server that holds its requests
// longer than the look (a stall): the limit ends, as if the CPU had been
// free, and a CPU still saturated starts it again at the pool's size.
func (s *sizer) set(now time.Time, rate float64, n int) {
	span := now.Sub(s.at)
	done, dispatched, refused := s.serverN, s.dispatched, s.refused
	s.at, s.dispatched, s.refused = now, 0, 0
	if s.serverN > 0 {
		mean := time.Duration(s.serverNs / s.serverN)
		if !s.known || mean > s.server {
			s.server = mean
		} else {
			s.server += (mean - s.server) / 4
		}
		s.serverNs, s.serverN, s.known = 0, 0, true
	}
	if s.saturatedSeen {
		s.lastSaturated, s.saturatedSeen = now, false
	}
	if span > 0 {
		rate = min(rate, float64(dispatched)/span.Seconds())
	}
	switch {
	case s.limit == 0:
	case now.Sub(s.lastSaturated) >= limitLinger, refused > 0 && done < int64(n):
		s.limit = 0
	case s.known:
		need := rate * s.server.Seconds() * sizeHeadroom
		if !(need >= 0) {
			need = 0 // NaN
		}
		s.limit = max(limitFloor, int(math.Min(math.Ceil(need), math.MaxInt32-sizeSpare))+sizeSpare)
	}
}
