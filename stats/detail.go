package stats

import "time"

// RouteDetail is the part of a route's row that a drill-down into the
// route shows: what it answered, how its latency is spread, and what it
// kept of its failures.
type RouteDetail struct {
	// Codes counts the route's responses by status code, ascending, and
	// Kinds its failures by kind with the last message of each, as
	// Snapshot.StatusCodes and ErrorKinds do for the run.
	Codes []CodeCount `json:",omitempty"`
	Kinds []KindCount `json:",omitempty"`
	// Dist is the route's latency distribution over the run; RecentDist
	// over the last RecentWindow. Both are made once a second.
	Dist, RecentDist Distribution
	// Failures are the route's most recent failures, oldest first, at
	// most MaxFailures; Sample is a recent request that succeeded (nil
	// before one). Both are shared between snapshots: never change them.
	Failures []Failure `json:",omitempty"`
	Sample   *Failure  `json:",omitempty"`
}

// distribute makes the route's distributions, after mergeRecent. The
// caller holds e.mu (for hist) and Recorder.mu (for recent).
func (e *endpoint) distribute() {
	e.recentDist = distribution(e.recent)
	e.dist = distribution(e.hist)
}

// detail fills d with the route's codes, kinds and distributions, and
// returns the last failure of each kind, whose messages explain makes
// once the lock is let go. The caller holds e.mu.
func (e *endpoint) detail(d *RouteDetail) (last [numKinds]failure) {
	d.Codes, d.Kinds = e.codeCounts(), e.kindCounts()
	for _, k := range d.Kinds {
		last[k.Kind] = e.last[k.Kind]
	}
	d.Dist, d.RecentDist = e.dist, e.recentDist
	return last
}

// codeCounts lists the statuses the route's answers had, by code; the
// caller holds e.mu.
func (e *endpoint) codeCounts() []CodeCount {
	var out []CodeCount
	for c, n := range e.codes {
		if n > 0 {
			out = append(out, CodeCount{Code: c, Count: n})
		}
	}
	return out
}

// kindCounts lists the kinds of the route's failures, without their
// messages; the caller holds e.mu.
func (e *endpoint) kindCounts() []KindCount {
	var out []KindCount
	for k, n := range e.kinds {
		if n > 0 && ErrorKind(k) != KindNone {
			out = append(out, KindCount{Kind: ErrorKind(k), Count: n})
		}
	}
	return out
}

// explain adds the message of each kind's last failure, and the route's
// kept requests.
func (e *EndpointStats) explain(last *[numKinds]failure, fr *failRing, start time.Time) {
	for i := range e.Kinds {
		e.Kinds[i].Message = last[e.Kinds[i].Kind].message()
	}
	e.Failures, e.Sample = fr.snapshot(start)
}
