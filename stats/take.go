package stats

import (
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

var quantiles = []float64{50, 90, 95, 99, 99.9}

// Snapshot returns an immutable copy of the statistics at now. It also
// finalises the per-second points of every second completed since the last
// call, so take one at least every few seconds (the engine does, 4–10 times a
// second). Run is left for the caller to fill, except Run.AchievedRPS,
// the drop causes (DropCause) and the events.
func (r *Recorder) Snapshot(now time.Time) Snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.st.Load()
	eps := *s.eps.Load()
	nowSec := s.second(now)
	r.seq++
	r.finalise(s, eps, nowSec)

	snap := Snapshot{
		Seq:      r.seq,
		Taken:    now,
		Elapsed:  max(now.Sub(s.start), 0),
		Dropped:  s.dropped.Load(),
		InFlight: max(r.inFlight.Load(), 0),
	}
	snap.Run.DroppedBehind = min(s.droppedBehind.Load(), snap.Dropped)
	snap.Run.DroppedAtCap = int(s.dropCap.Load())
	snap.Run.DroppedUnsent = min(s.droppedUnsent.Load(), snap.Dropped)
	ws := s.liveWindows(now)
	var t tally
	sumUs, recentChanged := r.routeRows(&snap, s, eps, nowSec, &ws, &t)
	snap.Errors = snap.Total - snap.Success
	snap.Live = ws.pick()
	snap.Latency = percentilesSum(r.scratchTotal, sumUs)
	snap.Recent = r.recentPercentiles(s, eps, recentChanged)
	if secs := snap.Elapsed.Seconds(); secs > 0 {
		snap.AverageRPS = float64(snap.Total) / secs
	}
	t.fill(&snap)
	if nowSec > 0 {
		snap.Run.AchievedRPS = float64(s.secs[(nowSec-1)%slotCount].sent.at(nowSec - 1))
	}
	snap.Journeys = r.journeySnapshot(s)
	snap.Series = s.lastPoints(SeriesLen)
	snap.Run.Events = append([]Event(nil), s.events...)
	return snap
}

// routeRows fills snap's endpoint rows and their totals, merges the
// routes' run-long histograms into r.scratchTotal and their codes and
// kinds into t, and adds their completions to the live windows. It
// returns the sum of the latencies, and whether a route's recent window
// moved on (or the routes changed) since the run's recent percentiles
// were last taken.
func (r *Recorder) routeRows(snap *Snapshot, s *state, eps []*endpoint, nowSec int64, ws *liveWindows, t *tally) (sumUs int64, recentChanged bool) {
	snap.Endpoints = make([]EndpointStats, len(eps))
	r.scratchTotal.Reset()
	recentChanged = s != r.recentState || len(eps) != r.recentEps
	for i, e := range eps {
		row := &snap.Endpoints[i]
		row.Route, row.Method = e.rt.name, e.rt.method
		row.Dropped = e.dropped.Load()
		e.mu.Lock()
		row.Total, row.Success = e.total, e.success
		row.Errors = e.total - e.success
		row.Resent = e.resent
		t.add(e)
		row.Latency = percentilesSum(e.hist, e.sumUs)
		sumUs += e.sumUs
		r.scratchTotal.Merge(e.hist)
		if sl := &e.slots[(nowSec+histSlots-1)%histSlots]; nowSec > 0 && sl.sec == nowSec-1 {
			row.CurrentRPS = float64(sl.success + sl.err)
		}
		e.live(ws)
		e.checkStats(row, s.start)
		if e.recentSec != nowSec || e.stale {
			e.mergeRecent(nowSec)
			e.distribute()
			recentChanged = true
		}
		why := e.detail(&row.RouteDetail)
		e.mu.Unlock()
		row.Recent = e.recentPct
		row.explain(&why, &e.fails, s.start)

		snap.Total += row.Total
		snap.Success += row.Success
		snap.Resent += row.Resent
		snap.CurrentRPS += row.CurrentRPS
	}
	return sumUs, recentChanged
}

// recentPercentiles are the run's percentiles over the recent window:
// every route's recent window merged, again only when one has changed.
func (r *Recorder) recentPercentiles(s *state, eps []*endpoint, changed bool) Percentiles {
	if changed {
		r.scratchAll.Reset()
		var recentSum int64
		for _, e := range eps {
			r.scratchAll.Merge(e.recent)
			recentSum += e.recentSum
		}
		r.recentPct = percentilesSum(r.scratchAll, recentSum)
		r.recentState, r.recentEps = s, len(eps)
	}
	return r.recentPct
}

// tally adds up the routes' status codes and error kinds, with each kind's
// latest failure, for a snapshot's StatusCodes and ErrorKinds.
type tally struct {
	codes [maxCode]int64
	kinds [numKinds]int64
	last  [numKinds]failure
}

// add counts e's codes and kinds; the caller holds e.mu.
func (t *tally) add(e *endpoint) {
	for c, n := range e.codes {
		t.codes[c] += n
	}
	for k, n := range e.kinds {
		t.kinds[k] += n
		if n > 0 && !e.last[k].end.Before(t.last[k].end) {
			t.last[k] = e.last[k]
		}
	}
}

// fill sets snap's StatusCodes and ErrorKinds from what t counted.
func (t *tally) fill(snap *Snapshot) {
	for c, n := range t.codes {
		if n > 0 {
			snap.StatusCodes = append(snap.StatusCodes, CodeCount{Code: c, Count: n})
		}
	}
	for k, n := range t.kinds {
		if n > 0 && ErrorKind(k) != KindNone {
			snap.ErrorKinds = append(snap.ErrorKinds, KindCount{Kind: ErrorKind(k), Count: n, Message: t.last[k].message()})
		}
	}
}

// liveWindow is a run of ticks and what was counted in them.
type liveWindow struct {
	first, last int64
	l           Live
}

// liveWindows are the long (LiveWindow) and the short (half of it) live
// windows.
type liveWindows [2]liveWindow

// liveWindows returns the live windows at now: the span before the
// current tick's start, and the current tick so far (or the run so far,
// early on), with the journey requests sent in them counted; the routes
// add their completions.
func (s *state) liveWindows(now time.Time) liveWindows {
	var ws liveWindows
	d := now.Sub(s.start)
	for i, span := range []time.Duration{LiveWindow, LiveWindow / 2} {
		w := &ws[i]
		if d <= 0 {
			w.first, w.last = 0, -1
			continue
		}
		w.last = int64(d / TickLen)
		w.first = max(w.last-int64(span/TickLen), 0)
		w.l.Span = d - time.Duration(w.first)*TickLen
		for t := w.first; t <= w.last; t++ {
			w.l.JourneySent += s.journeyTicks[t%tickSlots].at(t)
		}
	}
	return ws
}

// pick is the short window when it holds LiveShortCount requests, else
// the long one.
func (ws *liveWindows) pick() Live {
	if short := ws[1].l; short.Success+short.Errors >= LiveShortCount {
		return short
	}
	return ws[0].l
}

// mergeRecent merges the recent window before second nowSec: the seconds
// [nowSec-RecentWindow, nowSec). The caller holds e.mu.
func (e *endpoint) mergeRecent(nowSec int64) {
	e.recent.Reset()
	e.recentSum = 0
	for j := range e.slots {
		sl := &e.slots[j]
		if sl.sec < 0 || sl.sec >= nowSec || sl.sec < nowSec-int64(RecentWindow/time.Second) {
			continue
		}
		e.recent.Merge(sl.hist)
		e.recentSum += sl.sumUs
	}
	e.recentPct = percentilesSum(e.recent, e.recentSum)
	e.recentSec, e.stale = nowSec, false
}

// finalise turns every completed second not yet in the series into a
// Point. Seconds older than the latency ring (histSlots) are left empty:
// their slots were reused, and half a point (drops without requests)
// would read as a collapse. With snapshots every 100 ms that never
// happens.
func (r *Recorder) finalise(s *state, eps []*endpoint, nowSec int64) {
	if s.finalised < nowSec-histSlots+1 {
		for ; s.finalised < nowSec-histSlots+1; s.finalised++ {
			s.appendPoint(Point{Second: s.finalised})
		}
	}
	for ; s.finalised < nowSec; s.finalised++ {
		sec := s.finalised
		p := Point{Second: sec}
		r.scratchSlot.Reset()
		for _, e := range eps {
			e.mu.Lock()
			if sl := &e.slots[sec%histSlots]; sl.sec == sec {
				p.Success += sl.success
				p.Errors += sl.err
				r.scratchSlot.Merge(sl.hist)
			}
			e.mu.Unlock()
		}
		if r.scratchSlot.TotalCount() > 0 {
			v := r.scratchSlot.ValueAtPercentilesSlice([]float64{50, 99})
			p.P50, p.P99 = micros(v[0]), micros(v[1])
		}
		p.Dropped = s.secs[sec%slotCount].dropped.at(sec)
		p.Journey = s.journeySecs[sec%slotCount].at(sec)
		s.tmu.Lock()
		if t := &s.targets[sec%slotCount]; t.sec == sec && t.count > 0 {
			p.Target = t.sum / float64(t.count)
		}
		s.tmu.Unlock()
		s.appendPoint(p)
	}
}

func (s *state) appendPoint(p Point) {
	if len(s.series) < reportSeriesLen {
		s.series = append(s.series, p)
	} else {
		s.series[s.seriesN%reportSeriesLen] = p
	}
	s.seriesN++
}

// lastPoints copies the newest n points, oldest first.
func (s *state) lastPoints(n int) []Point {
	have := len(s.series)
	n = min(n, have)
	out := make([]Point, n)
	if have < reportSeriesLen {
		copy(out, s.series[have-n:])
		return out
	}
	// full ring: the oldest point sits at seriesN % reportSeriesLen
	for i := range n {
		out[i] = s.series[(s.seriesN-n+i)%reportSeriesLen]
	}
	return out
}

// journeys reads the journeys' counters and steps, and hands their
// durations' histogram to dur under the journeys' lock; Duration is left
// for dur's caller to fill.
func (r *Recorder) journeys(s *state, dur func(*hdr.PackedHistogram)) JourneyStats {
	js := &s.journeys
	out := JourneyStats{
		Started:   js.started.Load(),
		Completed: js.completed.Load(),
		Declined:  js.declined.Load(),
		Failed:    js.failed.Load(),
	}
	out.InProgress = max(out.Started-out.Completed-out.Failed, 0)
	r.jmu.Lock()
	keys := append([]stepKey(nil), r.steps...)
	r.jmu.Unlock()
	js.mu.Lock()
	defer js.mu.Unlock()
	for i, k := range keys {
		if i >= len(js.reached) {
			break
		}
		out.Steps = append(out.Steps, StepStats{
			Journey: k.journey, Step: k.step, Alt: k.alt,
			Reached: js.reached[i], Failed: js.failedAt[i], LastError: js.lastErr[i],
		})
	}
	dur(js.dur)
	return out
}

// journeySnapshot is the journeys for a Snapshot, durations as percentiles.
func (r *Recorder) journeySnapshot(s *state) JourneyStats {
	var d Percentiles
	out := r.journeys(s, func(h *hdr.PackedHistogram) { d = percentiles(h) })
	out.Duration = d
	return out
}

// percentiles summarises h, with the histogram's own (approximate) mean.
func percentiles(h *hdr.PackedHistogram) Percentiles {
	p := quantilesOf(h)
	if p.Count > 0 {
		p.Mean = time.Duration(h.Mean() * float64(time.Microsecond))
	}
	return p
}

// percentilesSum summarises h, whose values add up to sumUs: the mean is
// exact, and costs nothing, where the histogram's Mean walks every bucket
// (most of a percentiles call's cost with a long run's histograms).
func percentilesSum(h *hdr.PackedHistogram, sumUs int64) Percentiles {
	p := quantilesOf(h)
	if p.Count > 0 {
		p.Mean = time.Duration(float64(sumUs) / float64(p.Count) * float64(time.Microsecond))
	}
	return p
}

func quantilesOf(h *hdr.PackedHistogram) Percentiles {
	n := h.TotalCount()
	if n == 0 {
		return Percentiles{}
	}
	v := h.ValueAtPercentilesSlice(quantiles)
	return Percentiles{
		Count: n,
		P50:   micros(v[0]), P90: micros(v[1]), P95: micros(v[2]), P99: micros(v[3]), P999: micros(v[4]),
		Min: micros(h.Min()), Max: micros(h.Max()),
	}
}

func micros(us int64) time.Duration { return time.Duration(us) * time.Microsecond }
