package ui

import (
	"time"

	"github.com/trafficgen/trafficgen/stats"
)

// routeRates keeps each route's requests and errors per second of the
// run, from the growth of its totals between snapshots, so that a
// drill-down can show the route's rate over time beside the whole run's.
// The snapshot carries a per-second series for the run only; counting
// every route the same way makes the two comparable.
type routeRates struct {
	total, errs []int64 // each route's totals at the last snapshot
	at          time.Duration
	secs        []rateSecond // oldest first, at most rateSeconds
}

// rateSecond is one second of the run: each route's requests and errors.
type rateSecond struct {
	sec         int64
	total, errs []int64
}

// rateSeconds is how many seconds are kept: more than the widest chart.
const rateSeconds = 300

func newRouteRates() *routeRates { return &routeRates{} }

func (r *routeRates) clear() { *r = routeRates{} }

// add counts what each route completed since the last snapshot in the
// second s was taken in. A stats reset, a new route or a new run starts
// the history again.
func (r *routeRates) add(s *stats.Snapshot) {
	if s == nil {
		return
	}
	n := len(s.Endpoints)
	if s.Elapsed < r.at || len(r.total) != n {
		r.clear()
	}
	for i := range s.Endpoints {
		if r.total != nil && s.Endpoints[i].Total < r.total[i] {
			r.clear()
			break
		}
	}
	if r.total == nil {
		r.total, r.errs, r.at = make([]int64, n), make([]int64, n), s.Elapsed
		for i, e := range s.Endpoints {
			r.total[i], r.errs[i] = e.Total, e.Errors
		}
		return
	}
	sec := int64(s.Elapsed / time.Second)
	cur := r.second(sec, n)
	for i, e := range s.Endpoints {
		cur.total[i] += e.Total - r.total[i]
		cur.errs[i] += e.Errors - r.errs[i]
		r.total[i], r.errs[i] = e.Total, e.Errors
	}
	r.at = s.Elapsed
}

// second returns the entry of second sec, appending it (and dropping the
// oldest beyond rateSeconds) when it is new.
func (r *routeRates) second(sec int64, n int) *rateSecond {
	if k := len(r.secs); k > 0 && r.secs[k-1].sec == sec {
		return &r.secs[k-1]
	}
	if len(r.secs) >= rateSeconds {
		old := r.secs[0]
		r.secs = append(r.secs[:0], r.secs[1:]...)
		clear(old.total)
		clear(old.errs)
		r.secs = append(r.secs, rateSecond{sec: sec, total: old.total, errs: old.errs})
	} else {
		r.secs = append(r.secs, rateSecond{sec: sec, total: make([]int64, n), errs: make([]int64, n)})
	}
	return &r.secs[len(r.secs)-1]
}

// series returns route i's requests and errors, and every route's
// requests, in each of the last n completed seconds (before now), oldest
// first; a second without a snapshot counts nothing.
func (r *routeRates) series(i, n int, now time.Duration) (route, errs, all []float64) {
	last := int64(now/time.Second) - 1
	route, errs, all = make([]float64, n), make([]float64, n), make([]float64, n)
	for _, s := range r.secs {
		j := n - 1 - int(last-s.sec)
		if j < 0 || j >= n || i >= len(s.total) {
			continue
		}
		route[j], errs[j] = float64(s.total[i]), float64(s.errs[i])
		for _, t := range s.total {
			all[j] += float64(t)
		}
	}
	return route, errs, all
}
