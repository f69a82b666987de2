package stats

import (
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Window is a span of a run that starts at a mark (Recorder.Mark): its
// Snapshot covers only what completed, or was dropped, since then. It
// costs nothing per request: the mark keeps a copy of the counters and
// of each route's run-long histogram, and the window's figures are the
// difference between the recorder's and the mark's when asked for. A
// Window is not safe for concurrent use; the Recorder it came from is.
type Window struct {
	r     *Recorder
	at    time.Time
	state *state // the recorder's state at the mark; a Reset replaces it
	base  []routeMark
	// dropped, as counted at the mark (state.dropped)
	dropped int64
}

// routeMark is one route's counters at a mark.
type routeMark struct {
	total, success, resent, dropped, sumUs int64
	kinds                                  [numKinds]int64
	codes                                  map[int]int64 // codes seen by then, sparse
	hist                                   *hdr.PackedHistogram
}

// Mark starts a window at now. After a Reset the window starts again at
// the reset: it never covers what came before the recorder's start.
func (r *Recorder) Mark(now time.Time) *Window {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.st.Load()
	eps := *s.eps.Load()
	w := &Window{r: r, at: now, state: s, base: make([]routeMark, len(eps)), dropped: s.dropped.Load()}
	for i, e := range eps {
		b := &w.base[i]
		b.dropped = e.dropped.Load()
		e.mu.Lock()
		b.total, b.success, b.resent, b.sumUs = e.total, e.success, e.resent, e.sumUs
		b.kinds = e.kinds
		for c, n := range e.codes {
			if n > 0 {
				if b.codes == nil {
					b.codes = make(map[int]int64)
				}
				b.codes[c] = n
			}
		}
		b.hist = e.hist.Clone()
		e.mu.Unlock()
	}
	return w
}

// Start is when the window started: the mark, or the recorder's last
// Reset when that came later.
func (w *Window) Start() time.Time {
	if s := w.r.st.Load(); s != w.state && s.start.After(w.at) {
		return s.start
	}
	return w.at
}

// Snapshot returns the window's figures at now. Elapsed is the window's
// length so far, AverageRPS its completions a second; the totals,
// Latency, Endpoints (their Latency; Recent is left zero), StatusCodes,
// ErrorKinds (with the latest message of each), Resent and InFlight are
// set as in Recorder.Snapshot. The
// per-second series, the live rate, the journeys and Run are left zero:
// they do not belong to a window.
func (w *Window) Snapshot(now time.Time) Snapshot {
	r := w.r
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.st.Load()
	eps := *s.eps.Load()
	fresh := s != w.state // reset since the mark: everything counts
	start := w.at
	if fresh && s.start.After(start) {
		start = s.start
	}
	snap := Snapshot{Taken: now, Elapsed: max(now.Sub(start), 0), InFlight: max(r.inFlight.Load(), 0)}
	snap.Dropped = s.dropped.Load()
	if !fresh {
		snap.Dropped -= w.dropped
	}
	snap.Endpoints = make([]EndpointStats, len(eps))
	all := newTotalHist()
	var t tally // each kind's latest failure: in the window when it has any
	var sumUs int64
	for i, e := range eps {
		var b *routeMark
		if !fresh && i < len(w.base) {
			b = &w.base[i]
		}
		row := &snap.Endpoints[i]
		row.Route, row.Method = e.rt.name, e.rt.method
		row.Dropped = e.dropped.Load()
		e.mu.Lock()
		row.Total, row.Success, row.Resent = e.total, e.success, e.resent
		routeUs := e.sumUs
		t.add(e)
		h := since(e.hist, b)
		e.mu.Unlock()
		if b != nil {
			row.Dropped -= b.dropped
			row.Total -= b.total
			row.Success -= b.success
			row.Resent -= b.resent
			routeUs -= b.sumUs
			t.sub(b)
		}
		row.Errors = row.Total - row.Success
		row.Latency = percentilesSum(h, routeUs)
		all.Merge(h)
		sumUs += routeUs
		snap.Total += row.Total
		snap.Success += row.Success
		snap.Resent += row.Resent
	}
	snap.Errors = snap.Total - snap.Success
	snap.Latency = percentilesSum(all, sumUs)
	if secs := snap.Elapsed.Seconds(); secs > 0 {
		snap.AverageRPS = float64(snap.Total) / secs
	}
	t.fill(&snap)
	return snap
}

// sub takes out what a route had counted by the mark b.
func (t *tally) sub(b *routeMark) {
	for c, n := range b.codes {
		t.codes[c] -= n
	}
	for k, n := range b.kinds {
		t.kinds[k] -= n
	}
}

// since returns a new histogram of what cur holds beyond the mark b (all
// of cur when b is nil). The mark's histogram is a clone of an earlier
// cur, so every bucket's count has only grown since. The caller holds
// the route's lock.
func since(cur *hdr.PackedHistogram, b *routeMark) *hdr.PackedHistogram {
	if b == nil {
		return cur.Clone()
	}
	out := newTotalHist()
	for v, n := range cur.ForEachBucket {
		if d := n - b.hist.CountAtValue(v); d > 0 {
			out.RecordValues(v, d)
		}
	}
	return out
}
