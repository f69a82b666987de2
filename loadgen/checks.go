package loadgen

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/trafficgen/trafficgen/check"
	"github.com/trafficgen/trafficgen/scenario"
	"github.com/trafficgen/trafficgen/stats"
)

// shapeEvery is how often, at most, a route's answer is compared with its
// learned shape once learning is over: a comparison costs a few
// microseconds, so a route at any rate costs about the same. While the
// shape is learned every answer is taken. See "Response checks and shape
// drift" in docs/design.md.
const shapeEvery = 20 * time.Millisecond

// Shape states of a route.
const (
	shapeLearning int32 = iota
	shapeComparing
	shapeOff // the route does not answer JSON
)

// routeChecks is a route's response checks and JSON shape.
type routeChecks struct {
	reqs  []reqChecks // the route's requests that have checks
	drift *check.Drift
	state atomic.Int32
	next  atomic.Int64 // when the next comparison may be taken (unix ns)
}

// reqChecks maps one request's checks to the route's numbering of them
// (stats.Recorder.RegisterCheck) and holds the error each records.
type reqChecks struct {
	req  *scenario.Request
	ids  []uint8
	errs []error
}

// checkError is a failed check, as the error pane and the summary name
// it: the check's name and its route.
type checkError struct{ name, route string }

func (e *checkError) Error() string { return e.name + " on " + e.route }

// setUpChecks registers the scenario's checks with the recorder and
// gives every route a shape to learn, or the one shapes has for it (a
// baseline's).
func (e *Engine) setUpChecks(shapes map[string][]string) error {
	e.routeChecks = make([]*routeChecks, 0, len(e.routes))
	rc := func(route int) *routeChecks {
		for len(e.routeChecks) <= route {
			e.routeChecks = append(e.routeChecks, nil)
		}
		if e.routeChecks[route] == nil {
			e.routeChecks[route] = &routeChecks{}
		}
		return e.routeChecks[route]
	}
	add := func(req *scenario.Request, route int) error {
		r := rc(route)
		if len(req.Checks) == 0 || r.find(req) != nil {
			return nil
		}
		rq := reqChecks{req: req}
		for _, c := range req.Checks {
			id, err := e.rec.RegisterCheck(route, c.Name)
			if err != nil {
				return fmt.Errorf("checks: %w", err)
			}
			rq.ids = append(rq.ids, uint8(id))
			rq.errs = append(rq.errs, &checkError{name: c.Name, route: req.Route})
		}
		r.reqs = append(r.reqs, rq)
		return nil
	}
	for i, ep := range e.scn.Endpoints {
		if err := add(ep, e.routes[i]); err != nil {
			return err
		}
	}
	for j, jr := range e.scn.Journeys {
		for i, st := range jr.Steps {
			if err := add(st, e.stepRoutes[j][i]); err != nil {
				return err
			}
		}
	}
	for route, r := range e.routeChecks {
		if r == nil {
			continue
		}
		name := e.routeName(route)
		if lines, ok := shapes[name]; ok {
			d, err := check.NewDriftFrom(lines)
			if err != nil {
				return fmt.Errorf("the shape of %s: %w", name, err)
			}
			r.drift = d
			r.state.Store(shapeComparing)
			e.rec.SetShape(route, lines)
			continue
		}
		r.drift = check.NewDrift(check.DriftConfig{})
	}
	return nil
}

// routeName is the template of a route id.
func (e *Engine) routeName(route int) string {
	for i, id := range e.routes {
		if id == route {
			return e.scn.Endpoints[i].Route
		}
	}
	for j, ids := range e.stepRoutes {
		for i, id := range ids {
			if id == route {
				return e.scn.Journeys[j].Steps[i].Route
			}
		}
	}
	return ""
}

func (r *routeChecks) find(req *scenario.Request) *reqChecks {
	for i := range r.reqs {
		if r.reqs[i].req == req {
			return &r.reqs[i]
		}
	}
	return nil
}

// shapeSample says whether the answer to a request of route, sent at
// now, is to be compared with the route's shape (or learnt from): every
// one while the shape is learnt, then at most one every shapeEvery.
func (e *Engine) shapeSample(route int, now time.Time) bool {
	r := e.routeChecks[route]
	switch r.state.Load() {
	case shapeLearning:
		return true
	case shapeOff:
		return false
	}
	next, t := r.next.Load(), now.UnixNano()
	return t >= next && r.next.CompareAndSwap(next, t+int64(shapeEvery))
}

// checkAnswer runs c's response checks on the answer in ex, and compares
// it with its route's shape when it was sampled for that (sc.sample). A
// failed check makes the request a check failure (stats.KindCheck): the
// exchange succeeded, the answer was wrong. Only an answer with a status
// from 200 to 399 (and, in a journey, its captures found) is checked.
func (e *Engine) checkAnswer(c call, ex *exchange, sc *scratch, at time.Time) {
	if ex.kind != stats.KindNone {
		return
	}
	body, cut := ex.body, false
	if len(body) > BodyLimit {
		body, cut = body[:BodyLimit], true
	}
	if sc.sample {
		e.observeShape(c.route, ex.code, body, cut, at)
	}
	if len(c.req.Checks) == 0 {
		return
	}
	rq := e.routeChecks[c.route].find(c.req)
	sc.checked = check.Response{Status: ex.code, Body: body, Truncated: cut, Header: &sc.resp.Header}
	failed := c.req.Checks.Eval(&sc.checked)
	sc.checked.Body = nil
	ex.checked = true
	if failed == 0 {
		return
	}
	first := -1
	for i := range rq.ids {
		if failed&(1<<i) != 0 {
			ex.checkFailed |= 1 << rq.ids[i]
			if first < 0 {
				first = i
			}
		}
	}
	ex.kind, ex.err = stats.KindCheck, rq.errs[first]
	ex.failStep = failed&c.req.FailStep != 0
}

// observeShape learns route's shape from a successful answer's body, or
// compares the body with it and counts the comparison.
func (e *Engine) observeShape(route, code int, body []byte, cut bool, at time.Time) {
	if code < 200 || code > 299 || code == 204 {
		return // no content, or a redirect: no shape to speak of
	}
	r := e.routeChecks[route]
	diff, compared := r.drift.Compare(body, cut, at)
	if compared {
		text := ""
		if !diff.Empty() {
			text = diff.String()
		}
		e.rec.ShapeChecked(route, text, at)
		return
	}
	if r.state.Load() != shapeLearning {
		return
	}
	switch st := r.drift.State(); {
	case st.NoShape:
		r.state.Store(shapeOff)
	case !st.Learning:
		e.rec.SetShape(route, r.drift.Shape())
		r.state.Store(shapeComparing)
	}
}

// stepFailed says whether a journey step whose request ended as ex
// failed: a check failure fails it only when the check says so
// (fail_step).
func stepFailed(ex exchange) bool {
	return ex.kind != stats.KindNone && (ex.kind != stats.KindCheck || ex.failStep)
}
