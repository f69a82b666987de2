package loadgen

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/trafficgen/trafficgen/demoapi"
	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/stats"
)

// The generator against the demo API for 10 s in realistic mode:
// journeys complete without a chaining error (a wrong or missing id would
// show as a 404 or a capture failure), and the reported per-endpoint
// counts are exactly what the demo API served.
func TestDemoAPIRealistic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := demoapi.New(demoapi.Options{LatencyScale: 1, Seed: 3})
		_, s := runEngine(t, Config{
			Target: "http://gateway.test", Mode: plan.ModeRealistic, RPS: 20, Duration: 10 * time.Second, Users: 10, Seed: 9,
			Client: inProcessClient(api),
		})
		j := s.Journeys
		if j.Completed < 10 {
			t.Fatalf("only %d journeys completed: %+v", j.Completed, j)
		}
		for _, st := range j.Steps {
			if st.Failed > 0 && st.LastError != "HTTP 500" {
				t.Errorf("chaining error at %q: %d failed, last %q", st.Step, st.Failed, st.LastError)
			}
		}
		if kindCount(s, stats.KindCapture) > 0 {
			t.Errorf("%d capture failures", kindCount(s, stats.KindCapture))
		}
		served := api.Served()
		for _, ep := range s.Endpoints {
			if served[ep.Route] != ep.Total {
				t.Errorf("%s: generator reported %d, demo API served %d", ep.Route, ep.Total, served[ep.Route])
			}
			delete(served, ep.Route)
		}
		for route, n := range served {
			if n > 0 {
				t.Errorf("demo API served %d on %s, which the generator did not report", n, route)
			}
		}
	})
}

// Each fault, switched on through the demo API's Go API, shows in the
// generator's stats within one second, and is gone within one second of
// being cleared.
func TestFaultsShowWithinASecond(t *testing.T) {
	faults := []demoapi.Fault{
		{Kind: demoapi.FaultSlow, Factor: 5},
		{Kind: demoapi.FaultErrors, Percent: 60},
		{Kind: demoapi.FaultOutage},
	}
	for _, f := range faults {
		t.Run(f.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				// Payments take 5–50 ms here (×5 when slow: up to 250 ms).
				api := demoapi.New(demoapi.Options{LatencyScale: 0.1, Seed: 4})
				e, err := New(Config{
					Target: "http://gateway.test", Mode: plan.ModeSteady, RPS: 500, Duration: 8 * time.Second,
					Client: inProcessClient(api), Users: 0, UsersSet: true, Seed: 2,
				})
				if err != nil {
					t.Fatal(err)
				}
				go func() {
					for range e.Snapshots() {
					}
				}()
				var on, off stats.Snapshot
				sampled := make(chan struct{})
				go func() {
					defer close(sampled)
					time.Sleep(2 * time.Second)
					api.SetFault(demoapi.Payments, f)
					time.Sleep(1050 * time.Millisecond)
					on = e.Final() // has second 2 (the one after the switch)
					time.Sleep(950 * time.Millisecond)
					api.SetFault(demoapi.Payments, demoapi.Fault{})
					time.Sleep(2050 * time.Millisecond)
					off = e.Final() // has second 5 (from one second after clearing)
				}()
				e.Run(context.Background())
				<-sampled
				before, after := point(t, on, 1), point(t, on, 2)
				cleared := point(t, off, 5)
				t.Logf("before %+v\nafter %+v\ncleared %+v", before, after, cleared)
				if f.Kind == demoapi.FaultSlow {
					if before.P99 > 60*time.Millisecond || after.P99 < 100*time.Millisecond {
						t.Errorf("p99 %v before, %v in the second after slow ×5: not visible", before.P99, after.P99)
					}
					if cleared.P99 > 60*time.Millisecond {
						t.Errorf("p99 %v a second after clearing", cleared.P99)
					}
					return
				}
				if errFrac(before) > 0.04 || errFrac(after) < 0.12 {
					t.Errorf("error share %.3f before, %.3f after %v: not visible", errFrac(before), errFrac(after), f)
				}
				if errFrac(cleared) > 0.04 {
					t.Errorf("error share %.3f a second after clearing", errFrac(cleared))
				}
			})
		})
	}
}

func point(t *testing.T, s stats.Snapshot, sec int64) stats.Point {
	t.Helper()
	for _, p := range s.Series {
		if p.Second == sec {
			return p
		}
	}
	t.Fatalf("no point for second %d in %d points", sec, len(s.Series))
	return stats.Point{}
}

func errFrac(p stats.Point) float64 {
	if p.Success+p.Errors == 0 {
		return 0
	}
	return float64(p.Errors) / float64(p.Success+p.Errors)
}
