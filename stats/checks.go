package stats

import (
	"fmt"
	"slices"
	"time"
)

// MaxChecks bounds the response checks named on one route: a request's
// failed checks travel in one word (Result.CheckFailed).
const MaxChecks = 64

// CheckCount is how often one response check failed.
type CheckCount struct {
	Name   string
	Failed int64
}

// ShapeStats is a route's JSON shape drift: the engine learns the shape of
// the route's answers (or takes a baseline's), then compares a sample of
// them with it.
type ShapeStats struct {
	// Learned says the route has a shape to compare with.
	Learned bool
	// Checked answers were compared with the shape; Drifted of them
	// differed.
	Checked, Drifted int64
	// Example is the latest difference ("missing id; changed total:
	// number→string"), and At the run time it was seen.
	Example string
	At      time.Duration
}

// checkCounts counts a route's response checks.
type checkCounts struct {
	checked, failed int64
	byCheck         [MaxChecks]int64
}

func (c *checkCounts) add(failed uint64) {
	c.checked++
	if failed == 0 {
		return
	}
	c.failed++
	for i := range MaxChecks {
		if failed&(1<<i) != 0 {
			c.byCheck[i]++
		}
	}
}

// shapeCounts counts a route's answers compared with its shape.
type shapeCounts struct {
	checked, drifted int64
	example          string
	at               time.Time
}

// RegisterCheck names a response check of route (an id from Register)
// and returns its number for Result.CheckFailed; the same name again
// returns the same number. At most MaxChecks names a route.
func (r *Recorder) RegisterCheck(route int, name string) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	routes := *r.routes.Load()
	if route < 0 || route >= len(routes) {
		return 0, fmt.Errorf("no route %d", route)
	}
	rt := routes[route]
	var names []string
	if p := rt.checks.Load(); p != nil {
		names = *p
	}
	if i := slices.Index(names, name); i >= 0 {
		return i, nil
	}
	if len(names) >= MaxChecks {
		return 0, fmt.Errorf("%s: more than %d checks", rt.name, MaxChecks)
	}
	names = append(slices.Clone(names), name)
	rt.checks.Store(&names)
	return len(names) - 1, nil
}

// ShapeChecked counts an answer of route compared with the route's JSON
// shape at t: diff says how it differed, "" when it did not. diff quotes
// the server's keys, so it is cleaned (Clean) before it is kept.
func (r *Recorder) ShapeChecked(route int, diff string, t time.Time) {
	eps := *r.st.Load().eps.Load()
	if route < 0 || route >= len(eps) {
		return
	}
	if diff != "" {
		diff = Clean(diff)
	}
	e := eps[route]
	e.mu.Lock()
	e.shape.checked++
	if diff != "" {
		e.shape.drifted++
		e.shape.example, e.shape.at = diff, t
	}
	e.mu.Unlock()
}

// SetShape keeps route's JSON shape, as lines "path type", for snapshots
// and the report.
func (r *Recorder) SetShape(route int, lines []string) {
	routes := *r.routes.Load()
	if route >= 0 && route < len(routes) {
		lines = slices.Clone(lines)
		routes[route].shape.Store(&lines)
	}
}

// checkStats fills row's check and shape figures; start is the run's
// start (zero: no example time). The caller holds e.mu.
func (e *endpoint) checkStats(row *EndpointStats, start time.Time) {
	row.Checked, row.CheckFailed = e.chk.checked, e.chk.failed
	if p := e.rt.checks.Load(); p != nil {
		row.Checks = make([]CheckCount, len(*p))
		for i, name := range *p {
			row.Checks[i] = CheckCount{Name: name, Failed: e.chk.byCheck[i]}
		}
	}
	sh := &row.Shape
	sh.Learned = e.rt.shape.Load() != nil
	sh.Checked, sh.Drifted, sh.Example = e.shape.checked, e.shape.drifted, e.shape.example
	if !start.IsZero() && !e.shape.at.IsZero() {
		sh.At = max(e.shape.at.Sub(start), 0)
	}
}

// shapePaths returns the route's learned shape lines, or nil.
func (rt *route) shapePaths() []string {
	if p := rt.shape.Load(); p != nil {
		return *p
	}
	return nil
}

// CheckTotals adds up the routes' check and shape figures: the answers
// checked, those that failed a check, and the answers compared with
// their route's shape and those that drifted.
func (s *Snapshot) CheckTotals() (checked, failed, shapeChecked, drifted int64) {
	for i := range s.Endpoints {
		e := &s.Endpoints[i]
		checked += e.Checked
		failed += e.CheckFailed
		shapeChecked += e.Shape.Checked
		drifted += e.Shape.Drifted
	}
	return
}

// ChecksPassed is the share of checked answers that passed every check,
// as a percentage (0 with none checked).
func (e EndpointStats) ChecksPassed() float64 { return pct(e.Checked-e.CheckFailed, e.Checked) }

// CheckReport is how often one response check of a route failed.
type CheckReport struct {
	Name   string `json:"name"`
	Failed int64  `json:"failed"`
}

// ShapeReport is a route's JSON shape: its paths as "path type" lines
// (a "?" marks a path not every answer had), the answers compared with it
// and those that drifted, and the latest difference.
type ShapeReport struct {
	Paths   []string `json:"paths,omitempty"`
	Checked int64    `json:"checked"`
	Drifted int64    `json:"drifted"`
	Example string   `json:"example,omitempty"`
}

// addChecks fills rr's check and shape figures from row and the route's
// shape lines.
func (rr *RouteReport) addChecks(row EndpointStats, paths []string) {
	rr.Checked, rr.CheckFailed = row.Checked, row.CheckFailed
	for _, c := range row.Checks {
		rr.Checks = append(rr.Checks, CheckReport(c))
	}
	if sh := row.Shape; sh.Learned || sh.Checked > 0 {
		rr.Shape = &ShapeReport{Paths: slices.Clone(paths), Checked: sh.Checked, Drifted: sh.Drifted, Example: sh.Example}
	}
}

// mergeChecks adds e's check and shape figures to o's: checks by name;
// the shape's paths are the first report's that has them, its example the
// latest merged that has one.
func (o *RouteReport) mergeChecks(e RouteReport) {
	o.Checked += e.Checked
	o.CheckFailed += e.CheckFailed
	for _, c := range e.Checks {
		if i := slices.IndexFunc(o.Checks, func(x CheckReport) bool { return x.Name == c.Name }); i >= 0 {
			o.Checks[i].Failed += c.Failed
		} else {
			o.Checks = append(o.Checks, c)
		}
	}
	if e.Shape == nil {
		return
	}
	if o.Shape == nil {
		o.Shape = &ShapeReport{}
	}
	if len(o.Shape.Paths) == 0 {
		o.Shape.Paths = e.Shape.Paths
	}
	o.Shape.Checked += e.Shape.Checked
	o.Shape.Drifted += e.Shape.Drifted
	if e.Shape.Example != "" {
		o.Shape.Example = Clean(e.Shape.Example)
	}
}

// Shapes returns the routes' learned JSON shapes in rep, by route: what
// a later run compares its answers with (loadgen.Config.Shapes).
func (rep *Report) Shapes() map[string][]string {
	out := map[string][]string{}
	for _, e := range rep.Endpoints {
		if e.Shape != nil && len(e.Shape.Paths) > 0 {
			out[e.Route] = e.Shape.Paths
		}
	}
	return out
}
