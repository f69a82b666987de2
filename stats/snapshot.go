package stats

import (
	"strings"
	"time"
)

// Snapshot is an immutable picture of a run at one moment. Every slice in it
// is a fresh copy owned by the reader: nothing in a Snapshot is shared with
// the Recorder, so it may be read from any goroutine without locking.
type Snapshot struct {
	// Seq increases by one for every snapshot a Recorder produces.
	Seq uint64
	// Taken is the wall-clock time the snapshot was taken.
	Taken time.Time
	// Elapsed is the time since the run (or the last Reset) started.
	Elapsed time.Duration

	// Totals since the run (or the last Reset) started. Total counts
	// completed requests: Total == Success + Errors. Dropped requests were
	// due but never sent (the in-flight cap was full); they are not in Total.
	Total, Success, Errors, Dropped int64
	// InFlight is the number of requests sent and not yet answered.
	InFlight int64
	// Resent is the sum of Result.Resent: the extra attempts the HTTP client
	// made on its own after a kept-alive connection died. The target may
	// have seen up to Total+Resent requests.
	Resent int64

	// CurrentRPS is the number of requests completed in the last full second.
	CurrentRPS float64
	// Live is the rate of the last moment: a window of about LiveWindow
	// (half of it at higher rates) ending at Taken, which follows a change
	// within a tick (TickLen).
	Live Live
	// AverageRPS is Total divided by Elapsed.
	AverageRPS float64

	// Latency covers every completed request since the start; Recent covers
	// the last 10 seconds.
	Latency, Recent Percentiles

	// Endpoints holds one row per route template, in the order the routes
	// were registered.
	Endpoints []EndpointStats
	// StatusCodes counts responses by HTTP status code, ascending by code.
	StatusCodes []CodeCount
	// ErrorKinds counts failed requests by kind (timeout, refused, 5xx, ...),
	// in the order of the ErrorKind constants; kinds never seen are omitted.
	ErrorKinds []KindCount
	// Journeys summarises the closed-model virtual users.
	Journeys JourneyStats

	// Series holds one point per completed second, oldest first, for at most
	// the last SeriesLen seconds.
	Series []Point

	// Run describes what the engine is doing; the engine fills it in.
	Run RunInfo
}

// Live counts what happened in a short window ending at the snapshot: the
// live rate a dashboard shows as its headline.
type Live struct {
	// Span is the window's length: LiveWindow (or half of it, at rates
	// that fill it with LiveShortCount requests) and the current tick so
	// far, or the run so far when shorter.
	Span time.Duration
	// Success and Errors count the requests completed in the window.
	Success, Errors int64
	// JourneySent counts the journey requests sent in the window: the
	// closed-model traffic, which the plan's target rate leaves out.
	JourneySent int64
}

// RPS is the rate of requests completed over the window.
func (l Live) RPS() float64 { return l.per(l.Success + l.Errors) }

// SuccessRPS and ErrorRPS split RPS into successes and errors.
func (l Live) SuccessRPS() float64 { return l.per(l.Success) }

// ErrorRPS is the rate of failed requests over the window.
func (l Live) ErrorRPS() float64 { return l.per(l.Errors) }

// JourneyRPS is the rate of journey requests sent over the window.
func (l Live) JourneyRPS() float64 { return l.per(l.JourneySent) }

func (l Live) per(n int64) float64 {
	if l.Span <= 0 {
		return 0
	}
	return float64(n) / l.Span.Seconds()
}

// Percentiles is a latency summary. Durations are zero when Count is zero.
// Percentiles, Min and Max come from an HDR histogram (within 0.1%). Mean
// is exact for request latencies (the sum of the latencies over Count) and
// the histogram's estimate for journey durations.
type Percentiles struct {
	Count                              int64
	Mean                               time.Duration
	P50, P90, P95, P99, P999, Min, Max time.Duration
}

// EndpointStats is one row of the per-endpoint table.
type EndpointStats struct {
	// Route is the route template, e.g. "GET /api/users/{id}".
	Route string
	// Method is the HTTP method of the route.
	Method                 string
	Total, Success, Errors int64
	// Dropped counts requests for this route that were due but never sent.
	Dropped int64
	// Resent counts the extra attempts the HTTP client made on its own
	// (Result.Resent).
	Resent int64
	// CurrentRPS is the number completed in the last full second.
	CurrentRPS float64
	// Latency covers the whole run; Recent the last 10 seconds.
	Latency, Recent Percentiles
	// Checked counts the answers the route's response checks ran on,
	// CheckFailed those that failed one or more (each also an error of
	// kind KindCheck), and Checks the failures of each check.
	Checked, CheckFailed int64
	Checks               []CheckCount
	// Shape is the route's JSON shape and how its answers drifted from it.
	Shape ShapeStats
	// RouteDetail is what a drill-down into the route shows.
	RouteDetail
}

// SuccessRate is Success/Total as a percentage, or 0 with no requests.
func (e EndpointStats) SuccessRate() float64 { return pct(e.Success, e.Total) }

// SuccessRate is Success/Total as a percentage, or 0 with no requests.
func (s Snapshot) SuccessRate() float64 { return pct(s.Success, s.Total) }

func pct(n, d int64) float64 {
	if d == 0 {
		return 0
	}
	return 100 * float64(n) / float64(d)
}

// CodeCount is the number of responses with one HTTP status code.
type CodeCount struct {
	Code  int
	Count int64
}

// KindCount is the number of failures of one kind, and why the most
// recent one failed.
type KindCount struct {
	Kind  ErrorKind
	Count int64
	// Message is the most recent failure's error message, or its HTTP
	// status ("503 Service Unavailable"), made safe to show (Clean); ""
	// when it had neither.
	Message string
}

// Reason is the kind and its message, the kind's name said once: "tls:
// failed to verify certificate: …", "connection refused: dial tcp …".
func (k KindCount) Reason() string {
	name := k.Kind.String()
	switch {
	case k.Message == "":
		return name
	case strings.HasPrefix(k.Message, name+":"):
		return k.Message
	}
	return name + ": " + k.Message
}

// JourneyStats summarises journeys (closed-model virtual users).
type JourneyStats struct {
	// Users is the number of virtual users running now.
	Users int
	// Started counts journeys begun; Completed those whose every step
	// succeeded (Declined is the part of Completed that ended with a
	// business "declined" outcome); Failed those that stopped at a step.
	// InProgress = Started - Completed - Failed.
	Started, Completed, Declined, Failed, InProgress int64
	// Steps lists each step of the scenario's journeys in order, with how
	// many journeys reached it and how many failed there.
	Steps []StepStats
	// Duration covers completed journeys, from start to the last response.
	Duration Percentiles
}

// StepStats counts one journey step.
type StepStats struct {
	// Journey and Step name the step, e.g. "checkout" / "create order".
	Journey, Step string
	// Reached counts journeys that sent this step; Failed those that failed
	// at it. LastError is the reason of the most recent failure, if any.
	Reached, Failed int64
	LastError       string
	// Alt marks an alternative to the step before: a journey runs one of
	// the two (get the user it has, or create one), so they are one step
	// of a funnel.
	Alt bool `json:",omitempty"`
}

// Point is one second of the time series.
type Point struct {
	// Second is the second's index since the start of the run (0-based).
	Second int64
	// Success and Errors count requests completed in that second.
	Success, Errors int64
	// Dropped counts requests that were due in that second but not sent.
	Dropped int64
	// Target is the offered rate the plan asked for, in requests/second,
	// averaged over the second (open-model traffic only).
	Target float64
	// Journey counts the journey requests sent in that second: the
	// closed-model traffic beside Target. Reports leave it out.
	Journey int64 `json:"-"`
	// P50 and P99 are latency percentiles of requests completed that second.
	P50, P99 time.Duration
}

// RunInfo is the engine's own state at the time of a snapshot. The Recorder
// leaves it zero; the engine sets it before publishing.
type RunInfo struct {
	// Target is the base URL traffic goes to.
	Target string
	// Mode is the rate plan's name (steady, ramp-up, spike, realistic, demo,
	// knee, or max for the closed-loop max-throughput mode).
	Mode string
	// Phase names the current phase; PhaseIndex is 0-based and PhaseCount
	// is 1 for modes without phases.
	Phase                  string
	PhaseIndex, PhaseCount int
	// Phases lists every phase of the plan, for a timeline.
	Phases []PhaseInfo
	// PhaseElapsed and PhaseLength locate the run inside the current phase;
	// PhaseLength is zero when the phase has no end.
	PhaseElapsed, PhaseLength time.Duration
	// Duration is the planned length of the run; zero means until stopped.
	// Remaining is zero when Duration is zero.
	Duration, Remaining time.Duration
	// BaseRPS is the base rate (RPS); TargetRPS is what the plan asks for
	// right now, spikes included.
	BaseRPS, TargetRPS float64
	// AchievedRPS is the number of requests sent in the last full second.
	AchievedRPS float64
	// Spiking is true while a live spike is adding load; SpikeLeft is how
	// long it lasts still.
	Spiking   bool
	SpikeLeft time.Duration
	// SpikeRate is the rate a live spike adds (while Spiking).
	SpikeRate float64
	// NextSpike is how long until the plan's next periodic burst (spike
	// mode), zero during one or when the plan has none.
	NextSpike time.Duration
	// Paused is true while traffic is paused; Held while the demo's phase
	// clock is held.
	Paused, Held bool
	// Concurrency is the worker count in max-throughput mode, else zero;
	// MaxInFlight is the open model's in-flight cap, else zero.
	Concurrency, MaxInFlight int
	// DroppedBehind counts the dropped requests (Snapshot.Dropped) that
	// were due while trafficgen itself was the limit: its CPU saturated
	// and most of the cap waiting for one of its workers, not for the
	// server; DroppedAtCap is the largest in-flight cap a request was
	// dropped at (0: none dropped).
	DroppedBehind int64
	DroppedAtCap  int
	// DroppedUnsent counts the dropped requests that were due but still
	// waited for one of trafficgen's workers when the run ended or their
	// deadline passed, and so were never sent.
	DroppedUnsent int64
	// Events is the event log, oldest first (at most the last 100).
	Events []Event
	// Knee is the knee finder's progress in knee mode; nil otherwise.
	Knee *KneeInfo `json:",omitempty"`
	// Done is true in the last snapshot of a run.
	Done bool
}

// PhaseInfo names one phase of a plan and its length.
type PhaseInfo struct {
	Name   string
	Length time.Duration
}

// Event is one entry of the event log.
type Event struct {
	// Time is the wall-clock time; Elapsed the run time it happened at.
	Time    time.Time
	Elapsed time.Duration
	// Kind is a short tag: "spike", "mode", "rate", "users", "pause",
	// "resume", "phase", "hold", "fault", "reset", "info", "error", "abort",
	// "knee".
	Kind string
	Text string
}
