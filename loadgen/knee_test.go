package loadgen

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/trafficgen/trafficgen/demoapi"
	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/stats"
)

// Knee mode against the demo API with a capacity of 200 req/s (a queue
// past it raises latency, and past 2 s of queue it sheds 503s): the
// highest sustained rate it reports is within 10 % of the capacity, and
// the run ends holding that rate, with the service recovered.
func TestKneeFindsTheCapacity(t *testing.T) {
	const capacity = 200
	synctest.Test(t, func(t *testing.T) {
		api := demoapi.New(demoapi.Options{LatencyScale: 1, Capacity: capacity, Seed: 5})
		e, s := runEngine(t, Config{
			Target: "http://gateway.test", Mode: plan.ModeKnee, Seed: 3,
			Client: inProcessClient(api),
			// The search judges whole steps, so a snapshot a second
			// serves it; each merges every route's histograms, most of
			// this test's time under the race detector at the default.
			SnapshotInterval: time.Second,
		})
		k := s.Run.Knee
		if k == nil {
			t.Fatal("the final snapshot has no knee")
		}
		for _, st := range k.Steps {
			t.Log(stats.KneeStepLine(st))
		}
		best, ok := k.Sustained()
		if !ok || !k.Broke || !k.Holding() {
			t.Fatalf("search ended %s, broke %v, sustained %v: %s", k.State, k.Broke, ok, k.Note)
		}
		if math.Abs(best.Rate-capacity) > capacity/10 {
			t.Errorf("highest sustained rate %v req/s, want within 10%% of %d", best.Rate, capacity)
		}
		if best.P99 <= 0 || best.Total == 0 || best.ErrorRatio() > 0.05 {
			t.Errorf("the knee's figures: %+v", best)
		}
		// The run ends holding that rate: the plan's last seconds ask for
		// it, and the service has recovered (its queue drained).
		hold := s.Series[len(s.Series)-10:]
		for _, p := range hold {
			if math.Abs(p.Target-best.Rate) > 1e-9 {
				t.Fatalf("second %d offers %v req/s, want the hold at %v", p.Second, p.Target, best.Rate)
			}
		}
		var done, failed int64
		var p99 time.Duration
		for _, p := range hold {
			done += p.Success + p.Errors
			failed += p.Errors
			p99 = max(p99, p.P99)
		}
		if got := float64(done) / float64(len(hold)); got < 0.9*best.Rate {
			t.Errorf("the hold's last 10 s completed %.1f req/s, want about %v", got, best.Rate)
		}
		if float64(failed) > 0.05*float64(done) || p99 > time.Second {
			t.Errorf("the service has not recovered in the hold: %d of %d failed, p99 up to %v", failed, done, p99)
		}
		rep, err := e.Report(nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Knee == nil || rep.Knee.HighestSustainedRps != best.Rate || len(rep.Knee.Steps) != len(k.Steps) || !rep.Knee.Found {
			t.Errorf("report's knee = %+v", rep.Knee)
		}
	})
}

// The knee finder started live (the dashboard's k) runs from the switch;
// a step with a spike in it is taken again rather than judged; the
// objective can come from Config.KneeSLO; and with the run's length
// given, the hold lasts until its end.
func TestKneeStartedLive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := demoapi.New(demoapi.Options{LatencyScale: 0.1, Seed: 2})
		var windows []float64
		e, err := New(Config{
			Target: "http://gateway.test", Mode: plan.ModeSteady, RPS: 20, Duration: 30 * time.Second, DurationSet: true,
			Client: inProcessClient(api), Seed: 4,
			Knee: plan.KneeConfig{Start: 100, Factor: 2, Refine: 1, Step: 2 * time.Second, Settle: 500 * time.Millisecond},
			KneeSLO: func(w *stats.Snapshot) []string {
				windows = append(windows, w.AverageRPS)
				if w.AverageRPS > 300 {
					return []string{"too fast"}
				}
				return nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			time.Sleep(3 * time.Second)
			e.SetMode(plan.ModeKnee)
			time.Sleep(time.Second)
			e.Spike()
		}()
		s := run(t, e)
		k := s.Run.Knee
		if k == nil {
			t.Fatal("no knee in the final snapshot")
		}
		var got []string
		for _, st := range k.Steps {
			got = append(got, fmt.Sprintf("%d %s %s %v skipped=%v", st.N, st.Kind, plan.RateText(st.Rate), st.Pass, st.Skipped))
		}
		// The spike, 4 s to 7 s, falls in the first two 2-s steps.
		want := []string{
			"1 climb 100 false skipped=true",
			"2 climb 100 false skipped=true",
			"3 climb 100 true skipped=false",
			"4 climb 200 true skipped=false",
			"5 climb 400 false skipped=false",
			"6 recover 200 true skipped=false",
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("steps:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if len(windows) != 4 {
			t.Errorf("KneeSLO judged %d windows, want 4 (the spiked steps are not judged)", len(windows))
		}
		if first := k.Steps[0]; first.Start < 3*time.Second-50*time.Millisecond || first.Start > 3*time.Second+50*time.Millisecond {
			t.Errorf("the first step started at %v, want at the switch (3s)", first.Start)
		}
		if best, ok := k.Sustained(); !ok || best.Rate != 200 || !k.Holding() || k.Current.Rate != 200 {
			t.Errorf("holding %v at %v, sustained %+v", k.Holding(), k.Current.Rate, best)
		}
		// A switch starts the mode's timeline afresh: 30 s from the switch.
		if last := s.Series[len(s.Series)-1]; last.Second != 32 || last.Target != 200 {
			t.Errorf("the run's last second %d offers %v req/s, want 32 and the hold (200)", last.Second, last.Target)
		}
	})
}

// run runs e to its end and returns its final snapshot.
func run(t *testing.T, e *Engine) stats.Snapshot {
	t.Helper()
	go func() {
		for range e.Snapshots() {
		}
	}()
	if err := e.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e.Final()
}

// A search that is never let judge a step (a spike runs throughout)
// keeps its last maxKneeSteps steps, and its plan still ends the run on
// time.
func TestKneeKeepsABoundedStepTable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := demoapi.New(demoapi.Options{LatencyScale: 0, Seed: 2})
		e, err := New(Config{
			Target: "http://gateway.test", Mode: plan.ModeKnee, Duration: 60 * time.Second, DurationSet: true,
			Client: inProcessClient(api), Seed: 4, SpikeDuration: time.Hour, SpikeMultiplier: 1,
			Knee: plan.KneeConfig{Start: 2, Step: 200 * time.Millisecond, Settle: 50 * time.Millisecond},
		})
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			time.Sleep(10 * time.Millisecond)
			e.Spike()
		}()
		s := run(t, e)
		k := s.Run.Knee
		if len(k.Steps) != maxKneeSteps {
			t.Fatalf("%d steps kept, want %d", len(k.Steps), maxKneeSteps)
		}
		first, last := k.Steps[0], k.Steps[len(k.Steps)-1]
		if !first.Skipped || !last.Skipped || last.N-first.N != maxKneeSteps-1 || last.N < 250 {
			t.Errorf("steps %d to %d kept (skipped %v, %v), want the last %d of about 300", first.N, last.N, first.Skipped, last.Skipped, maxKneeSteps)
		}
		if s.Elapsed > 61*time.Second {
			t.Errorf("the run lasted %v, want 60s", s.Elapsed)
		}
	})
}
