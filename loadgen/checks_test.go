package loadgen

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/trafficgen/trafficgen/demoapi"
	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/scenario"
	"github.com/trafficgen/trafficgen/stats"
)

func loadScenario(t *testing.T, src string) *scenario.Scenario {
	t.Helper()
	scn, err := scenario.Load("t.yaml", []byte(src), scenario.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return scn
}

// wrongServer answers {"status":"ok"}, or {"status":"wrong"} for about
// one in ten requests, and counts the wrong ones; /plain answers text.
type wrongServer struct {
	mu    sync.Mutex
	rnd   *rand.Rand
	wrong int
}

func (s *wrongServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
	}
	if r.URL.Path == "/plain" {
		io.WriteString(w, "fine")
		return
	}
	s.mu.Lock()
	bad := s.rnd.Float64() < 0.1
	if bad {
		s.wrong++
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if bad {
		io.WriteString(w, `{"status":"wrong","id":7}`)
		return
	}
	io.WriteString(w, `{"status":"ok","id":7}`)
}

// TestJSONCheckCountsWrongAnswers: a JSON-path check against a server
// that gets a field wrong in about 10% of its answers counts each of
// those, and only those, as a check failure on that route, under the
// check's name; no request is an HTTP or transport error.
func TestJSONCheckCountsWrongAnswers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := &wrongServer{rnd: rand.New(rand.NewPCG(3, 4))}
		scn := loadScenario(t, `endpoints:
  - path: /orders
    weight: 2
    checks:
      - {json: 'status=ok', name: status ok}
      - json: id
  - path: /plain
`)
		_, s := runEngine(t, Config{Mode: plan.ModeSteady, RPS: 300, Duration: 10 * time.Second, Scenario: scn, Client: inProcessClient(srv)})
		orders, plain := s.Endpoints[0], s.Endpoints[1]
		if orders.Total < 1900 {
			t.Fatalf("%d requests on %s; want about 2,000", orders.Total, orders.Route)
		}
		srv.mu.Lock()
		wrong := int64(srv.wrong)
		srv.mu.Unlock()
		share := 100 * float64(orders.CheckFailed) / float64(orders.Checked)
		t.Logf("%s: %d requests, %d check failures (%.1f%%), server sent %d wrong", orders.Route, orders.Total, orders.CheckFailed, share, wrong)
		if orders.CheckFailed != wrong || orders.Checked != orders.Total || share < 8 || share > 12 {
			t.Errorf("%d of %d checked failed (%.1f%%); the server sent %d wrong of %d: want each counted, about 10%%",
				orders.CheckFailed, orders.Checked, share, wrong, orders.Total)
		}
		if len(orders.Checks) != 2 || orders.Checks[0] != (stats.CheckCount{Name: "status ok", Failed: wrong}) || orders.Checks[1].Failed != 0 {
			t.Errorf("per check %+v; want status ok %d, id 0", orders.Checks, wrong)
		}
		if plain.Checked != 0 || plain.CheckFailed != 0 || len(plain.Checks) != 0 {
			t.Errorf("a route without checks counted some: %+v", plain)
		}
		if len(s.ErrorKinds) != 1 || s.ErrorKinds[0].Kind != stats.KindCheck || s.ErrorKinds[0].Count != wrong {
			t.Errorf("error kinds %+v; want only %d check failures", s.ErrorKinds, wrong)
		}
		if !strings.Contains(s.ErrorKinds[0].Reason(), "status ok on GET /orders") {
			t.Errorf("reason %q does not name the check and the route", s.ErrorKinds[0].Reason())
		}
		for _, c := range s.StatusCodes {
			if c.Code != 200 {
				t.Errorf("status %d: want every answer a 200", c.Code)
			}
		}
	})
}

// A journey step whose check fails goes on unless the check says
// fail_step; each failure counts on the route either way.
func TestJourneyCheckFailsStepOnlyWhenAsked(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Body != nil {
				io.Copy(io.Discard, r.Body)
			}
			io.WriteString(w, `{"id":1,"status":"PENDING"}`)
		})
		scn := loadScenario(t, `think: 1s
journeys:
  - name: buy
    steps:
      - name: soft
        path: /a
        checks: [{json: 'status=DONE', name: done}]
      - name: hard
        path: /b
        checks: [{json: 'status=DONE', name: done, fail_step: true}]
      - name: never
        path: /c
`)
		_, s := runEngine(t, Config{Mode: plan.ModeSteady, RPS: 0.001, Users: 2, UsersSet: true, Duration: 5 * time.Second, Scenario: scn, Client: inProcessClient(srv)})
		j := s.Journeys
		if j.Started == 0 || j.Completed != 0 || j.Failed == 0 {
			t.Fatalf("journeys %+v: want every one to fail", j)
		}
		steps := map[string]stats.StepStats{}
		for _, st := range j.Steps {
			steps[st.Step] = st
		}
		if steps["soft"].Failed != 0 || steps["hard"].Failed != j.Failed || steps["never"].Reached != 0 {
			t.Errorf("steps %+v: want the journeys to pass soft and fail at hard", j.Steps)
		}
		if want := "check failed: done on GET /b"; steps["hard"].LastError != want {
			t.Errorf("last error %q, want %q", steps["hard"].LastError, want)
		}
		for _, e := range s.Endpoints[:2] {
			if e.CheckFailed == 0 || e.CheckFailed != e.Total {
				t.Errorf("%s: %d of %d failed the check; want all", e.Route, e.CheckFailed, e.Total)
			}
		}
	})
}

// rampServer answers in one JSON shape until more than 300 requests
// reached it within the last second, then in another (a field's type
// changed, one missing): the 200 that is wrong under load. It notes when
// it switched and how many answers it sent in the other shape.
type rampServer struct {
	mu       sync.Mutex
	arrivals []time.Time
	switched time.Time
	other    int
}

func (s *rampServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	s.mu.Lock()
	s.arrivals = append(s.arrivals, now)
	for len(s.arrivals) > 0 && now.Sub(s.arrivals[0]) >= time.Second {
		s.arrivals = s.arrivals[1:]
	}
	overloaded := len(s.arrivals) > 300
	if overloaded {
		s.other++
		if s.switched.IsZero() {
			s.switched = now
		}
	}
	s.mu.Unlock()
	if overloaded {
		io.WriteString(w, `{"id":7,"items":"cached","total":null}`)
		return
	}
	io.WriteString(w, `{"id":7,"items":[{"sku":"a","qty":1}],"total":12.5,"next":"x"}`)
}

// TestShapeDriftUnderLoad: a ramp past the rate at which the server
// starts answering 200 in another JSON shape counts drifted answers on
// that route, with an example naming the changed paths; the answers
// before it, compared with the shape learnt in the first seconds, did
// not drift. After learning a route's answers are sampled, not all taken.
func TestShapeDriftUnderLoad(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := &rampServer{}
		scn := loadScenario(t, "endpoints:\n  - path: /cart\n")
		start := time.Now()
		_, s := runEngine(t, Config{Mode: plan.ModeRampUp, RPS: 500, Duration: 10 * time.Second, Scenario: scn, Client: inProcessClient(srv)})
		sh := s.Endpoints[0].Shape
		if srv.switched.IsZero() {
			t.Fatal("the ramp never reached 300 req/s")
		}
		if !sh.Learned || sh.Drifted == 0 || sh.Drifted > int64(srv.other) || sh.Drifted >= sh.Checked {
			t.Fatalf("shape %+v; the server sent %d answers in the other shape from %v: want some of them drifted, and earlier ones compared",
				sh, srv.other, srv.switched.Sub(start))
		}
		for _, want := range []string{"changed items: array→string, total: number→null", "missing next"} {
			if !strings.Contains(sh.Example, want) {
				t.Errorf("example %q does not say %q", sh.Example, want)
			}
		}
		if at := start.Add(sh.At); at.Before(srv.switched) {
			t.Errorf("latest drift at %v, before the server switched at %v", sh.At, srv.switched.Sub(start))
		}
		// About 10 s less learning, one comparison every shapeEvery.
		if most := int64(10*time.Second/shapeEvery) + 1; sh.Checked > most {
			t.Errorf("%d answers compared; want at most one every %v (%d)", sh.Checked, shapeEvery, most)
		}
		if s.Errors != 0 {
			t.Errorf("%d errors: drift is not a failure", s.Errors)
		}
	})
}

// A route given a shape (a baseline's) compares from its first answer;
// one that answers no JSON stops learning and keeps no bodies.
func TestShapeBaselineAndTextRoutes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := &wrongServer{rnd: rand.New(rand.NewPCG(1, 1))}
		scn := loadScenario(t, "endpoints:\n  - path: /orders\n  - path: /plain\n")
		shapes := map[string][]string{"GET /orders": {"$ object", "id number", "status string", "amount number"}}
		e, s := runEngine(t, Config{Mode: plan.ModeSteady, RPS: 100, Duration: 2 * time.Second, Scenario: scn, Client: inProcessClient(srv), Shapes: shapes})
		orders, plain := s.Endpoints[0].Shape, s.Endpoints[1].Shape
		if !orders.Learned || orders.Checked == 0 || orders.Drifted != orders.Checked || orders.Example != "missing amount" {
			t.Errorf("orders shape %+v: want every answer compared with the baseline, missing amount", orders)
		}
		if plain.Learned || plain.Checked != 0 || e.routeChecks[e.routes[1]].state.Load() != shapeOff {
			t.Errorf("a text route: shape %+v, state %d; want none, and sampling off", plain, e.routeChecks[e.routes[1]].state.Load())
		}
		if _, err := New(Config{Scenario: scn, Client: inProcessClient(srv), Shapes: map[string][]string{"GET /orders": {"id"}}}); err == nil ||
			!strings.Contains(err.Error(), "GET /orders") {
			t.Errorf("a malformed baseline shape: %v", err)
		}
	})
}

// Evaluating checks allocates nothing per request, nor does the sampling
// of answers that are not compared with their route's shape.
func TestCheckAnswerAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector drops sync.Pool's items (regexp's machines), so it allocates")
	}
	scn := loadScenario(t, `endpoints:
  - path: /x
    checks: [{json: 'status=ok'}, {json: 'id>0'}, {header: 'Content-Type~json'}, {status: 200}]
`)
	e, err := New(Config{Scenario: scn, Client: inProcessClient(http.NotFoundHandler())})
	if err != nil {
		t.Fatal(err)
	}
	var sc scratch
	sc.resp.Header.AddString("Content-Type", "application/json")
	c := call{req: scn.Endpoints[0], route: e.routes[0]}
	body := []byte(`{"status":"no","id":7}`)
	now := time.Unix(1e9, 0)
	answer := func(sample bool) {
		ex := exchange{code: 200, body: body}
		sc.sample = sample
		e.checkAnswer(c, &ex, &sc, now)
		if ex.kind != stats.KindCheck || ex.checkFailed != 1 {
			panic(fmt.Sprintf("kind %v, failed %b", ex.kind, ex.checkFailed))
		}
	}
	if n := testing.AllocsPerRun(100, func() { answer(false) }); n != 0 {
		t.Errorf("checks: %v allocations per answer", n)
	}
	for i := 0; e.routeChecks[c.route].state.Load() == shapeLearning; i++ {
		if i > 1000 {
			t.Fatal("never learned")
		}
		answer(e.shapeSample(c.route, now))
		now = now.Add(10 * time.Millisecond)
	}
	e.shapeSample(c.route, now)
	if n := testing.AllocsPerRun(100, func() { answer(e.shapeSample(c.route, now)) }); n != 0 {
		t.Errorf("answers not sampled: %v allocations per answer", n)
	}
}

// The built-in scenario's checks say what its API defines as a right
// answer, so against the demo API none fails: a payment answered FAILED
// is declined, not a check failure, and no route's shape drifts (over
// its first minute, with lists that fill and records that change).
func TestGatewayChecksPassOnTheDemoAPI(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := demoapi.New(demoapi.Options{LatencyScale: 1, Seed: 5})
		_, s := runEngine(t, Config{
			Target: "http://gateway.test", Mode: plan.ModeRealistic, RPS: 40, Duration: 60 * time.Second, Users: 10, Seed: 4,
			Client: inProcessClient(api),
		})
		if s.Journeys.Declined == 0 {
			t.Fatalf("no declined payment in %d journeys: the test shows nothing", s.Journeys.Completed)
		}
		for _, e := range s.Endpoints {
			if e.Checked == 0 || e.CheckFailed != 0 {
				t.Errorf("%s: %d checked, %d failed %+v", e.Route, e.Checked, e.CheckFailed, e.Checks)
			}
			// A delete answers 204, no content: no shape.
			learned := e.Shape.Learned && e.Shape.Checked > 0 || e.Route == "DELETE /api/users/{id}"
			if !learned || e.Shape.Drifted != 0 {
				t.Errorf("%s: shape %+v", e.Route, e.Shape)
			}
		}
		if n := kindCount(s, stats.KindCheck); n != 0 {
			t.Errorf("%d check failures", n)
		}
	})
}
