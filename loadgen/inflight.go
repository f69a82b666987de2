package loadgen

import (
	"math"
	"math/rand/v2"
	"time"
)

// The open model's in-flight cap: how many requests may be outstanding
// (sent, or waiting for a worker) before one that falls due is dropped and
// counted, and why each was dropped. See "The in-flight cap" and "Drop
// causes" in docs/design.md.

// The cap when Config.MaxInFlight is 0: the larger of autoInFlight and
// autoInFlightSpan of the target rate, so that a short stall of the
// machine at a high rate is waited out rather than dropped.
const (
	autoInFlight     = 1000
	autoInFlightSpan = 100 * time.Millisecond
)

// MaxInFlightCap is the largest in-flight cap, set or automatic.
const MaxInFlightCap = 1_000_000

// inFlightCap is the in-flight cap at the target rate: set, when it is
// not 0, else the automatic cap.
func inFlightCap(set int, rate float64) int {
	if set > 0 {
		return set
	}
	n := math.Ceil(rate * autoInFlightSpan.Seconds())
	switch {
	case n > MaxInFlightCap:
		return MaxInFlightCap
	case n > autoInFlight:
		return int(n)
	}
	return autoInFlight // NaN too
}

// stickyCap is the cap as the scheduler applies it: it rises at once with
// the rate, and falls only a request timeout after it was last that high,
// once the requests sent under it have had their time.
type stickyCap struct {
	cur   int
	until time.Time
	lasts time.Duration // the request timeout
}

// at returns the cap at now, c being the cap at the rate of now.
func (h *stickyCap) at(now time.Time, c int) int {
	if c >= h.cur || !now.Before(h.until) {
		h.cur, h.until = c, now.Add(h.lasts)
	}
	return h.cur
}

// dropAtCap counts a request for route, due at t, dropped because the cap
// was full; behind says trafficgen, not the server, held the cap.
func (e *Engine) dropAtCap(route int, t time.Time, behind bool, maxInFlight int) {
	e.rec.Dropped(route, t)
	e.rec.DropCause(1, behind, maxInFlight)
}

// dropManyAtCap counts n requests due by t as dropped at the cap, spread
// over the endpoints by weight: a rate far beyond the machine costs the
// scheduler little more than its own work.
func (e *Engine) dropManyAtCap(rnd *rand.Rand, n int64, t time.Time, behind bool, maxInFlight int) {
	const pickEach = 64 // below this, pick each one's endpoint
	counts := make([]int64, len(e.routes))
	switch {
	case len(counts) == 1:
		counts[0] = n
	case n <= pickEach:
		for range n {
			counts[e.pickEndpoint(rnd)]++
		}
	default:
		// The expected share of each, and the remainder picked by weight.
		total := e.cumWeights[len(e.cumWeights)-1]
		var given int64
		prev := 0.0
		for i, cw := range e.cumWeights {
			counts[i] = int64(float64(n) * (cw - prev) / total)
			given += counts[i]
			prev = cw
		}
		for range n - given {
			counts[e.pickEndpoint(rnd)]++
		}
	}
	for i, c := range counts {
		for range c {
			e.rec.Dropped(e.routes[i], t)
		}
	}
	e.rec.DropCause(n, behind, maxInFlight)
}

// dropUnsent counts an open-model job that was due but never sent: the
// run ended before it was, or its deadline passed while it waited for a
// worker. inFlight says it was in flight (handed to the pool) until now.
func (e *Engine) dropUnsent(j job, inFlight bool) {
	if inFlight {
		e.inFlight.Add(-1)
	}
	e.rec.DroppedUnsent(e.routes[j.endpoint], j.due)
}
