package stats

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/trafficgen/trafficgen/internal/redact"
)

// ReportSchema names the report format and ReportSchemaVersion numbers it;
// they change when a field changes meaning. ReadReport reads this schema
// and the one before it (reportSchemaV1), and rejects others.
const (
	ReportSchema        = "trafficgen.report/v2"
	ReportSchemaVersion = 2
)

// MaxReportSize is the largest report ReadReport reads: a long run's
// series and many routes take a few megabytes.
const MaxReportSize = 64 << 20

// Report is the JSON record of a run. Keys are camelCase, times are
// milliseconds (…Ms) and instants RFC 3339. Its histograms are HDR V2
// compressed encodings (base64), so reports from several machines merge
// exactly.
type Report struct {
	Schema        string    `json:"schema"`
	SchemaVersion int       `json:"schemaVersion"`
	Started       time.Time `json:"started"`
	Finished      time.Time `json:"finished"`
	ElapsedMs     float64   `json:"elapsedMs"`
	// Config is the run's configuration as the caller gave it (secrets
	// masked); in a merged report, the first shard's.
	Config map[string]any `json:"config,omitempty"`
	// Instances is the number of runs merged into this one (1 for a
	// single run); Shards lists each one's configuration and totals
	// (merged reports only).
	Instances int           `json:"instances"`
	Shards    []ShardReport `json:"shards,omitempty"`
	// Summary is what `jq .summary` shows: counts, rates and latency.
	Summary `json:"summary"`
	// Thresholds are the run's pass/fail criteria (--threshold) and how
	// each ended; the caller fills them in. Aborted says why the run was
	// stopped early (--abort-on-fail).
	Thresholds []ThresholdReport `json:"thresholds,omitempty"`
	Aborted    string            `json:"aborted,omitempty"`
	// Histogram is the latency histogram of all requests (Summary.Latency
	// comes from it).
	Histogram   string           `json:"histogram,omitempty"`
	Endpoints   []RouteReport    `json:"endpoints"`
	StatusCodes map[string]int64 `json:"statusCodes"`
	ErrorKinds  map[string]int64 `json:"errorKinds"`
	// ErrorMessages is why the most recent failure of each error kind
	// failed (KindCount.Message), by kind; in a merged report, from the
	// instance that finished last.
	ErrorMessages map[string]string `json:"errorMessages,omitempty"`
	Journeys      JourneyReport     `json:"journeys"`
	Series        []SeriesPoint     `json:"series"`
	Events        []EventReport     `json:"events,omitempty"`
	// Knee is the knee finder's result (knee mode only).
	Knee *KneeReport `json:"knee,omitempty"`
}

// Summary is a run's totals.
type Summary struct {
	Total   int64 `json:"total"`
	Success int64 `json:"success"`
	Errors  int64 `json:"errors"`
	Dropped int64 `json:"dropped"`
	// DroppedBehind is the part of Dropped due while trafficgen itself was
	// the limit (RunInfo.DroppedBehind); absent when 0.
	DroppedBehind int64 `json:"droppedBehind,omitempty"`
	// DroppedUnsent is the part of Dropped still waiting for a worker when
	// the run ended or its deadline passed (RunInfo.DroppedUnsent); absent
	// when 0.
	DroppedUnsent int64 `json:"droppedUnsent,omitempty"`
	// Resent counts attempts the HTTP client resent (Result.Resent);
	// absent when 0.
	Resent int64 `json:"resent,omitempty"`
	// SuccessRate is a percentage; AverageRPS is requests per second.
	SuccessRate float64       `json:"successRate"`
	AverageRPS  float64       `json:"averageRps"`
	Latency     LatencyReport `json:"latency"`
	// Checked, CheckFailed and Drifted add up the routes' (RouteReport);
	// absent when 0.
	Checked     int64 `json:"checked,omitempty"`
	CheckFailed int64 `json:"checkFailed,omitempty"`
	Drifted     int64 `json:"drifted,omitempty"`
}

// ShardReport is one instance of a merged report.
type ShardReport struct {
	Config    map[string]any `json:"config,omitempty"`
	Started   time.Time      `json:"started"`
	Finished  time.Time      `json:"finished"`
	ElapsedMs float64        `json:"elapsedMs"`
	Total     int64          `json:"total"`
}

// ThresholdReport is one threshold and how it ended: Value is the run's
// figure in Unit ("ms", "%" or "requests"), absent when there was none
// (no requests); Limit is in the same unit.
type ThresholdReport struct {
	Expr   string   `json:"expr"`
	Route  string   `json:"route,omitempty"`
	Metric string   `json:"metric"`
	Op     string   `json:"op"`
	Limit  float64  `json:"limit"`
	Value  *float64 `json:"value"`
	Unit   string   `json:"unit"`
	Pass   bool     `json:"pass"`
}

// LatencyReport is a latency summary in milliseconds.
type LatencyReport struct {
	Count  int64   `json:"count"`
	MeanMs float64 `json:"meanMs"`
	P50Ms  float64 `json:"p50Ms"`
	P90Ms  float64 `json:"p90Ms"`
	P95Ms  float64 `json:"p95Ms"`
	P99Ms  float64 `json:"p99Ms"`
	P999Ms float64 `json:"p999Ms"`
	MaxMs  float64 `json:"maxMs"`
}

// RouteReport is one route's totals and latency, with the histogram it
// came from.
type RouteReport struct {
	Route     string        `json:"route"`
	Method    string        `json:"method"`
	Total     int64         `json:"total"`
	Success   int64         `json:"success"`
	Errors    int64         `json:"errors"`
	Dropped   int64         `json:"dropped"`
	Resent    int64         `json:"resent,omitempty"` // absent when 0
	Latency   LatencyReport `json:"latency"`
	Histogram string        `json:"histogram,omitempty"`
	// Checked counts the answers the route's response checks ran on,
	// CheckFailed those that failed one or more, and Checks each check's
	// failures; Shape is the route's JSON shape and its drift. Absent
	// without checks, or without a shape.
	Checked     int64         `json:"checked,omitempty"`
	CheckFailed int64         `json:"checkFailed,omitempty"`
	Checks      []CheckReport `json:"checks,omitempty"`
	Shape       *ShapeReport  `json:"shape,omitempty"`
	// LastFailure is the route's most recent failure, absent when none
	// failed; in a merged report, the newest of the instances'.
	LastFailure *FailureReport `json:"lastFailure,omitempty"`
}

// JourneyReport is the journeys' totals; Duration is a journey's length,
// from DurationHistogram.
type JourneyReport struct {
	Started           int64         `json:"started"`
	Completed         int64         `json:"completed"`
	Declined          int64         `json:"declined"`
	Failed            int64         `json:"failed"`
	Steps             []StepReport  `json:"steps,omitempty"`
	Duration          LatencyReport `json:"duration"`
	DurationHistogram string        `json:"durationHistogram,omitempty"`
}

// StepReport is one journey step: how many journeys reached it and failed
// at it, and the reason of the most recent failure.
type StepReport struct {
	Journey   string `json:"journey"`
	Step      string `json:"step"`
	Reached   int64  `json:"reached"`
	Failed    int64  `json:"failed"`
	LastError string `json:"lastError,omitempty"`
}

// SeriesPoint is one second of the run: requests completed (and dropped)
// in it, the target rate, and its latency percentiles.
type SeriesPoint struct {
	Second    int64   `json:"second"`
	Success   int64   `json:"success"`
	Errors    int64   `json:"errors"`
	Dropped   int64   `json:"dropped"`
	TargetRPS float64 `json:"targetRps"`
	P50Ms     float64 `json:"p50Ms"`
	P99Ms     float64 `json:"p99Ms"`
}

// EventReport is an entry of the event log. Shard is the 1-based index
// into Shards of the instance it came from (merged reports only).
type EventReport struct {
	Time      time.Time `json:"time"`
	ElapsedMs float64   `json:"elapsedMs"`
	Kind      string    `json:"kind"`
	Text      string    `json:"text"`
	Shard     int       `json:"shard,omitempty"`
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Report builds the report of the run so far. config is recorded as given:
// the caller masks secrets.
func (r *Recorder) Report(now time.Time, config map[string]any) (*Report, error) {
	snap := r.Snapshot(now) // finalises the series
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.st.Load()
	rep := &Report{
		Schema: ReportSchema, SchemaVersion: ReportSchemaVersion,
		Started: s.start, Finished: now, ElapsedMs: ms(snap.Elapsed),
		Config: config, Instances: 1,
		Summary: Summary{
			Total: snap.Total, Success: snap.Success, Errors: snap.Errors, Dropped: snap.Dropped,
			Resent: snap.Resent, DroppedBehind: snap.Run.DroppedBehind, DroppedUnsent: snap.Run.DroppedUnsent,
		},
		StatusCodes: map[string]int64{}, ErrorKinds: map[string]int64{},
		Series: seriesReport(s.lastPoints(reportSeriesLen)), Events: eventsReport(snap.Run.Events),
	}
	all := newTotalHist()
	for i, e := range *s.eps.Load() {
		e.mu.Lock()
		h := e.hist.Clone()
		e.mu.Unlock()
		all.Merge(h)
		row := snap.Endpoints[i]
		rr := RouteReport{
			Route: e.rt.name, Method: e.rt.method, Total: row.Total, Success: row.Success, Errors: row.Errors,
			Dropped: e.dropped.Load(), Resent: row.Resent, LastFailure: lastFailure(row.Failures),
		}
		rr.addChecks(row, e.rt.shapePaths())
		var err error
		if rr.Latency, rr.Histogram, err = latencyReport(h); err != nil {
			return nil, err
		}
		rep.Endpoints = append(rep.Endpoints, rr)
	}
	var err error
	if rep.Latency, rep.Histogram, err = latencyReport(all); err != nil {
		return nil, err
	}
	rep.addCounts(snap)
	s.journeys.mu.Lock()
	jd := s.journeys.dur.Clone()
	s.journeys.mu.Unlock()
	if rep.Journeys.Duration, rep.Journeys.DurationHistogram, err = latencyReport(jd); err != nil {
		return nil, err
	}
	rep.finish()
	return rep, nil
}

// addCounts fills in the status codes, error kinds, check totals and
// journey counts of snap.
func (rep *Report) addCounts(snap Snapshot) {
	rep.Checked, rep.CheckFailed, _, rep.Drifted = snap.CheckTotals()
	for _, c := range snap.StatusCodes {
		rep.StatusCodes[strconv.Itoa(c.Code)] = c.Count
	}
	for _, k := range snap.ErrorKinds {
		rep.ErrorKinds[k.Kind.String()] = k.Count
		if k.Message != "" {
			if rep.ErrorMessages == nil {
				rep.ErrorMessages = map[string]string{}
			}
			rep.ErrorMessages[k.Kind.String()] = k.Message
		}
	}
	j := snap.Journeys
	rep.Journeys = JourneyReport{Started: j.Started, Completed: j.Completed, Declined: j.Declined, Failed: j.Failed}
	for _, st := range j.Steps {
		rep.Journeys.Steps = append(rep.Journeys.Steps, StepReport{Journey: st.Journey, Step: st.Step,
			Reached: st.Reached, Failed: st.Failed, LastError: st.LastError})
	}
}

func seriesReport(points []Point) []SeriesPoint {
	out := make([]SeriesPoint, len(points))
	for i, p := range points {
		out[i] = SeriesPoint{Second: p.Second, Success: p.Success, Errors: p.Errors, Dropped: p.Dropped,
			TargetRPS: p.Target, P50Ms: ms(p.P50), P99Ms: ms(p.P99)}
	}
	return out
}

// eventsReport copies the event log, masking the user info of any URL an
// event quotes.
func eventsReport(events []Event) []EventReport {
	var out []EventReport
	for _, e := range events {
		out = append(out, EventReport{Time: e.Time, ElapsedMs: ms(e.Elapsed), Kind: e.Kind, Text: redact.Text(e.Text)})
	}
	return out
}

func (rep *Report) finish() {
	if rep.ElapsedMs > 0 {
		rep.AverageRPS = float64(rep.Total) / (rep.ElapsedMs / 1000)
	}
	rep.SuccessRate = pct(rep.Success, rep.Total)
}

func latencyReport(h *hdr.PackedHistogram) (LatencyReport, string, error) {
	enc, err := h.Encode()
	if err != nil {
		return LatencyReport{}, "", fmt.Errorf("encode histogram: %w", err)
	}
	return latencyOf(percentiles(h)), string(enc), nil
}

// Write encodes the report as indented JSON.
func (rep *Report) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// ReadReport decodes and checks a report written by Write, of this schema
// or the one before it (read into this one).
func ReadReport(rd io.Reader) (*Report, error) {
	b, err := io.ReadAll(io.LimitReader(rd, MaxReportSize+1))
	if err != nil {
		return nil, fmt.Errorf("read report: %w", err)
	}
	if len(b) > MaxReportSize {
		return nil, fmt.Errorf("report larger than %d MiB: not a trafficgen report", MaxReportSize>>20)
	}
	var head struct {
		Schema string `json:"schema"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fmt.Errorf("decode report: %w", err)
	}
	switch head.Schema {
	case ReportSchema:
		var rep Report
		if err := strictDecode(b, &rep); err != nil {
			return nil, fmt.Errorf("decode report: %w", err)
		}
		return &rep, nil
	case reportSchemaV1:
		return readReportV1(b)
	case "":
		return nil, errors.New("not a trafficgen report (no schema field)")
	}
	return nil, fmt.Errorf("report schema %q: this trafficgen reads %s and %s (a newer trafficgen wrote it?)", head.Schema, ReportSchema, reportSchemaV1)
}

// strictDecode decodes one JSON value into v, and nothing after it.
func strictDecode(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("data after the report")
	}
	return nil
}

// Merge folds reports from several instances (shards of one test) into
// one. Counts add up; latencies are recomputed from the merged histograms,
// so percentiles are exact; the series add up second by second, except
// the per-second p50/p99, for which the worst instance is kept. Each
// instance's configuration is kept in Shards, and the event logs are
// merged in time order, each event naming its shard.
func Merge(reports ...*Report) (*Report, error) {
	if len(reports) == 0 {
		return nil, errors.New("merge: no reports")
	}
	m := newMerger()
	for i, r := range reports {
		if r.Schema != ReportSchema {
			return nil, fmt.Errorf("merge: report %d has schema %q", i+1, r.Schema)
		}
		if err := m.add(r); err != nil {
			return nil, fmt.Errorf("merge: report %d%w", i+1, err)
		}
	}
	return m.finish()
}

// merger accumulates reports for Merge.
type merger struct {
	out        *Report
	all, jd    *hdr.PackedHistogram
	routes     map[string]int
	routeHists []*hdr.PackedHistogram
	series     map[int64]*SeriesPoint
	// messageAt is when the report each error message came from finished
	messageAt map[string]time.Time
}

func newMerger() *merger {
	return &merger{
		out: &Report{Schema: ReportSchema, SchemaVersion: ReportSchemaVersion,
			StatusCodes: map[string]int64{}, ErrorKinds: map[string]int64{}},
		all: newTotalHist(), jd: newTotalHist(), routes: map[string]int{}, series: map[int64]*SeriesPoint{},
		messageAt: map[string]time.Time{},
	}
}

func (m *merger) add(r *Report) error {
	out := m.out
	if out.Started.IsZero() || r.Started.Before(out.Started) {
		out.Started = r.Started
	}
	if r.Finished.After(out.Finished) {
		out.Finished = r.Finished
	}
	out.ElapsedMs = max(out.ElapsedMs, r.ElapsedMs)
	if out.Config == nil {
		out.Config = r.Config
	}
	m.addShards(r)
	out.Instances += max(r.Instances, 1)
	m.addTotals(r.Summary)
	for k, v := range r.StatusCodes {
		out.StatusCodes[k] += v
	}
	for k, v := range r.ErrorKinds {
		out.ErrorKinds[k] += v
	}
	if r.Histogram == "" && r.Latency.Count > 0 {
		return errors.New(" has no histograms (a report from a recording cut short?): its percentiles cannot be merged")
	}
	m.addMessages(r)
	if err := mergeEncoded(m.all, r.Histogram); err != nil {
		return fmt.Errorf(": %w", err)
	}
	if err := m.addRoutes(r.Endpoints); err != nil {
		return err
	}
	if err := m.addJourneys(r.Journeys); err != nil {
		return err
	}
	m.addSeries(r.Series)
	return nil
}

// addShards records r's instances, and its events under their shard.
func (m *merger) addShards(r *Report) {
	out := m.out
	base := len(out.Shards)
	if len(r.Shards) > 0 {
		out.Shards = append(out.Shards, r.Shards...)
	} else {
		out.Shards = append(out.Shards, ShardReport{Config: r.Config, Started: r.Started, Finished: r.Finished,
			ElapsedMs: r.ElapsedMs, Total: r.Total})
	}
	for _, e := range r.Events {
		if e.Shard == 0 {
			e.Shard = 1
		}
		e.Shard += base
		out.Events = append(out.Events, e)
	}
}

// addMessages keeps, for each error kind, the message of the report
// that finished last: the most recent one.
func (m *merger) addMessages(r *Report) {
	for k, msg := range r.ErrorMessages {
		if at, ok := m.messageAt[k]; ok && r.Finished.Before(at) {
			continue
		}
		if m.out.ErrorMessages == nil {
			m.out.ErrorMessages = map[string]string{}
		}
		m.out.ErrorMessages[k], m.messageAt[k] = Clean(msg), r.Finished
	}
}

func (m *merger) addTotals(s Summary) {
	o := &m.out.Summary
	o.Total += s.Total
	o.Success += s.Success
	o.Errors += s.Errors
	o.Dropped += s.Dropped
	o.DroppedBehind += s.DroppedBehind
	o.DroppedUnsent += s.DroppedUnsent
	o.Resent += s.Resent
	o.Checked += s.Checked
	o.CheckFailed += s.CheckFailed
	o.Drifted += s.Drifted
}

func (m *merger) addRoutes(routes []RouteReport) error {
	for _, e := range routes {
		idx, ok := m.routes[e.Route]
		if !ok {
			idx = len(m.out.Endpoints)
			m.routes[e.Route] = idx
			m.out.Endpoints = append(m.out.Endpoints, RouteReport{Route: e.Route, Method: e.Method})
			m.routeHists = append(m.routeHists, newTotalHist())
		}
		o := &m.out.Endpoints[idx]
		o.Total += e.Total
		o.Success += e.Success
		o.Errors += e.Errors
		o.Dropped += e.Dropped
		o.Resent += e.Resent
		o.mergeChecks(e)
		o.LastFailure = newer(o.LastFailure, e.LastFailure)
		if err := mergeEncoded(m.routeHists[idx], e.Histogram); err != nil {
			return fmt.Errorf(", %s: %w", e.Route, err)
		}
	}
	return nil
}

func (m *merger) addJourneys(j JourneyReport) error {
	o := &m.out.Journeys
	o.Started += j.Started
	o.Completed += j.Completed
	o.Declined += j.Declined
	o.Failed += j.Failed
	o.Steps = mergeSteps(o.Steps, j.Steps)
	if err := mergeEncoded(m.jd, j.DurationHistogram); err != nil {
		return fmt.Errorf(" journeys: %w", err)
	}
	return nil
}

func (m *merger) addSeries(points []SeriesPoint) {
	for _, p := range points {
		q, ok := m.series[p.Second]
		if !ok {
			q = &SeriesPoint{Second: p.Second}
			m.series[p.Second] = q
		}
		q.Success += p.Success
		q.Errors += p.Errors
		q.Dropped += p.Dropped
		q.TargetRPS += p.TargetRPS
		q.P50Ms, q.P99Ms = max(q.P50Ms, p.P50Ms), max(q.P99Ms, p.P99Ms)
	}
}

func (m *merger) finish() (*Report, error) {
	out := m.out
	var err error
	if out.Latency, out.Histogram, err = latencyReport(m.all); err != nil {
		return nil, err
	}
	for i := range out.Endpoints {
		if out.Endpoints[i].Latency, out.Endpoints[i].Histogram, err = latencyReport(m.routeHists[i]); err != nil {
			return nil, err
		}
	}
	if out.Journeys.Duration, out.Journeys.DurationHistogram, err = latencyReport(m.jd); err != nil {
		return nil, err
	}
	for _, sec := range slices.Sorted(maps.Keys(m.series)) {
		out.Series = append(out.Series, *m.series[sec])
	}
	slices.SortStableFunc(out.Events, func(a, b EventReport) int { return a.Time.Compare(b.Time) })
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

func mergeSteps(into, from []StepReport) []StepReport {
	for _, f := range from {
		i := slices.IndexFunc(into, func(s StepReport) bool { return s.Journey == f.Journey && s.Step == f.Step })
		if i < 0 {
			into = append(into, f)
			continue
		}
		into[i].Reached += f.Reached
		into[i].Failed += f.Failed
		into[i].LastError = cmp.Or(f.LastError, into[i].LastError)
	}
	return into
}
