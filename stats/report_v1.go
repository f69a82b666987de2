package stats

import (
	"fmt"
	"time"
)

// reportSchemaV1 is the schema before ReportSchema: the same counts, but
// the latency histograms inside the latency summaries, the series and the
// events under Go's field names with durations in nanoseconds, and the
// run's length in seconds.
const reportSchemaV1 = "trafficgen.report/v1"

type reportV1 struct {
	Started       time.Time        `json:"started"`
	Finished      time.Time        `json:"finished"`
	Seconds       float64          `json:"seconds"`
	Config        map[string]any   `json:"config"`
	Instances     int              `json:"instances"`
	Total         int64            `json:"total"`
	Success       int64            `json:"success"`
	Errors        int64            `json:"errors"`
	Dropped       int64            `json:"dropped"`
	DroppedBehind int64            `json:"droppedBehind"`
	Resent        int64            `json:"resent"`
	Latency       latencyV1        `json:"latency"`
	Endpoints     []routeV1        `json:"endpoints"`
	StatusCodes   map[string]int64 `json:"statusCodes"`
	ErrorKinds    map[string]int64 `json:"errorKinds"`
	Journeys      journeyV1        `json:"journeys"`
	Series        []pointV1        `json:"series"`
	Events        []eventV1        `json:"events"`
}

type latencyV1 struct {
	LatencyReport
	Histogram string `json:"histogram"`
}

type routeV1 struct {
	Route   string    `json:"route"`
	Method  string    `json:"method"`
	Total   int64     `json:"total"`
	Success int64     `json:"success"`
	Errors  int64     `json:"errors"`
	Dropped int64     `json:"dropped"`
	Resent  int64     `json:"resent"`
	Latency latencyV1 `json:"latency"`
}

type journeyV1 struct {
	Started, Completed, Declined, Failed int64
	Steps                                []StepReport
	Duration                             latencyV1
}

type pointV1 struct {
	Second                   int64
	Success, Errors, Dropped int64
	Target                   float64
	P50, P99                 time.Duration
}

type eventV1 struct {
	Time    time.Time
	Elapsed time.Duration
	Kind    string
	Text    string
}

// readReportV1 reads a report of reportSchemaV1 into the current schema.
func readReportV1(b []byte) (*Report, error) {
	var v reportV1
	if err := strictDecode(b, &v); err != nil {
		return nil, fmt.Errorf("decode %s report: %w", reportSchemaV1, err)
	}
	rep := &Report{
		Schema: ReportSchema, SchemaVersion: ReportSchemaVersion,
		Started: v.Started, Finished: v.Finished, ElapsedMs: v.Seconds * 1000,
		Config: v.Config, Instances: v.Instances,
		Summary: Summary{Total: v.Total, Success: v.Success, Errors: v.Errors, Dropped: v.Dropped,
			DroppedBehind: v.DroppedBehind, Resent: v.Resent, Latency: v.Latency.LatencyReport},
		Histogram:   v.Latency.Histogram,
		StatusCodes: v.StatusCodes, ErrorKinds: v.ErrorKinds,
		Journeys: JourneyReport{Started: v.Journeys.Started, Completed: v.Journeys.Completed,
			Declined: v.Journeys.Declined, Failed: v.Journeys.Failed, Steps: v.Journeys.Steps,
			Duration: v.Journeys.Duration.LatencyReport, DurationHistogram: v.Journeys.Duration.Histogram},
	}
	for _, e := range v.Endpoints {
		rep.Endpoints = append(rep.Endpoints, RouteReport{Route: e.Route, Method: e.Method, Total: e.Total,
			Success: e.Success, Errors: e.Errors, Dropped: e.Dropped, Resent: e.Resent,
			Latency: e.Latency.LatencyReport, Histogram: e.Latency.Histogram})
	}
	for _, p := range v.Series {
		rep.Series = append(rep.Series, SeriesPoint{Second: p.Second, Success: p.Success, Errors: p.Errors,
			Dropped: p.Dropped, TargetRPS: p.Target, P50Ms: ms(p.P50), P99Ms: ms(p.P99)})
	}
	for _, e := range v.Events {
		rep.Events = append(rep.Events, EventReport{Time: e.Time, ElapsedMs: ms(e.Elapsed), Kind: e.Kind, Text: e.Text})
	}
	if rep.StatusCodes == nil {
		rep.StatusCodes = map[string]int64{}
	}
	if rep.ErrorKinds == nil {
		rep.ErrorKinds = map[string]int64{}
	}
	return rep, nil
}
