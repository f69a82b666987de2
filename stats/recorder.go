// Package stats records the results of a load run and turns them into
// immutable Snapshots (for the dashboard and the headless printer) and a
// mergeable JSON Report.
//
// Recording is concurrent-safe and cheap: Sent and Dropped take no lock
// (atomic counters, per second and per run), each route has its own lock,
// HDR histogram and per-second slots for Record, and nothing on the hot
// path allocates or computes a percentile. Percentiles, merges and copies happen when a
// Snapshot is taken, a few times a second.
package stats

import (
	"sync"
	"sync/atomic"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram geometry. Latencies are recorded in microseconds from 1 µs to
// MaxLatency; longer ones are clamped to MaxLatency. The run-long histograms
// and the per-second ones alike keep 3 significant digits (0.1%). They are
// HDR "packed" histograms: a few kilobytes each, and their percentiles and
// merges walk only the populated buckets, which keeps snapshots cheap.
//
// Each histogram the recorder keeps is given room for its buckets when it
// is made (reserve), so that the heap does not creep up in a run's first
// minute as they fill; the routes share at most routeReserve. Why, and how
// the sizes were chosen: docs/design.md, "Histogram storage".
const (
	MaxLatency   = 120 * time.Second
	sigFigsTotal = 3
	sigFigsSlot  = 3

	// Buckets reserved: a little more than a busy route fills in a long
	// run. Counts are 1 byte wide unless noted; past its reserve a
	// histogram grows as it would without one.
	reserveSlot   = 864  // a route's second
	reserveTotal  = 4096 // a route's run-long histogram
	reserveRecent = 4096 // a route's merged recent window
	// reserveMerged: every route's run-long histogram merged (scratchTotal,
	// 2-byte counts) and every route's recent window merged (scratchAll).
	reserveMerged     = 8192
	reserveMergedSlot = 4096 // every route's second merged (scratchSlot)
	reserveJourney    = 864  // journey durations

	// slotCount per-second counters (sent, dropped, targets) are kept:
	// more than the latency ring below, so a late event still finds its
	// second.
	slotCount = 16
	// histSlots per-second latency histograms are kept per route: the
	// RecentWindow's seconds, the current one, and one being finalised
	// (snapshots come every 100 ms). They are most of a route's memory,
	// so the ring is no longer than that, and is all in use by the time
	// the window first fills.
	histSlots = int64(RecentWindow/time.Second) + 2
	// RecentWindow is the span of the "recent" percentiles.
	RecentWindow = 10 * time.Second
	// TickLen is the grain of the live rate (Snapshot.Live), and
	// LiveWindow the span it covers: a sliding window that moves a tick at
	// a time, so a change of rate shows within a tick or two rather than
	// when the second ends. When the half of it holds LiveShortCount
	// requests or more, the half alone is the window: it follows a change
	// twice as fast and is still steady to a percent or so.
	TickLen        = 100 * time.Millisecond
	LiveWindow     = time.Second
	LiveShortCount = 100
	// tickSlots ticks are kept: the window's, the current one and a few
	// for results recorded late.
	tickSlots = int64(LiveWindow/TickLen) + 6
	// SeriesLen is the number of per-second points a Snapshot carries.
	SeriesLen = 600
	// reportSeriesLen is the number of per-second points kept for reports.
	reportSeriesLen = 3600
	// maxEvents is the number of event-log entries kept.
	maxEvents = 100
)

// Result is the outcome of one request, as a worker reports it.
type Result struct {
	// Route is the id Register returned for the request's route template.
	Route int
	// Code is the HTTP status, or 0 when none was received.
	Code int
	// Kind is KindNone for a success (status 200–399), else why it failed.
	Kind ErrorKind
	// Latency runs from the moment the request was due to the end of its
	// response (or failure).
	Latency time.Duration
	// End is when the response (or failure) arrived.
	End time.Time
	// Resent is how many times the HTTP client silently sent the request
	// again. net/http resends an idempotent request when a reused
	// keep-alive connection dies after the request was written and before
	// any byte of a response; the server may or may not have read the
	// earlier attempts. Each request still counts once in Total, so the
	// number of requests the server saw lies between Total and
	// Total+Resent.
	Resent int
	// Err says why the request failed, when the client gave a reason (a
	// status outside 200–399 has none). Set it only with a failure Kind:
	// the recorder keeps the most recent one of each kind
	// (KindCount.Message).
	Err error
	// Checked says the route's response checks ran on the answer (a
	// status from 200 to 399); CheckFailed has bit i set for each that
	// failed, i being the number RegisterCheck gave the check, and the
	// Kind is then KindCheck.
	Checked     bool
	CheckFailed uint64
}

// Recorder collects Results from many goroutines. Register every route
// before recording results for it. The zero value is not usable; call New.
type Recorder struct {
	mu     sync.Mutex // guards registration, Reset and Snapshot
	routes atomic.Pointer[[]*route]
	st     atomic.Pointer[state]

	// inFlight changes on every Sent and Record, from every worker; it
	// has a cache line to itself so that it does not keep taking st, which
	// every call reads, out of the other cores' caches.
	_        cacheLinePad
	inFlight atomic.Int64
	_        cacheLinePad
	seq      uint64

	// journeys
	jmu   sync.Mutex
	steps []stepKey

	// scratch histograms for snapshots (guarded by mu)
	scratchTotal *hdr.PackedHistogram
	scratchSlot  *hdr.PackedHistogram
	scratchAll   *hdr.PackedHistogram
	// the last Snapshot's Recent, of recentEps endpoints of recentState
	// (guarded by mu)
	recentPct   Percentiles
	recentState *state
	recentEps   int
}

type stepKey struct {
	journey, step string
	alt           bool // an alternative to the step before (JourneyAlternative)
}

// cacheLinePad keeps the fields on either side of it on different cache
// lines (64 bytes on amd64 and most arm64).
type cacheLinePad [64]byte

// route is one route template's registration; its live counters sit in
// the current state so that Reset can swap them all at once.
type route struct {
	id     int
	name   string
	method string
	// checks names the route's response checks (RegisterCheck), and shape
	// holds its learned JSON shape (SetShape): both outlive a Reset.
	checks atomic.Pointer[[]string]
	shape  atomic.Pointer[[]string]
}

// state holds everything Reset clears.
type state struct {
	start time.Time
	eps   atomic.Pointer[[]*endpoint]

	// The counters below change on every Sent and Dropped; start and eps,
	// read by every call, stay off their cache lines.
	_       cacheLinePad
	dropped atomic.Int64
	// of the dropped: those due while the generator was behind, and the
	// largest in-flight cap one was dropped at (DropCause)
	droppedBehind, dropCap atomic.Int64
	// of the dropped: those never sent (DroppedUnsent)
	droppedUnsent atomic.Int64

	// per-second sent and dropped counts (ring, indexed by second); every
	// worker writes them, without a lock
	secs [slotCount]secSlot
	// journey requests sent, per second and per tick (rings): the
	// closed-model traffic beside the plan's target rate
	journeySecs  [slotCount]secCounter
	journeyTicks [tickSlots]secCounter
	// per-second target samples (ring, indexed by second); the scheduler
	// writes them a few times a second
	_       cacheLinePad
	tmu     sync.Mutex
	targets [slotCount]targetSlot

	// finalised per-second points, a ring of reportSeriesLen
	series    []Point
	seriesN   int   // points written in total
	finalised int64 // seconds [0, finalised) are in series

	journeys journeyState
	events   []Event
}

// secSlot counts one second's sent and dropped requests.
type secSlot struct {
	sent, dropped secCounter
}

// secCounter is a count that belongs to one second, updated without a
// lock. One word holds the second (plus one, so that the zero word is an
// empty counter) in its high 32 bits and the count in its low 32 bits, so
// a single atomic add both counts and tells which second it counted in.
//
// Counting in the counter's own second, the common case, is that one add.
// Otherwise the add went to another second's count:
//   - an older second's: the counter is moved on to ours with a
//     compare-and-swap that replaces the old count, our stray 1 included,
//     by a count of 1. If another goroutine moved it on first, we count
//     again. No increment can land in a count while another goroutine is
//     clearing it: clearing is a swap that fails if the word has changed.
//   - a newer second's (a late event: a newer second has taken the slot
//     over, 16 seconds on): the stray 1 is taken back with a
//     compare-and-swap, unless that second has itself been replaced, and
//     the event is not counted per second (the run totals, kept apart,
//     count it). A reader of that newer second in the few nanoseconds
//     between add and take-back sees one too many.
//
// A count would carry into the second past 4 billion events in one second.
type secCounter struct{ w atomic.Uint64 }

const (
	secCountBits = 32
	secCountMask = 1<<secCountBits - 1
	// maxStampSec is the last second a counter can hold (136 years).
	maxStampSec = 1<<(64-secCountBits) - 2
)

// add counts one event in second sec.
func (c *secCounter) add(sec int64) {
	if sec < 0 || sec > maxStampSec {
		return
	}
	stamp := uint64(sec+1) << secCountBits
	for {
		v := c.w.Add(1)
		cur := v &^ secCountMask
		if cur == stamp {
			return
		}
		if cur > stamp {
			c.takeBack(cur)
			return
		}
		for { // move the counter on from an older second
			old := c.w.Load()
			if old&^secCountMask != cur {
				break // moved on by someone else: try again
			}
			if c.w.CompareAndSwap(old, stamp|1) {
				return
			}
		}
		if c.w.Load()&^secCountMask > stamp {
			return // a newer second took the slot meanwhile: too late
		}
	}
}

// takeBack undoes a stray increment made to the count of the second
// stamped cur, unless the counter has moved on since (taking the stray 1
// with it).
func (c *secCounter) takeBack(cur uint64) {
	for {
		old := c.w.Load()
		if old&^secCountMask != cur || c.w.CompareAndSwap(old, old-1) {
			return
		}
	}
}

// at returns the count of second sec, or 0 if the counter holds another.
func (c *secCounter) at(sec int64) int64 {
	if sec < 0 || sec > maxStampSec {
		return 0
	}
	w := c.w.Load()
	if w>>secCountBits != uint64(sec+1) {
		return 0
	}
	return int64(w & secCountMask)
}

// targetSlot holds one second's target samples (guarded by state.tmu).
type targetSlot struct {
	sec   int64
	sum   float64
	count int64
}

type journeyState struct {
	started, completed, declined, failed atomic.Int64
	mu                                   sync.Mutex
	reached, failedAt                    []int64
	lastErr                              []string
	dur                                  *hdr.PackedHistogram
}

// New returns an empty Recorder whose clock starts now.
func New() *Recorder {
	r := &Recorder{
		scratchTotal: reserve(newTotalHist(), reserveMerged, 2),
		scratchSlot:  reserve(newSlotHist(), reserveMergedSlot, 1),
		scratchAll:   reserve(newSlotHist(), reserveMerged, 1),
	}
	empty := []*route{}
	r.routes.Store(&empty)
	r.st.Store(r.newState(time.Now()))
	return r
}

func newTotalHist() *hdr.PackedHistogram {
	return hdr.NewPacked(1, int64(MaxLatency/time.Microsecond), sigFigsTotal)
}

func newSlotHist() *hdr.PackedHistogram {
	return hdr.NewPacked(1, int64(MaxLatency/time.Microsecond), sigFigsSlot)
}

// reserve gives h, which must be empty, room for n populated buckets
// with counts width bytes wide (1, 2, 4 or 8), and returns it empty. The
// library has no call for that, but Reset keeps a histogram's arrays and
// count width, so reserve fills h and resets it. Recording into h then
// allocates nothing until a count outgrows the width or bucket n+1 fills.
// The count bytes grow to a power of two and the indexes by append's
// steps, so the room can be a little more than n.
func reserve(h *hdr.PackedHistogram, n, width int) *hdr.PackedHistogram {
	fillBuckets(h, n, width)
	h.Reset()
	return h
}

// fillBuckets records n distinct buckets into h, which must be empty, the
// first with a count that needs width bytes, and returns h.
func fillBuckets(h *hdr.PackedHistogram, n, width int) *hdr.PackedHistogram {
	first := int64(1)
	if width > 1 {
		first <<= 4 * min(width, 8) // the smallest count that needs width bytes
	}
	h.RecordValues(1, first)
	// Ascending values, so that each bucket is appended, not inserted.
	// With 3 significant digits a bucket is 1 µs wide below 2,048 µs and
	// at most v>>10 µs wide at v above it, so each step reaches a new
	// bucket; with fewer digits some would not, and the loop runs longer.
	for v := int64(2); int(h.Populated()) < n; v += max(1, v>>10) {
		if h.RecordValue(v) != nil {
			break // past the largest value: no more buckets to fill
		}
	}
	return h
}

// routeReserve bounds what the routes' reserves hold together: a scenario
// with more routes than fit whole halves each route's reserve (shift)
// until they fit, and past maxReserveShift halvings a route gets none, so
// memory does not scale with routes that may carry little traffic.
const (
	routeReserve    = 1280 << 10
	maxReserveShift = 6
)

// routeTemplates are filled histograms a route's are copied from, each
// with 1/2^shift of the full reserve: copying is much quicker than filling,
// which Reset would otherwise do holding the lock after the run's clock has
// started. A set is made on first use, compacted and never changed after,
// so any goroutine may copy from it.
type routeTemplates struct {
	slot, recent, total *hdr.PackedHistogram
	bytes               int // what a route copied from the set holds
}

var templates struct {
	mu   sync.Mutex
	sets [maxReserveShift + 1]*routeTemplates
}

func templateSet(shift int) *routeTemplates {
	templates.mu.Lock()
	defer templates.mu.Unlock()
	if t := templates.sets[shift]; t != nil {
		return t
	}
	t := &routeTemplates{
		slot:   compact(fillBuckets(newSlotHist(), reserveSlot>>shift, 1)),
		recent: compact(fillBuckets(newSlotHist(), reserveRecent>>shift, 1)),
		total:  compact(fillBuckets(newTotalHist(), reserveTotal>>shift, 1)),
	}
	t.bytes = int(histSlots)*t.slot.GetMemorySize() + t.recent.GetMemorySize() + t.total.GetMemorySize()
	templates.sets[shift] = t
	return t
}

// newTotal, newRecent and newSlot return an empty histogram of their kind
// copied from t, or a new one without a reserve when t is nil.
func (t *routeTemplates) newTotal() *hdr.PackedHistogram {
	if t == nil {
		return newTotalHist()
	}
	return emptyCopy(t.total)
}

func (t *routeTemplates) newRecent() *hdr.PackedHistogram {
	if t == nil {
		return newSlotHist()
	}
	return emptyCopy(t.recent)
}

func (t *routeTemplates) newSlot() *hdr.PackedHistogram {
	if t == nil {
		return newSlotHist()
	}
	return emptyCopy(t.slot)
}

// templatesFor returns the set the histograms of n routes are copied
// from, or nil when they get no reserve.
func templatesFor(n int) *routeTemplates {
	for shift := range maxReserveShift + 1 {
		if t := templateSet(shift); n*t.bytes <= routeReserve {
			return t
		}
	}
	return nil
}

// journeyTemplate is the filled histogram journey durations are copied
// from, as routeTemplates are.
var journeyTemplate = sync.OnceValue(func() *hdr.PackedHistogram { return compact(fillBuckets(newTotalHist(), reserveJourney, 1)) })

func compact(h *hdr.PackedHistogram) *hdr.PackedHistogram {
	h.Compact()
	return h
}

// emptyCopy returns an empty histogram with t's geometry and count width,
// with room for as many buckets as t holds: Clone copies t's arrays at
// their length, and Reset keeps them.
func emptyCopy(t *hdr.PackedHistogram) *hdr.PackedHistogram {
	h := t.Clone()
	h.Reset()
	return h
}

func (r *Recorder) newState(start time.Time) *state {
	s := &state{start: start, series: make([]Point, 0, 64)}
	routes := *r.routes.Load()
	eps := make([]*endpoint, 0, len(routes))
	t := templatesFor(len(routes))
	for _, rt := range routes {
		eps = append(eps, newEndpoint(rt, t))
	}
	s.eps.Store(&eps)
	for i := range s.targets {
		s.targets[i].sec = -1
	}
	r.jmu.Lock()
	n := len(r.steps)
	r.jmu.Unlock()
	s.journeys.reached = make([]int64, n)
	s.journeys.failedAt = make([]int64, n)
	s.journeys.lastErr = make([]string, n)
	s.journeys.dur = emptyCopy(journeyTemplate())
	return s
}

// Register adds a route template (e.g. "GET /api/users/{id}") and returns
// its id for Result.Route. Registering the same template again returns the
// same id. It may be called while results are being recorded.
func (r *Recorder) Register(method, template string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := *r.routes.Load()
	for _, rt := range old {
		if rt.name == template {
			return rt.id
		}
	}
	rt := &route{id: len(old), name: template, method: method}
	routes := append(append([]*route(nil), old...), rt)
	r.routes.Store(&routes)
	st := r.st.Load()
	// No reserve yet: the routes share one, sized by their number, which
	// the next Reset (a run's start) gives them.
	eps := append(append([]*endpoint(nil), *st.eps.Load()...), newEndpoint(rt, nil))
	st.eps.Store(&eps)
	return rt.id
}

// RegisterJourney declares a journey's steps, in order, and returns the
// index of its first step; step i of the journey is index+i in JourneyStep
// and JourneyFailed.
func (r *Recorder) RegisterJourney(journey string, steps []string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.jmu.Lock()
	base := len(r.steps)
	for _, s := range steps {
		r.steps = append(r.steps, stepKey{journey: journey, step: s})
	}
	r.jmu.Unlock()
	st := r.st.Load()
	js := &st.journeys
	js.mu.Lock()
	for range steps {
		js.reached = append(js.reached, 0)
		js.failedAt = append(js.failedAt, 0)
		js.lastErr = append(js.lastErr, "")
	}
	js.mu.Unlock()
	return base
}

// JourneyAlternative marks step (an index from RegisterJourney) as an
// alternative to the step before it: a journey runs one of them (get the
// user it has, or create one), so a funnel shows them as one step.
func (r *Recorder) JourneyAlternative(step int) {
	r.jmu.Lock()
	defer r.jmu.Unlock()
	if step > 0 && step < len(r.steps) {
		r.steps[step].alt = true
	}
}

// Start returns the time the run (or the last Reset) started.
func (r *Recorder) Start() time.Time { return r.st.Load().start }

// second returns the index of the second t falls in, since start.
func (s *state) second(t time.Time) int64 {
	sec, _ := s.when(t)
	return sec
}

// when returns the indexes of the second and of the tick t falls in,
// since start.
func (s *state) when(t time.Time) (sec, tick int64) {
	d := t.Sub(s.start)
	if d < 0 {
		return 0, 0
	}
	return int64(d / time.Second), int64(d / TickLen)
}

// Sent notes that a request was sent at t: it is in flight until its
// Result is recorded.
func (r *Recorder) Sent(t time.Time) {
	r.inFlight.Add(1)
	s := r.st.Load()
	sec := s.second(t)
	s.secs[sec%slotCount].sent.add(sec)
}

// Unsent takes back Sent(t) for a request that never reached the server
// after all (transport.ErrUnsent): it is no longer in flight, nor counted
// as sent in t's second. The caller counts it as dropped.
func (r *Recorder) Unsent(t time.Time) {
	r.inFlight.Add(-1)
	s := r.st.Load()
	if sec := s.second(t); sec >= 0 && sec <= maxStampSec {
		s.secs[sec%slotCount].sent.takeBack(uint64(sec+1) << secCountBits)
	}
}

// Record adds the result of a request sent with Sent.
func (r *Recorder) Record(res Result) {
	r.inFlight.Add(-1)
	r.record(res)
}

// RecordUnsent adds the result of a request that never went through Sent
// (for example one that failed before it could be sent).
func (r *Recorder) RecordUnsent(res Result) { r.record(res) }

func (r *Recorder) record(res Result) {
	s := r.st.Load()
	eps := *s.eps.Load()
	if res.Route < 0 || res.Route >= len(eps) {
		return
	}
	sec, tick := s.when(res.End)
	eps[res.Route].record(res, sec, tick)
}

// Dropped counts a request for route that was due at t but not sent
// because the in-flight cap was full.
func (r *Recorder) Dropped(routeID int, t time.Time) {
	s := r.st.Load()
	s.dropped.Add(1)
	eps := *s.eps.Load()
	if routeID >= 0 && routeID < len(eps) {
		eps[routeID].dropped.Add(1)
	}
	sec := s.second(t)
	s.secs[sec%slotCount].dropped.add(sec)
}

// DropCause notes why n requests counted with Dropped were dropped: at an
// in-flight cap of limit, and, when behind, while the generator itself
// was the limit rather than the server (RunInfo.DroppedBehind). The
// scheduler, the only caller, calls it once for a run of drops.
func (r *Recorder) DropCause(n int64, behind bool, limit int) {
	s := r.st.Load()
	if behind {
		s.droppedBehind.Add(n)
	}
	if int64(limit) > s.dropCap.Load() {
		s.dropCap.Store(int64(limit))
	}
}

// DroppedUnsent counts a request for route, due at t, that was handed to
// a worker but not sent: it still waited for one when the run ended or
// its deadline passed (RunInfo.DroppedUnsent).
func (r *Recorder) DroppedUnsent(routeID int, t time.Time) {
	r.Dropped(routeID, t)
	r.st.Load().droppedUnsent.Add(1)
}

// Target samples the offered rate the plan asks for at t; a second's
// Point.Target is the mean of its samples. The scheduler calls it a few
// times a second, so it takes a lock of its own.
func (r *Recorder) Target(t time.Time, rate float64) {
	s := r.st.Load()
	sec := s.second(t)
	s.tmu.Lock()
	defer s.tmu.Unlock()
	sl := &s.targets[sec%slotCount]
	if sl.sec > sec {
		return // too late: the slot holds a newer second
	}
	if sl.sec < sec {
		*sl = targetSlot{sec: sec}
	}
	sl.sum += rate
	sl.count++
}

// InFlight returns the number of requests sent and not yet recorded.
func (r *Recorder) InFlight() int64 { return r.inFlight.Load() }

// JourneyStarted counts a journey begun.
func (r *Recorder) JourneyStarted() { r.st.Load().journeys.started.Add(1) }

// JourneyStep counts a journey reaching step (an index from
// RegisterJourney), about to send the step's request.
func (r *Recorder) JourneyStep(step int) {
	s := r.st.Load()
	sec, tick := s.when(time.Now())
	s.journeySecs[sec%slotCount].add(sec)
	s.journeyTicks[tick%tickSlots].add(tick)
	js := &s.journeys
	js.mu.Lock()
	if step >= 0 && step < len(js.reached) {
		js.reached[step]++
	}
	js.mu.Unlock()
}

// JourneyCompleted counts a journey whose every step succeeded, taking d
// from its start; declined marks a business "declined" outcome.
func (r *Recorder) JourneyCompleted(d time.Duration, declined bool) {
	js := &r.st.Load().journeys
	js.completed.Add(1)
	if declined {
		js.declined.Add(1)
	}
	js.mu.Lock()
	js.dur.RecordValue(clampMicros(d))
	js.mu.Unlock()
}

// JourneyFailed counts a journey that stopped at step, and why.
func (r *Recorder) JourneyFailed(step int, reason string) {
	js := &r.st.Load().journeys
	js.failed.Add(1)
	js.mu.Lock()
	if step >= 0 && step < len(js.failedAt) {
		js.failedAt[step]++
		js.lastErr[step] = reason
	}
	js.mu.Unlock()
}

// Event appends an entry to the event log at time t.
func (r *Recorder) Event(t time.Time, kind, text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.st.Load()
	e := Event{Time: t, Elapsed: max(t.Sub(s.start), 0), Kind: kind, Text: text}
	if len(s.events) >= maxEvents {
		copy(s.events, s.events[1:])
		s.events[len(s.events)-1] = e
		return
	}
	s.events = append(s.events, e)
}

// Reset clears every count, histogram and series and restarts the
// clock at now; the event log is kept. Requests in flight stay counted as in flight; their
// results land in the new period.
func (r *Recorder) Reset(now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ns := r.newState(now)
	ns.events = append(ns.events, r.st.Load().events...)
	r.st.Store(ns)
}

func clampMicros(d time.Duration) int64 {
	us := int64(d / time.Microsecond)
	if us < 1 {
		return 1
	}
	if us > int64(MaxLatency/time.Microsecond) {
		return int64(MaxLatency / time.Microsecond)
	}
	return us
}
