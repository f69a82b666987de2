package stats

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// ReportSchema names the report format; it changes when a field changes
// meaning. Readers reject other schemas.
const ReportSchema = "trafficgen.report/v1"

// Report is the JSON record of a run. Its histograms are HDR V2 compressed
// encodings (base64), so reports from several machines merge exactly.
type Report struct {
	Schema   string         `json:"schema"`
	Started  time.Time      `json:"started"`
	Finished time.Time      `json:"finished"`
	Seconds  float64        `json:"seconds"`
	Config   map[string]any `json:"config,omitempty"`
	// Instances is the number of reports merged into this one (1 for a
	// single run).
	Instances int `json:"instances"`

	Total   int64 `json:"total"`
	Success int64 `json:"success"`
	Errors  int64 `json:"errors"`
	Dropped int64 `json:"dropped"`
	// DroppedBehind is the part of Dropped due while trafficgen itself was
	// the limit (RunInfo.DroppedBehind); absent when 0.
	DroppedBehind int64            `json:"droppedBehind,omitempty"`
	Resent        int64            `json:"resent,omitempty"` // attempts the HTTP client resent (Result.Resent); absent when 0
	SuccessRate   float64          `json:"successRate"`
	AverageRPS    float64          `json:"averageRps"`
	Latency       LatencyReport    `json:"latency"`
	Endpoints     []RouteReport    `json:"endpoints"`
	StatusCodes   map[string]int64 `json:"statusCodes"`
	ErrorKinds    map[string]int64 `json:"errorKinds"`
	Journeys      JourneyReport    `json:"journeys"`
	Series        []Point          `json:"series"`
	Events        []Event          `json:"events,omitempty"`
}

// LatencyReport is a latency summary in milliseconds with the encoded
// histogram it came from.
type LatencyReport struct {
	Count     int64   `json:"count"`
	MeanMs    float64 `json:"meanMs"`
	P50Ms     float64 `json:"p50Ms"`
	P90Ms     float64 `json:"p90Ms"`
	P99Ms     float64 `json:"p99Ms"`
	P999Ms    float64 `json:"p999Ms"`
	MaxMs     float64 `json:"maxMs"`
	Histogram string  `json:"histogram,omitempty"`
}

// RouteReport is one route's totals and latency.
type RouteReport struct {
	Route   string        `json:"route"`
	Method  string        `json:"method"`
	Total   int64         `json:"total"`
	Success int64         `json:"success"`
	Errors  int64         `json:"errors"`
	Dropped int64         `json:"dropped"`
	Resent  int64         `json:"resent,omitempty"` // absent when 0
	Latency LatencyReport `json:"latency"`
}

// JourneyReport is the journeys' totals.
type JourneyReport struct {
	Started   int64         `json:"started"`
	Completed int64         `json:"completed"`
	Declined  int64         `json:"declined"`
	Failed    int64         `json:"failed"`
	Steps     []StepStats   `json:"steps,omitempty"`
	Duration  LatencyReport `json:"duration"`
}

// Report builds the report of the run so far. config is recorded as given:
// the caller masks secrets.
func (r *Recorder) Report(now time.Time, config map[string]any) (*Report, error) {
	snap := r.Snapshot(now) // finalises the series
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.st.Load()
	rep := &Report{
		Schema: ReportSchema, Started: s.start, Finished: now, Seconds: snap.Elapsed.Seconds(),
		Config: config, Instances: 1,
		Total: snap.Total, Success: snap.Success, Errors: snap.Errors, Dropped: snap.Dropped, Resent: snap.Resent,
		DroppedBehind: snap.Run.DroppedBehind,
		StatusCodes:   map[string]int64{}, ErrorKinds: map[string]int64{},
		Series: s.lastPoints(reportSeriesLen), Events: snap.Run.Events,
	}
	all := newTotalHist()
	for _, e := range *s.eps.Load() {
		e.mu.Lock()
		h := e.hist.Clone()
		e.mu.Unlock()
		all.Merge(h)
		lr, err := latencyReport(h)
		if err != nil {
			return nil, err
		}
		rep.Endpoints = append(rep.Endpoints, RouteReport{
			Route: e.rt.name, Method: e.rt.method, Total: h.TotalCount(),
			Dropped: e.dropped.Load(), Latency: lr,
		})
	}
	for i := range rep.Endpoints {
		row := snap.Endpoints[i]
		rep.Endpoints[i].Total, rep.Endpoints[i].Success, rep.Endpoints[i].Errors = row.Total, row.Success, row.Errors
		rep.Endpoints[i].Resent = row.Resent
	}
	var err error
	if rep.Latency, err = latencyReport(all); err != nil {
		return nil, err
	}
	for _, c := range snap.StatusCodes {
		rep.StatusCodes[strconv.Itoa(c.Code)] = c.Count
	}
	for _, k := range snap.ErrorKinds {
		rep.ErrorKinds[k.Kind.String()] = k.Count
	}
	j := snap.Journeys
	rep.Journeys = JourneyReport{Started: j.Started, Completed: j.Completed, Declined: j.Declined, Failed: j.Failed, Steps: j.Steps}
	s.journeys.mu.Lock()
	jd := s.journeys.dur.Clone()
	s.journeys.mu.Unlock()
	if rep.Journeys.Duration, err = latencyReport(jd); err != nil {
		return nil, err
	}
	rep.finish()
	return rep, nil
}

func (rep *Report) finish() {
	if rep.Seconds > 0 {
		rep.AverageRPS = float64(rep.Total) / rep.Seconds
	}
	rep.SuccessRate = pct(rep.Success, rep.Total)
}

func latencyReport(h *hdr.PackedHistogram) (LatencyReport, error) {
	enc, err := h.Encode()
	if err != nil {
		return LatencyReport{}, fmt.Errorf("encode histogram: %w", err)
	}
	p := percentiles(h)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return LatencyReport{
		Count: p.Count, MeanMs: ms(p.Mean), P50Ms: ms(p.P50), P90Ms: ms(p.P90), P99Ms: ms(p.P99),
		P999Ms: ms(p.P999), MaxMs: ms(p.Max), Histogram: string(enc),
	}, nil
}

// Write encodes the report as indented JSON.
func (rep *Report) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// ReadReport decodes and checks a report written by Write.
func ReadReport(rd io.Reader) (*Report, error) {
	var rep Report
	dec := json.NewDecoder(rd)
	if err := dec.Decode(&rep); err != nil {
		return nil, fmt.Errorf("decode report: %w", err)
	}
	if rep.Schema != ReportSchema {
		return nil, fmt.Errorf("report schema %q, want %q", rep.Schema, ReportSchema)
	}
	return &rep, nil
}

// Merge folds reports from several instances (shards of one test) into
// one. Counts add up; latencies are recomputed from the merged histograms,
// so percentiles are exact; the series add up second by second, except
// the per-second p50/p99, for which the worst instance is kept.
func Merge(reports ...*Report) (*Report, error) {
	if len(reports) == 0 {
		return nil, errors.New("merge: no reports")
	}
	out := &Report{Schema: ReportSchema, StatusCodes: map[string]int64{}, ErrorKinds: map[string]int64{}}
	all, jd := newTotalHist(), newTotalHist()
	routes := map[string]int{}
	routeHists := []*hdr.PackedHistogram{}
	series := map[int64]*Point{}
	for i, r := range reports {
		if r.Schema != ReportSchema {
			return nil, fmt.Errorf("merge: report %d has schema %q", i+1, r.Schema)
		}
		if out.Started.IsZero() || r.Started.Before(out.Started) {
			out.Started = r.Started
		}
		if r.Finished.After(out.Finished) {
			out.Finished = r.Finished
		}
		out.Seconds = max(out.Seconds, r.Seconds)
		if out.Config == nil {
			out.Config = r.Config
		}
		out.Instances += max(r.Instances, 1)
		out.Total += r.Total
		out.Success += r.Success
		out.Errors += r.Errors
		out.Dropped += r.Dropped
		out.DroppedBehind += r.DroppedBehind
		out.Resent += r.Resent
		for k, v := range r.StatusCodes {
			out.StatusCodes[k] += v
		}
		for k, v := range r.ErrorKinds {
			out.ErrorKinds[k] += v
		}
		if err := mergeEncoded(all, r.Latency.Histogram); err != nil {
			return nil, fmt.Errorf("merge: report %d: %w", i+1, err)
		}
		for _, e := range r.Endpoints {
			idx, ok := routes[e.Route]
			if !ok {
				idx = len(out.Endpoints)
				routes[e.Route] = idx
				out.Endpoints = append(out.Endpoints, RouteReport{Route: e.Route, Method: e.Method})
				routeHists = append(routeHists, newTotalHist())
			}
			o := &out.Endpoints[idx]
			o.Total += e.Total
			o.Success += e.Success
			o.Errors += e.Errors
			o.Dropped += e.Dropped
			o.Resent += e.Resent
			if err := mergeEncoded(routeHists[idx], e.Latency.Histogram); err != nil {
				return nil, fmt.Errorf("merge: report %d, %s: %w", i+1, e.Route, err)
			}
		}
		j := r.Journeys
		out.Journeys.Started += j.Started
		out.Journeys.Completed += j.Completed
		out.Journeys.Declined += j.Declined
		out.Journeys.Failed += j.Failed
		out.Journeys.Steps = mergeSteps(out.Journeys.Steps, j.Steps)
		if err := mergeEncoded(jd, j.Duration.Histogram); err != nil {
			return nil, fmt.Errorf("merge: report %d journeys: %w", i+1, err)
		}
		for _, p := range r.Series {
			q, ok := series[p.Second]
			if !ok {
				q = &Point{Second: p.Second}
				series[p.Second] = q
			}
			q.Success += p.Success
			q.Errors += p.Errors
			q.Dropped += p.Dropped
			q.Target += p.Target
			q.P50, q.P99 = max(q.P50, p.P50), max(q.P99, p.P99)
		}
	}
	var err error
	if out.Latency, err = latencyReport(all); err != nil {
		return nil, err
	}
	for i := range out.Endpoints {
		if out.Endpoints[i].Latency, err = latencyReport(routeHists[i]); err != nil {
			return nil, err
		}
	}
	if out.Journeys.Duration, err = latencyReport(jd); err != nil {
		return nil, err
	}
	secs := slices.Sorted(maps.Keys(series))
	for _, sec := range secs {
		out.Series = append(out.Series, *series[sec])
	}
	out.finish()
	return out, nil
}

func mergeEncoded(dst *hdr.PackedHistogram, enc string) error {
	if enc == "" {
		return nil
	}
	h, err := hdr.DecodePacked([]byte(enc))
	if err != nil {
		return fmt.Errorf("decode histogram: %w", err)
	}
	if dropped := dst.Merge(h); dropped > 0 {
		return fmt.Errorf("histogram: %d values out of range", dropped)
	}
	return nil
}

func mergeSteps(into, from []StepStats) []StepStats {
	for _, f := range from {
		found := false
		for i := range into {
			if into[i].Journey == f.Journey && into[i].Step == f.Step {
				into[i].Reached += f.Reached
				into[i].Failed += f.Failed
				if f.LastError != "" {
					into[i].LastError = f.LastError
				}
				found = true
				break
			}
		}
		if !found {
			into = append(into, f)
		}
	}
	return into
}
