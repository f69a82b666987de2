package stats

import (
	"sync"
	"sync/atomic"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// maxCode bounds the status codes counted one by one; others count as 0.
const maxCode = 600

// endpoint holds the live counters of one route. Its lock guards
// everything but dropped and the recent window's merge.
type endpoint struct {
	rt *route

	mu      sync.Mutex
	total   int64
	success int64
	resent  int64
	kinds   [numKinds]int64
	codes   [maxCode]int64
	hist    *hdr.PackedHistogram
	sumUs   int64             // of the latencies in hist, for their exact mean
	last    [numKinds]failure // the most recent failure of each kind
	slots   [histSlots]slot
	ticks   [tickSlots]tickSlot
	dropped atomic.Int64

	// The recent window, merged from the slots of the RecentWindow seconds
	// before recentSec. Snapshot merges it again when the second changes or
	// when a result has since landed in a second before recentSec (stale),
	// not on every call. recentSec and stale are guarded by mu; recent and
	// recentPct are Snapshot's own, guarded by Recorder.mu.
	recent    *hdr.PackedHistogram
	recentSum int64
	recentPct Percentiles
	recentSec int64
	stale     bool

	chk   checkCounts // guarded by mu
	shape shapeCounts // guarded by mu

	// The latency distributions (over the run and the recent window), made
	// when the recent window is merged; Snapshot's own, as recent is.
	dist, recentDist Distribution

	fails failRing
}

// slot holds one second of one route.
type slot struct {
	sec          int64
	success, err int64
	hist         *hdr.PackedHistogram
	sumUs        int64
}

// failure is the most recent failure of one kind on a route: why, and
// when it ended.
type failure struct {
	err  error
	code int
	end  time.Time
}

// tickSlot counts one tick (TickLen) of one route's completions, for the
// live rate (Snapshot.Live).
type tickSlot struct {
	tick         int64
	success, err int64
}

// newEndpoint makes rt's counters, with histograms copied from t, or
// without a reserve when t is nil.
func newEndpoint(rt *route, t *routeTemplates) *endpoint {
	e := &endpoint{rt: rt, hist: t.newTotal(), recent: t.newRecent(), recentSec: -1}
	for i := range e.slots {
		e.slots[i] = slot{sec: -1, hist: t.newSlot()}
	}
	for i := range e.ticks {
		e.ticks[i].tick = -1
	}
	return e
}

// record counts res, which completed in second sec and tick tick of the run.
func (e *endpoint) record(res Result, sec, tick int64) {
	us := clampMicros(res.Latency)
	code := res.Code
	if code < 0 || code >= maxCode {
		code = 0
	}
	e.mu.Lock()
	e.total++
	if res.Kind == KindNone {
		e.success++
	}
	if res.Resent > 0 {
		e.resent += int64(res.Resent)
	}
	e.kinds[res.Kind%numKinds]++
	if res.Kind != KindNone {
		e.last[res.Kind%numKinds] = failure{err: res.Err, code: res.Code, end: res.End}
	}
	if res.Checked {
		e.chk.add(res.CheckFailed)
	}
	e.codes[code]++
	e.hist.RecordValue(us)
	e.sumUs += us
	e.countTick(tick, res.Kind == KindNone)
	sl := &e.slots[sec%histSlots]
	if sl.sec != sec {
		if sl.sec > sec {
			// A result from a second already overwritten: count it in the
			// totals only.
			e.mu.Unlock()
			return
		}
		sl.sec, sl.success, sl.err, sl.sumUs = sec, 0, 0, 0
		sl.hist.Reset()
	}
	if res.Kind == KindNone {
		sl.success++
	} else {
		sl.err++
	}
	sl.hist.RecordValue(us)
	sl.sumUs += us
	if sec < e.recentSec {
		e.stale = true
	}
	e.mu.Unlock()
}

// countTick counts a completion in tick, unless the ring has moved past it.
// The caller holds e.mu.
func (e *endpoint) countTick(tick int64, ok bool) {
	tk := &e.ticks[tick%tickSlots]
	if tk.tick != tick {
		if tk.tick > tick {
			return
		}
		*tk = tickSlot{tick: tick}
	}
	if ok {
		tk.success++
	} else {
		tk.err++
	}
}

// live adds the route's completions in the ticks of each window to its
// Live. The caller holds e.mu.
func (e *endpoint) live(ws *liveWindows) {
	for i := range e.ticks {
		tk := &e.ticks[i]
		for j := range ws {
			if w := &ws[j]; tk.tick >= w.first && tk.tick <= w.last {
				w.l.Success += tk.success
				w.l.Errors += tk.err
			}
		}
	}
}
