package threshold

import (
	"fmt"
	"strings"
	"time"

	"github.com/trafficgen/trafficgen/stats"
)

// A figure is taken as settled, for --abort-on-fail, once it covers
// MinRequests requests, or some requests over MinTime of the run: a p99
// of the first ten requests says little.
const (
	MinRequests = 100
	MinTime     = 5 * time.Second
)

// Result is a threshold evaluated on a snapshot.
type Result struct {
	Threshold
	// Value is the figure, in the unit of Limit.
	Value float64
	// Count is the number of requests Value covers; 0 means there is no
	// figure yet, and the threshold does not pass.
	Count int64
	// Pass says the figure meets the threshold.
	Pass bool
}

// Known reports whether there is a figure.
func (r Result) Known() bool { return r.Count > 0 }

// Settled reports whether the figure covers enough of the run to act on:
// MinRequests requests, or MinTime of elapsed run with some.
func (r Result) Settled(elapsed time.Duration) bool {
	return r.Count >= MinRequests || r.Count > 0 && elapsed >= MinTime
}

// Evaluate evaluates each threshold on s (a run's totals so far, or at
// its end). A threshold on a route s does not have has no figure.
func Evaluate(ts []Threshold, s *stats.Snapshot) []Result {
	out := make([]Result, len(ts))
	for i, t := range ts {
		r := Result{Threshold: t}
		r.Value, r.Count = figure(t, s)
		r.Pass = r.Count > 0 && t.Op.holds(r.Value, t.Limit)
		out[i] = r
	}
	return out
}

// figure is t's figure in s, and the number of requests it covers.
func figure(t Threshold, s *stats.Snapshot) (float64, int64) {
	// The whole run's figures, or the route's.
	lat, total, errs, dropped := s.Latency, s.Total, s.Errors, s.Dropped
	checked, failed, _, _ := s.CheckTotals()
	// sent counts the requests sent of those the plan made due: in flight
	// or done, less the journeys' (a closed model: nothing is due).
	sent := s.Total + s.InFlight
	for _, st := range s.Journeys.Steps {
		sent -= st.Reached
	}
	if t.Route != "" {
		row, ok := route(s, t.Route)
		if !ok {
			return 0, 0
		}
		lat, total, errs, dropped, sent = row.Latency, row.Total, row.Errors, row.Dropped, row.Total
		checked, failed = row.Checked, row.CheckFailed
	}
	sent = max(sent, 0)
	switch t.Metric {
	case Errors:
		return ratio(errs, total), total
	case Checks:
		return ratio(checked-failed, checked), checked
	case Rate:
		return ratio(sent, sent+dropped), sent + dropped
	case Dropped:
		if t.Share {
			return ratio(dropped, sent+dropped), sent + dropped
		}
		return float64(dropped), sent + dropped
	}
	return latency(t.Metric, lat).Seconds(), lat.Count
}

func latency(m Metric, p stats.Percentiles) time.Duration {
	switch m {
	case P50:
		return p.P50
	case P90:
		return p.P90
	case P95:
		return p.P95
	case P99:
		return p.P99
	case P999:
		return p.P999
	}
	return p.Max
}

func ratio(n, d int64) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / float64(d)
}

func route(s *stats.Snapshot, name string) (stats.EndpointStats, bool) {
	for _, e := range s.Endpoints {
		if e.Route == name {
			return e, true
		}
	}
	return stats.EndpointStats{}, false
}

// Failing returns the first threshold of rs that fails on a settled
// figure (Settled), at elapsed into the run.
func Failing(rs []Result, elapsed time.Duration) (Result, bool) {
	for _, r := range rs {
		if !r.Pass && r.Settled(elapsed) {
			return r, true
		}
	}
	return Result{}, false
}

// Failed counts the results that do not pass.
func Failed(rs []Result) int {
	n := 0
	for _, r := range rs {
		if !r.Pass {
			n++
		}
	}
	return n
}

// Resolve checks each threshold's route against routes, the run's route
// templates, and returns the thresholds with their routes as the
// templates spell them: a route given without its method ("/api/orders")
// is the one route of that path. An unknown or ambiguous route is an
// error naming the threshold.
func Resolve(ts []Threshold, routes []string) ([]Threshold, error) {
	out := make([]Threshold, len(ts))
	for i, t := range ts {
		if t.Route != "" {
			name, err := matchRoute(t.Route, routes)
			if err != nil {
				return nil, fmt.Errorf("%q: %w", t.Expr, err)
			}
			t.Route = name
		}
		out[i] = t
	}
	return out, nil
}

// maxListed bounds the routes an error lists.
const maxListed = 12

func matchRoute(want string, routes []string) (string, error) {
	var byPath []string
	for _, r := range routes {
		if r == want {
			return r, nil
		}
		if _, path, ok := strings.Cut(r, " "); ok && path == want {
			byPath = append(byPath, r)
		}
	}
	switch len(byPath) {
	case 1:
		return byPath[0], nil
	case 0:
		list := routes[:min(len(routes), maxListed)]
		more := ""
		if len(routes) > maxListed {
			more = fmt.Sprintf(" and %d more", len(routes)-maxListed)
		}
		return "", fmt.Errorf("no route %q in this run; its routes: %s%s", want, strings.Join(list, ", "), more)
	}
	return "", fmt.Errorf("%q is %s: give the method", want, strings.Join(byPath, " and "))
}
