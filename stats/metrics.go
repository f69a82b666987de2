package stats

import (
	"math/bits"
	"strings"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Metrics is a copy of a recorder's run-long counters and latency
// histograms, for an exporter that builds its series when it is scraped
// (package metrics) rather than counting each request a second time.
// Taking it reads what Snapshot reads, under the same per-route locks, but
// finalises no second and takes no Seq, so it does not disturb the
// engine's snapshots.
//
// Its counts start again at zero when the recorder is Reset (the
// dashboard's r key, or a run's start); Start tells when they last did.
type Metrics struct {
	// Start is when the counts started: the run's start or the last Reset.
	Start time.Time
	// InFlight is the number of requests sent and not yet answered; it is
	// not cleared by a Reset.
	InFlight int64
	// Dropped counts requests due but never sent (the in-flight cap was
	// full, or the run ended while they waited for a worker); DroppedBehind is the part due while trafficgen itself was the
	// limit (RunInfo.DroppedBehind).
	Dropped, DroppedBehind int64
	// TargetRPS is the newest sample of the offered rate the plan asks for
	// (0 before the first, and in the closed-loop mode); AchievedRPS is the
	// number of requests sent in the last full second.
	TargetRPS, AchievedRPS float64
	// Routes has one entry per route template, in registration order.
	Routes []RouteMetrics
	// Journeys counts the closed-model virtual users' journeys.
	Journeys JourneyMetrics
}

// RouteMetrics is one route template's run-long counts.
type RouteMetrics struct {
	// Route is the template ("GET /api/users/{id}"); Method its method.
	Route, Method string
	// Codes counts completed requests by HTTP status, ascending; code 0
	// counts those without a status in 100–599 (transport failures, and
	// statuses out of range). The counts add up to the route's Total.
	Codes []CodeCount
	// Errors counts the failed requests by kind, in the order of the
	// ErrorKind constants; kinds never seen are left out.
	Errors []KindCount
	// Dropped and Resent are EndpointStats' fields of the same names.
	Dropped, Resent int64
	// Latency is the route's latency histogram over the whole run.
	Latency LatencyHistogram
	// Checked, CheckFailed and Checks count the route's response checks,
	// and Shape its JSON shape drift, as in EndpointStats.
	Checked, CheckFailed int64
	Checks               []CheckCount
	Shape                ShapeStats
}

// JourneyMetrics is a copy of the journeys' counts.
type JourneyMetrics struct {
	// Started, Completed, Declined (part of Completed), Failed and
	// InProgress are JourneyStats' fields of the same names.
	Started, Completed, Declined, Failed, InProgress int64
	// Steps lists every step, in order, with the journeys that reached it
	// and those that failed at it.
	Steps []StepStats
	// Duration covers completed journeys, start to last response.
	Duration LatencyHistogram
}

// LatencyHistogram is a copy of an HDR latency histogram (microsecond
// values, 3 significant digits), for conversion into another kind of
// histogram.
type LatencyHistogram struct {
	h *hdr.PackedHistogram
	// Sum is the sum of the latencies recorded: exact for request
	// latencies, and the histogram's own estimate (within its 0.1 %) for
	// journey durations.
	Sum time.Duration
}

// Count returns the number of latencies recorded.
func (l LatencyHistogram) Count() int64 {
	if l.h == nil {
		return 0
	}
	return l.h.TotalCount()
}

// Each calls fn for each populated bucket in ascending order with the
// latencies the bucket holds, from lo to hi inclusive (the histogram
// cannot tell them apart), and how many were recorded there.
func (l LatencyHistogram) Each(fn func(lo, hi time.Duration, count int64)) {
	if l.h == nil {
		return
	}
	for v, n := range l.h.ForEachBucket {
		fn(micros(v), micros(v+bucketWidth(v)-1), n)
	}
}

// bucketWidth is how many microsecond values share the bucket whose lowest
// value is v, in the recorder's histograms (lowest discernible value 1,
// 3 significant digits): one each up to 2,047, then twice as many with
// each power of two. TestBucketWidthMatchesHistogram holds it to the
// library's geometry.
func bucketWidth(v int64) int64 {
	// 3 significant digits need 2,000 distinct values per power of two:
	// 2^11 sub-buckets, the top half of which carry each bucket past the
	// first.
	const subBucketBits = 11
	return 1 << max(0, bits.Len64(uint64(v))-subBucketBits)
}

// Metrics returns a copy of the run-long counts at now (which places the
// last full second for AchievedRPS). It is meant for a scraper, a few
// times a minute: it copies each route's histogram.
func (r *Recorder) Metrics(now time.Time) Metrics {
	s := r.st.Load()
	m := Metrics{
		Start:    s.start,
		InFlight: max(r.inFlight.Load(), 0),
		Dropped:  s.dropped.Load(),
	}
	m.DroppedBehind = min(s.droppedBehind.Load(), m.Dropped)
	if sec := s.second(now); sec > 0 {
		m.AchievedRPS = float64(s.secs[(sec-1)%slotCount].sent.at(sec - 1))
	}
	m.TargetRPS = s.latestTarget()
	eps := *s.eps.Load()
	m.Routes = make([]RouteMetrics, len(eps))
	for i, e := range eps {
		m.Routes[i] = e.metrics()
	}
	m.Journeys = r.journeyMetrics(s)
	return m
}

// latestTarget returns the mean of the newest second's target samples.
func (s *state) latestTarget() float64 {
	s.tmu.Lock()
	defer s.tmu.Unlock()
	var newest *targetSlot
	for i := range s.targets {
		t := &s.targets[i]
		if t.sec >= 0 && t.count > 0 && (newest == nil || t.sec > newest.sec) {
			newest = t
		}
	}
	if newest == nil {
		return 0
	}
	return newest.sum / float64(newest.count)
}

func (e *endpoint) metrics() RouteMetrics {
	rm := RouteMetrics{Route: e.rt.name, Method: e.rt.method, Dropped: e.dropped.Load()}
	e.mu.Lock()
	rm.Resent = e.resent
	rm.Codes, rm.Errors = e.codeCounts(), e.kindCounts()
	rm.Latency = LatencyHistogram{h: e.hist.Clone(), Sum: micros(e.sumUs)}
	var row EndpointStats
	e.checkStats(&row, time.Time{})
	e.mu.Unlock()
	rm.Checked, rm.CheckFailed, rm.Checks, rm.Shape = row.Checked, row.CheckFailed, row.Checks, row.Shape
	return rm
}

// journeyMetrics is the journeys for Metrics, durations as a histogram.
func (r *Recorder) journeyMetrics(s *state) JourneyMetrics {
	var h *hdr.PackedHistogram
	j := r.journeys(s, func(d *hdr.PackedHistogram) { h = d.Clone() })
	out := JourneyMetrics{
		Started: j.Started, Completed: j.Completed, Declined: j.Declined, Failed: j.Failed, InProgress: j.InProgress,
		Steps:    j.Steps,
		Duration: LatencyHistogram{h: h},
	}
	if n := h.TotalCount(); n > 0 {
		out.Duration.Sum = time.Duration(h.Mean() * float64(n) * float64(time.Microsecond))
	}
	return out
}

// Label names the kind for a metric label: lower case, words joined by
// underscores ("connection_refused", "http_5xx").
func (k ErrorKind) Label() string {
	switch k {
	case KindRateLimited:
		return "rate_limited"
	case KindCapture:
		return "bad_response"
	}
	return strings.ReplaceAll(k.String(), " ", "_")
}
