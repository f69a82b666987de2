// Package metrics exports a run's statistics to Prometheus.
//
// Collector builds every series when it is scraped, from the recorder's own
// counters and HDR histograms (stats.Recorder.Metrics): recording a request
// costs nothing more with metrics on, and the series agree with the
// dashboard, the summary and the report to the request. docs/kubernetes.md
// lists the series and the queries that sum a fleet of shards.
package metrics

import (
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/trafficgen/trafficgen/stats"
)

const namespace = "trafficgen"

// Collector is a prometheus.Collector of a stats.Recorder's counts.
//
// Counters start again at zero when the recorder is reset (the
// dashboard's r key): Prometheus treats a counter that goes down as a
// reset, so rate() and increase() stay right, and each counter carries the
// reset's time as its created timestamp.
type Collector struct {
	rec Source
	now func() time.Time

	requests, errors, dropped, droppedBehind, resent *prometheus.Desc
	inFlight, targetRate, achievedRate               *prometheus.Desc
	latency                                          *prometheus.Desc
	journeysStarted, journeys, journeysInProgress    *prometheus.Desc
	stepReached, stepFailed, journeyDuration         *prometheus.Desc
	checked, checkFailures, shapeCompared, drifted   *prometheus.Desc
}

// Source is what a Collector reads: a *stats.Recorder, or something that
// hands on to the recorder of the run going on now.
type Source interface {
	Metrics(now time.Time) stats.Metrics
}

// New returns a Collector of rec's statistics. labels are added to every
// series: the shard, say, so that a query can tell a fleet's members apart.
func New(rec Source, labels prometheus.Labels) *Collector {
	d := func(name, help string, vars ...string) *prometheus.Desc {
		return prometheus.NewDesc(namespace+"_"+name, help, vars, labels)
	}
	route := []string{"route", "method"}
	return &Collector{
		rec: rec, now: time.Now,
		requests: d("requests_total",
			"Requests completed (answered, or failed without an answer), by route template and HTTP status class (none: no status).",
			"route", "method", "status_class"),
		errors: d("request_errors_total",
			"Failed requests (not a status from 200 to 399, or a journey step's response lacking what the next step needs), by kind.",
			"route", "method", "kind"),
		dropped: d("requests_dropped_total",
			"Requests that fell due and were never sent: the in-flight cap was full, or the run ended (or their deadline passed) while they waited for a worker.", route...),
		droppedBehind: d("requests_dropped_behind_total",
			"Dropped requests that were due while trafficgen itself, not the server, kept the in-flight cap full."),
		resent: d("requests_resent_total",
			"Attempts the HTTP client sent again on its own after a kept-alive connection died; the server saw between requests_total and requests_total plus these.",
			route...),
		inFlight: d("requests_in_flight", "Requests sent and not yet answered."),
		targetRate: d("target_requests_per_second",
			"The offered rate the rate plan asks for now, spikes included (0 in the closed-loop mode)."),
		achievedRate: d("sent_requests_per_second", "Requests sent in the last full second."),
		latency: d("request_duration_seconds",
			"Request latency, from the moment each request was due to the end of its response.", route...),
		journeysStarted:    d("journeys_started_total", "Journeys begun by the virtual users."),
		journeys:           d("journeys_total", "Journeys ended, by outcome: completed, declined (completed with a business decline) or failed.", "outcome"),
		journeysInProgress: d("journeys_in_progress", "Journeys begun and not yet ended."),
		stepReached:        d("journey_step_reached_total", "Journeys that sent this step.", "journey", "step"),
		stepFailed:         d("journey_step_failures_total", "Journeys that failed at this step.", "journey", "step"),
		journeyDuration:    d("journey_duration_seconds", "Completed journeys' duration, from their start to their last response."),
		checked: d("checked_responses_total",
			"Answers the route's response checks ran on (those with a status from 200 to 399).", route...),
		checkFailures: d("check_failures_total",
			"Answers that failed a response check, by check (an answer failing two counts under each).", "route", "method", "check"),
		shapeCompared: d("shape_compared_total",
			"Answers compared with the route's learnt JSON shape (a sample of them, once the shape is learnt).", route...),
		drifted: d("shape_drifted_total",
			"Compared answers whose JSON shape differed from the route's: a path missing, a type changed, a path added, not JSON.", route...),
	}
}

// Describe sends every series' description.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		c.requests, c.errors, c.dropped, c.droppedBehind, c.resent,
		c.inFlight, c.targetRate, c.achievedRate, c.latency,
		c.journeysStarted, c.journeys, c.journeysInProgress,
		c.stepReached, c.stepFailed, c.journeyDuration,
		c.checked, c.checkFailures, c.shapeCompared, c.drifted,
	} {
		ch <- d
	}
}

// Collect reads the recorder and sends every series.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	m := c.rec.Metrics(c.now())
	counter := func(d *prometheus.Desc, v int64, labels ...string) {
		ch <- prometheus.MustNewConstMetricWithCreatedTimestamp(d, prometheus.CounterValue, float64(v), m.Start, labels...)
	}
	gauge := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v)
	}
	for _, r := range m.Routes {
		for class, n := range byClass(r.Codes) {
			counter(c.requests, n, r.Route, r.Method, class)
		}
		for _, k := range r.Errors {
			counter(c.errors, k.Count, r.Route, r.Method, k.Kind.Label())
		}
		counter(c.dropped, r.Dropped, r.Route, r.Method)
		counter(c.resent, r.Resent, r.Route, r.Method)
		ch <- newHistogram(c.latency, r.Latency, m.Start, r.Route, r.Method)
		c.collectChecks(r, counter)
	}
	counter(c.droppedBehind, m.DroppedBehind)
	gauge(c.inFlight, float64(m.InFlight))
	gauge(c.targetRate, m.TargetRPS)
	gauge(c.achievedRate, m.AchievedRPS)

	j := m.Journeys
	counter(c.journeysStarted, j.Started)
	counter(c.journeys, j.Completed-j.Declined, "completed")
	counter(c.journeys, j.Declined, "declined")
	counter(c.journeys, j.Failed, "failed")
	gauge(c.journeysInProgress, float64(j.InProgress))
	for _, s := range j.Steps {
		counter(c.stepReached, s.Reached, s.Journey, s.Step)
		counter(c.stepFailed, s.Failed, s.Journey, s.Step)
	}
	if len(j.Steps) > 0 {
		ch <- newHistogram(c.journeyDuration, j.Duration, m.Start)
	}
}

// byClass adds up status counts by class: "1xx" to "5xx", and "none" for
// code 0 (no status in 100–599). Classes without requests are left out,
// so a route without traffic has no series until it has some.
func byClass(codes []stats.CodeCount) map[string]int64 {
	out := make(map[string]int64, 3)
	for _, cc := range codes {
		class := "none"
		if c := cc.Code / 100; c >= 1 && c <= 5 {
			class = fmt.Sprintf("%dxx", c)
		}
		out[class] += cc.Count
	}
	return out
}

// newHistogram is l as a native histogram with classic buckets.
func newHistogram(d *prometheus.Desc, l stats.LatencyHistogram, created time.Time, labels ...string) prometheus.Metric {
	c := convert(l)
	native := prometheus.MustNewConstNativeHistogram(d, c.count, c.sum, c.native, nil, 0,
		nativeSchema, prometheus.DefNativeHistogramZeroThreshold, created, labels...)
	classic := make([]*dto.Bucket, len(classicBounds))
	for i, bound := range classicBounds {
		classic[i] = &dto.Bucket{CumulativeCount: new(c.classic[i]), UpperBound: new(bound)}
	}
	return histogram{Metric: native, classic: classic}
}

// collectChecks sends a route's response-check and shape series: only
// for a route with checks, or with a shape.
func (c *Collector) collectChecks(r stats.RouteMetrics, counter func(*prometheus.Desc, int64, ...string)) {
	if len(r.Checks) > 0 {
		counter(c.checked, r.Checked, r.Route, r.Method)
		for _, k := range r.Checks {
			counter(c.checkFailures, k.Failed, r.Route, r.Method, k.Name)
		}
	}
	if r.Shape.Learned || r.Shape.Checked > 0 {
		counter(c.shapeCompared, r.Shape.Checked, r.Route, r.Method)
		counter(c.drifted, r.Shape.Drifted, r.Route, r.Method)
	}
}
