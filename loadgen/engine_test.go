package loadgen

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
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

// checker wraps the demo API and checks what the generator sends: every
// request carries the key; every order names a user the server has (seeded
// or created in this run); every payment names an order the server has and
// that order's amount. It counts requests and violations.
type checker struct {
	h   http.Handler
	key string

	mu         sync.Mutex
	seen       int
	byRoute    map[string]int
	users      map[int64]bool
	orders     map[int64]float64
	violations []string
}

func newChecker(h http.Handler) *checker {
	return &checker{
		h: h, key: demoapi.DefaultAPIKey, byRoute: map[string]int{},
		users:  map[int64]bool{1: true, 2: true, 3: true},
		orders: map[int64]float64{1: 99.99, 2: 149.99},
	}
}

func (c *checker) violate(format string, args ...any) {
	c.violations = append(c.violations, fmt.Sprintf(format, args...))
}

func (c *checker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req map[string]any
	if r.Body != nil && r.Method == http.MethodPost {
		json.NewDecoder(r.Body).Decode(&req)
		b, _ := json.Marshal(req)
		r.Body = http.NoBody
		r.Body = readCloser{strings.NewReader(string(b))}
	}
	c.mu.Lock()
	c.seen++
	if r.Header.Get("X-API-Key") != c.key {
		c.violate("%s %s without the key", r.Method, r.URL.Path)
	}
	if r.Method == http.MethodPost && r.URL.Path == "/api/orders" {
		if uid, ok := req["userId"].(float64); !ok || !c.users[int64(uid)] {
			c.violate("order for unknown user %v", req["userId"])
		}
	}
	if r.Method == http.MethodPost && r.URL.Path == "/api/payments" {
		oid, _ := req["orderId"].(float64)
		amount, have := c.orders[int64(oid)]
		if !have {
			c.violate("payment for unknown order %v", req["orderId"])
		} else if got, _ := req["amount"].(float64); got != amount {
			c.violate("payment for order %v names amount %v, the order has %v", oid, got, amount)
		}
	}
	c.mu.Unlock()
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, r)
	if rec.Code == http.StatusCreated || rec.Code == http.StatusOK {
		var resp map[string]any
		if json.Unmarshal(rec.Body.Bytes(), &resp) == nil && r.Method == http.MethodPost {
			id, _ := resp["id"].(float64)
			c.mu.Lock()
			switch r.URL.Path {
			case "/api/users":
				c.users[int64(id)] = true
			case "/api/orders":
				amount, _ := resp["amount"].(float64)
				c.orders[int64(id)] = amount
			}
			c.mu.Unlock()
		}
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

type readCloser struct{ *strings.Reader }

func (readCloser) Close() error { return nil }

func runEngine(t *testing.T, cfg Config) (*Engine, stats.Snapshot) {
	t.Helper()
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var snaps int
	go func() {
		defer close(done)
		for range e.Snapshots() {
			snaps++
		}
	}()
	if err := e.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-done
	if snaps == 0 {
		t.Error("no snapshot was published")
	}
	return e, e.Final()
}

func TestCountsMatchWhatTheServerSaw(t *testing.T) {
	for _, errorsPct := range []float64{0, 30} {
		t.Run(fmt.Sprintf("errors %v%%", errorsPct), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				api := demoapi.New(demoapi.Options{Seed: 1})
				if errorsPct > 0 {
					api.SetFault(demoapi.All, demoapi.Fault{Kind: demoapi.FaultErrors, Percent: errorsPct})
				}
				chk := newChecker(api)
				_, s := runEngine(t, Config{
					Target: "http://gateway.test", Mode: plan.ModeSteady, RPS: 200, Duration: 5 * time.Second,
					Client: inProcessClient(chk), Seed: 7,
				})
				if s.Total != int64(chk.seen) || s.Total != s.Success+s.Errors {
					t.Fatalf("server saw %d; reported total %d = %d ok + %d errors", chk.seen, s.Total, s.Success, s.Errors)
				}
				if s.Total < 990 || s.Total > 1010 {
					t.Errorf("total %d, want about 1000", s.Total)
				}
				if errorsPct > 0 && (s.Errors < s.Total/5 || s.Errors > s.Total/2) {
					t.Errorf("errors %d of %d with 30%% injected", s.Errors, s.Total)
				}
				if errorsPct == 0 && s.Errors > s.Total/10 {
					t.Errorf("errors %d of %d without injection", s.Errors, s.Total)
				}
				var perRoute int64
				for _, ep := range s.Endpoints {
					perRoute += ep.Total
				}
				if perRoute != s.Total {
					t.Errorf("endpoint rows add to %d, total %d", perRoute, s.Total)
				}
			})
		})
	}
}

func TestSteadyRateIsExact(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := demoapi.New(demoapi.Options{Seed: 1})
		_, s := runEngine(t, Config{
			Target: "http://gateway.test", Mode: plan.ModeSteady, RPS: 1000, Duration: 5 * time.Second,
			Client: inProcessClient(api), Seed: 3,
		})
		if s.Total < 4950 || s.Total > 5050 || s.Dropped != 0 {
			t.Fatalf("sent %d (dropped %d), want 5000±1%% and none dropped", s.Total, s.Dropped)
		}
	})
}

func TestJourneysChainIdsAndAmounts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := demoapi.New(demoapi.Options{Seed: 5, LatencyScale: 0.2})
		chk := newChecker(api)
		_, s := runEngine(t, Config{
			Target: "http://gateway.test", Mode: plan.ModeRealistic, RPS: 20, Duration: 20 * time.Second,
			Users: 10, Think: scenario.Range{Min: 100 * time.Millisecond, Max: 300 * time.Millisecond},
			Client: inProcessClient(chk), Seed: 11,
		})
		if len(chk.violations) > 0 {
			t.Fatalf("%d violations, first: %v", len(chk.violations), chk.violations[:min(5, len(chk.violations))])
		}
		j := s.Journeys
		if j.Completed < 100 {
			t.Fatalf("journeys %+v: too few completed", j)
		}
		for _, st := range j.Steps {
			if st.Failed > 0 && !strings.Contains(st.LastError, "HTTP 500") {
				t.Errorf("step %s failed %d times: %s", st.Step, st.Failed, st.LastError)
			}
		}
		if j.Declined == 0 {
			t.Errorf("no declined payments in %d journeys", j.Completed)
		}
		if int64(chk.seen) != s.Total {
			t.Errorf("server saw %d, reported %d", chk.seen, s.Total)
		}
	})
}

func TestLiveSpikeAddsExactlyItsLoad(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := demoapi.New(demoapi.Options{Seed: 1})
		e, err := New(Config{
			Target: "http://gateway.test", Mode: plan.ModeSteady, RPS: 100, Duration: 10 * time.Second,
			Client: inProcessClient(api), Seed: 1,
		})
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			for range e.Snapshots() {
			}
		}()
		go func() {
			time.Sleep(2 * time.Second)
			e.Spike() // +500 req/s for 3 s
			time.Sleep(4 * time.Second)
			e.TogglePause() // 2 s without traffic
			time.Sleep(2 * time.Second)
			e.TogglePause() // the clock stood still: 4 s of plan remain
		}()
		e.Run(context.Background())
		s := e.Final()
		// 10 s × 100 + 3 s × 500 = 2500; the run lasts 12 s of wall time.
		if s.Total < 2480 || s.Total > 2520 {
			t.Fatalf("total %d, want 2500", s.Total)
		}
		if s.Elapsed < 12*time.Second || s.Elapsed > 12300*time.Millisecond {
			t.Errorf("elapsed %v, want 12s (10 s of plan + 2 s paused)", s.Elapsed)
		}
		kinds := map[string]bool{}
		for _, ev := range s.Run.Events {
			kinds[ev.Kind] = true
		}
		for _, k := range []string{"spike", "pause", "resume"} {
			if !kinds[k] {
				t.Errorf("no %q event in %+v", k, s.Run.Events)
			}
		}
	})
}

func TestModeSwitchRestartsTheTimeline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := demoapi.New(demoapi.Options{Seed: 1})
		e, _ := New(Config{
			Target: "http://gateway.test", Mode: plan.ModeSteady, RPS: 20, Duration: 100 * time.Second,
			Client: inProcessClient(api), Seed: 1, Users: 0, UsersSet: true,
		})
		go func() {
			for range e.Snapshots() {
			}
		}()
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			time.Sleep(5 * time.Second)
			e.SetMode(plan.ModeDemo) // demo: ramp 5→20 over 30 s
			time.Sleep(5 * time.Second)
			e.NextPhase() // steady 20 + journeys
			time.Sleep(time.Second)
			e.NextPhase() // spike 100
			e.ToggleHold()
			time.Sleep(30 * time.Second) // held: still in the spike phase
			cancel()
		}()
		e.Run(ctx)
		s := e.Final()
		if s.Run.Mode != "demo" || s.Run.Phase != "spike" || !s.Run.Held {
			t.Fatalf("run = mode %s phase %q held %v, want demo/spike/held", s.Run.Mode, s.Run.Phase, s.Run.Held)
		}
		// Open-model traffic: 5 s × 20 + ramp 5 s from 5 to 7.5 (31.25) +
		// 1 s × 20 + 30 s × 100. Journey users (15 from phase 2) add their
		// own requests, one per step reached.
		want := 100 + 31.25 + 20 + 3000.0
		journeyReqs := int64(0)
		for _, st := range s.Journeys.Steps {
			journeyReqs += st.Reached
		}
		if journeyReqs == 0 {
			t.Errorf("no journey requests in the demo phases")
		}
		if got := float64(s.Total - journeyReqs); got < want*0.98 || got > want*1.02 {
			t.Errorf("open-model total %v, want about %.0f", got, want)
		}
	})
}

func TestScaleRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := demoapi.New(demoapi.Options{Seed: 1})
		e, _ := New(Config{Target: "http://gateway.test", Mode: plan.ModeSteady, RPS: 100, Duration: 4 * time.Second, Client: inProcessClient(api)})
		go func() {
			for range e.Snapshots() {
			}
		}()
		go func() {
			time.Sleep(2 * time.Second)
			e.ScaleRate(2)
		}()
		e.Run(context.Background())
		if s := e.Final(); s.Total < 590 || s.Total > 610 || s.Run.BaseRPS != 200 {
			t.Fatalf("total %d base %v, want 600 and 200", s.Total, s.Run.BaseRPS)
		}
	})
}

// After a burst, the open-model workers it started retire once idle, so a
// long run's goroutines (and connections) follow the rate, not its peak.
func TestBurstWorkersRetire(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(90 * time.Millisecond)
		})
		e, err := New(Config{
			Target: "http://slow.test", Mode: plan.ModeSteady, RPS: 10, Duration: 14 * time.Second,
			SpikeMultiplier: 50, Client: inProcessClient(slow),
		})
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			for range e.Snapshots() {
			}
		}()
		var during, after int
		sampled := make(chan struct{})
		go func() {
			defer close(sampled)
			time.Sleep(time.Second)
			e.Spike() // +500 req/s for 3 s: about 45 in flight
			time.Sleep(2 * time.Second)
			during = e.pool.size()
			// The spike ends at 4 s; its workers retire within idleRetire
			// and the scheduler's next look, a second later.
			time.Sleep(time.Second + idleRetire + 2*time.Second)
			after = e.pool.size()
		}()
		e.Run(context.Background())
		<-sampled
		if during < 40 {
			t.Fatalf("%d workers during a spike of 50 in flight", during)
		}
		// 10 req/s of 90 ms each needs one at a time (a request may go
		// out 2 ms early), and keepIdle more stay.
		if after > 3 {
			t.Errorf("%d workers %v after the spike (during: %d), want at most 3", after, idleRetire+2*time.Second, during)
		}
		if s := e.Final(); s.Total < 1620 || s.Total > 1660 {
			t.Errorf("total %d, want 14 s × 10 + 3 s × 500 = 1640", s.Total)
		}
	})
}

// holding answers each request after d, or when it is cancelled.
func holding(d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
		}
	})
}

func TestInFlightCapDropsAndCounts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, s := runEngine(t, Config{
			Target: "http://slow.test", Mode: plan.ModeSteady, RPS: 100, Duration: 3 * time.Second,
			MaxInFlight: 10, Client: inProcessClient(holding(time.Second)),
		})
		// 10 in flight at a time, each taking 1 s: about 10 per second sent.
		if s.Total < 25 || s.Total > 35 || s.Total+s.Dropped < 295 || s.Total+s.Dropped > 305 {
			t.Fatalf("sent %d dropped %d; want about 30 sent and 270 dropped", s.Total, s.Dropped)
		}
		// Latency runs from the due time: at most the 1 s service time here,
		// since nothing waits in a queue.
		if s.Latency.Max > 1100*time.Millisecond || s.Latency.P50 < 990*time.Millisecond {
			t.Errorf("latency %+v", s.Latency)
		}
		// The server kept the cap full, not trafficgen, and the summary says so.
		if s.Run.DroppedBehind != 0 || s.Run.MaxInFlight != 10 || s.Run.DroppedAtCap != 10 {
			t.Errorf("dropped behind %d, cap %d, dropped at %d; want 0, 10, 10", s.Run.DroppedBehind, s.Run.MaxInFlight, s.Run.DroppedAtCap)
		}
		var b strings.Builder
		stats.WriteSummary(&b, s)
		if want := "     All of them: the in-flight cap (10) was full of requests the server\n"; !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	})
}

// The automatic cap is 1,000 or 100 ms of the target rate, whichever is
// more: at 15,000 req/s against a server that holds each request for 1 s,
// the 1,500 due in 100 ms are all sent; a cap set to 1,000 drops 500.
func TestInFlightCapFollowsTheRate(t *testing.T) {
	for _, c := range []struct {
		set, sent, dropped int64
	}{{0, 1500, 0}, {1000, 1000, 500}} {
		synctest.Test(t, func(t *testing.T) {
			_, s := runEngine(t, Config{
				Target: "http://slow.test", Mode: plan.ModeSteady, RPS: 15000, Duration: 100 * time.Millisecond,
				MaxInFlight: int(c.set), Client: inProcessClient(holding(time.Second)),
			})
			if s.Total < c.sent-10 || s.Total > c.sent+10 || s.Dropped < c.dropped-10 || s.Dropped > c.dropped+10 {
				t.Errorf("cap %d: sent %d dropped %d; want about %d and %d", c.set, s.Total, s.Dropped, c.sent, c.dropped)
			}
			if want := cmp.Or(int(c.set), 1500); s.Run.MaxInFlight != want {
				t.Errorf("cap %d: the snapshot says %d, want %d", c.set, s.Run.MaxInFlight, want)
			}
		})
	}
}

// When the rate falls, the automatic cap holds for a request timeout, so
// the requests due at the new rate are not dropped while the old rate's
// are still out: 15,000 req/s (a cap of 1,500) against a server that takes
// 80 ms, then 3,000 req/s (1,000) while 1,200 are in flight.
func TestInFlightCapHoldsWhenTheRateFalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e, err := New(Config{
			Target: "http://slow.test", Mode: plan.ModeSteady, RPS: 15000, Duration: 400 * time.Millisecond,
			Client: inProcessClient(holding(80 * time.Millisecond)),
		})
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			for range e.Snapshots() {
			}
		}()
		go func() {
			time.Sleep(200 * time.Millisecond)
			e.ScaleRate(0.2)
		}()
		e.Run(context.Background())
		s := e.Final()
		if s.Dropped != 0 || s.Total < 3500 || s.Total > 3700 {
			t.Errorf("sent %d, dropped %d; want about 3,600 and none", s.Total, s.Dropped)
		}
		if s.Run.MaxInFlight != 1500 {
			t.Errorf("cap %d at the end, want 1500 held", s.Run.MaxInFlight)
		}
	})
}

func TestStickyCap(t *testing.T) {
	t0 := time.Now()
	h := stickyCap{lasts: 10 * time.Second}
	for _, c := range []struct {
		at        time.Duration
		cap, want int
	}{
		{0, 1000, 1000}, {time.Second, 6000, 6000}, // up at once
		{2 * time.Second, 2000, 6000}, {10 * time.Second, 1000, 6000}, // held
		{11 * time.Second, 2000, 2000},                                 // down a timeout after it was last 6,000
		{12 * time.Second, 1000, 2000}, {20 * time.Second, 3000, 3000}, // up again at once
		{40 * time.Second, 1000, 1000},
	} {
		if got := h.at(t0.Add(c.at), c.cap); got != c.want {
			t.Errorf("at %v with %d: %d, want %d", c.at, c.cap, got, c.want)
		}
	}
}

// The drop causes start again with the stats.
func TestDropCausesReset(t *testing.T) {
	e, err := New(Config{Target: "http://x.test", Mode: plan.ModeSteady, RPS: 10, Client: inProcessClient(http.NotFoundHandler())})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		e.rec.Dropped(e.routes[0], time.Now())
	}
	e.rec.DropCause(3, true, 2000)
	e.rec.DropCause(2, false, 1500)
	if r := e.snapshot(time.Now(), false).Run; r.DroppedBehind != 3 || r.DroppedAtCap != 2000 {
		t.Fatalf("dropped behind %d at %d, want 3 at 2000", r.DroppedBehind, r.DroppedAtCap)
	}
	e.ResetStats()
	if r := e.snapshot(time.Now(), false).Run; r.DroppedBehind != 0 || r.DroppedAtCap != 0 {
		t.Fatalf("after a reset: dropped behind %d at %d, want 0 at 0", r.DroppedBehind, r.DroppedAtCap)
	}
}

func TestInFlightCap(t *testing.T) {
	for _, c := range []struct {
		set  int
		rate float64
		want int
	}{
		{0, 0, 1000}, {0, 20, 1000}, {0, 10000, 1000}, {0, 10001, 1001}, {0, 60000, 6000},
		{0, 1e12, 1_000_000}, {0, math.NaN(), 1000}, {0, math.Inf(1), 1_000_000},
		{500, 60000, 500}, {1, 0, 1},
	} {
		if got := inFlightCap(c.set, c.rate); got != c.want {
			t.Errorf("inFlightCap(%d, %g) = %d, want %d", c.set, c.rate, got, c.want)
		}
	}
}

func TestClosedPortAndTimeouts(t *testing.T) {
	t.Parallel() // waits on sockets: it runs beside the others that do
	ln := httptest.NewServer(http.NotFoundHandler())
	closed := ln.URL
	ln.Close()

	slow := httptest.NewServer(holding(2 * time.Second))
	defer slow.Close()

	// The two runs wait on sockets, so they go at once.
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() {
		t.Run("closed port", func(t *testing.T) {
			_, s := runEngine(t, Config{Target: closed, Mode: plan.ModeSteady, RPS: 50, Duration: time.Second, Timeout: time.Second})
			if s.Total == 0 || s.Errors != s.Total || kindCount(s, stats.KindRefused) != s.Total {
				t.Errorf("total %d errors %d kinds %+v", s.Total, s.Errors, s.ErrorKinds)
			}
		})
	})
	_, s := runEngine(t, Config{Target: slow.URL, Mode: plan.ModeSteady, RPS: 20, Duration: time.Second, Timeout: 300 * time.Millisecond})
	if s.Total == 0 || s.Total+s.Dropped < 15 || kindCount(s, stats.KindTimeout) != s.Total {
		t.Errorf("slow server: total %d kinds %+v", s.Total, s.ErrorKinds)
	}
	var b strings.Builder
	stats.WriteSummary(&b, s)
	if !strings.Contains(b.String(), "timeout: ") {
		t.Errorf("summary lacks the timeouts:\n%s", b.String())
	}
}

func kindCount(s stats.Snapshot, k stats.ErrorKind) int64 {
	for _, kc := range s.ErrorKinds {
		if kc.Kind == k {
			return kc.Count
		}
	}
	return 0
}

func TestMaxThroughputMode(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// A closed loop needs the server to take some time, or the fake
		// clock never moves.
		api := demoapi.New(demoapi.Options{Seed: 1, LatencyScale: 0.05})
		chk := newChecker(api)
		_, s := runEngine(t, Config{
			Target: "http://gateway.test", Mode: plan.ModeMax, Concurrency: 4, Duration: 2 * time.Second,
			Client: inProcessClient(chk), Users: 0, UsersSet: true,
		})
		if s.Run.Mode != "max" || s.Run.Concurrency != 4 || s.Total != int64(chk.seen) {
			t.Fatalf("mode %s conc %d total %d seen %d", s.Run.Mode, s.Run.Concurrency, s.Total, chk.seen)
		}
	})
}

// Retiring some of many idle workers keeps the pool's list exact: the
// retired ones are gone (closing the pool would close them twice) and
// the rest remain, each where its index says.
func TestPoolRetireKeepsTheRest(t *testing.T) {
	var p workerPool
	now := time.Now()
	due := now.Add(time.Hour) // never late, however slow the test runs
	var ws []*poolWorker
	for range 100 {
		w, _ := p.dispatch(job{due: due}) // nobody idle: each starts a worker
		if w == nil {
			t.Fatal("no worker started")
		}
		ws = append(ws, w)
	}
	// Each takes one backlog job, then parks; the first 60 parked long ago.
	starting := make([]bool, len(ws))
	for i, w := range ws {
		starting[i] = true
		if _, ok := p.next(w, &starting[i], time.Millisecond); !ok {
			t.Fatal("no backlog job")
		}
	}
	for i, w := range ws {
		if _, ok := p.next(w, &starting[i], time.Millisecond); ok {
			t.Fatal("backlog not empty")
		}
		if i < 60 {
			w.idleSince = now.Add(-2 * idleRetire)
		}
	}
	p.retire(now)
	if p.size() != 40 || len(p.idle) != 40 {
		t.Fatalf("%d workers, %d idle after retiring 60 of 100; want 40, 40", p.size(), len(p.idle))
	}
	for i, w := range ws {
		open := true
		select {
		case _, open = <-w.jobs:
		default: // empty and open
		}
		if retired := i < 60; retired == open {
			t.Fatalf("worker %d: inbox open %v, retired %v", i, open, retired)
		}
		if i >= 60 && p.all[w.slot] != w {
			t.Fatalf("worker %d is not at its slot %d", i, w.slot)
		}
	}
	p.close() // closes the 40 left, once each
}

// TestPoolKeepsTwoIdle: at one request every few seconds, the worker that
// sent the last one is not retired in between, so a request does not
// wait for a new worker to start.
func TestPoolKeepsTwoIdle(t *testing.T) {
	var p workerPool
	now := time.Now()
	var ws []*poolWorker
	for range 3 {
		w, _ := p.dispatch(job{due: now.Add(time.Hour)})
		ws = append(ws, w)
	}
	for _, w := range ws {
		var starting bool
		p.next(w, &starting, time.Millisecond) // its backlog job
		p.next(w, &starting, time.Millisecond) // parks
		w.idleSince = now.Add(-10 * idleRetire)
	}
	p.retire(now)
	if p.size() != keepIdle || len(p.idle) != keepIdle {
		t.Fatalf("%d workers, %d idle after a long idle spell; want %d", p.size(), len(p.idle), keepIdle)
	}
	if p.idle[len(p.idle)-1] != ws[2] {
		t.Error("the worker idle the shortest time was retired")
	}
	p.close()
}
