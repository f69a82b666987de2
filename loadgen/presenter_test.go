package loadgen

import (
	"context"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/trafficgen/trafficgen/demoapi"
	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/stats"
)

// runAll runs an engine to its end and returns every snapshot it published.
func runAll(t *testing.T, cfg Config) (*Engine, []stats.Snapshot) {
	t.Helper()
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var snaps []stats.Snapshot
	done := make(chan struct{})
	go func() {
		defer close(done)
		for s := range e.Snapshots() {
			snaps = append(snaps, s)
		}
	}()
	if err := e.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-done
	return e, snaps
}

// TestDemoTellsItsStory: the demo logs each phase as it begins, and against
// the demo API at its default capacity its spike phase tells a latency
// story: p99 at least three times the steady phase's.
func TestDemoTellsItsStory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := demoapi.New(demoapi.Options{LatencyScale: 1, Seed: 2, Capacity: demoapi.CapacityFor(20)})
		e, _ := runAll(t, Config{
			Target: "http://gateway.test", Mode: plan.ModeDemo, RPS: 20, Duration: time.Minute, DurationSet: true,
			Client: inProcessClient(api), Seed: 4,
		})
		final := e.Final()
		var phases []string
		starts := map[string]time.Duration{}
		for _, ev := range final.Run.Events {
			if ev.Kind == "phase" {
				phases = append(phases, ev.Text)
				starts[ev.Text] = ev.Elapsed
			}
		}
		want := []string{"1/4 ramp-up", "2/4 steady + journeys", "3/4 spike", "4/4 sustained high load"}
		if !slices.Equal(phases, want) {
			t.Fatalf("phase events %q, want %q", phases, want)
		}
		steady := stats.MedianP99(final.Series, starts[want[1]], starts[want[2]])
		spike := stats.MedianP99(final.Series, starts[want[2]], starts[want[3]])
		t.Logf("p99: steady %v, spike %v", steady, spike)
		if steady <= 0 || spike < 3*steady {
			t.Errorf("spike phase p99 %v, steady %v: want at least 3×", spike, steady)
		}
	})
}

// TestSpikeModeCountdown: spike mode says how long until its next burst,
// and zero during one.
func TestSpikeModeCountdown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := demoapi.New(demoapi.Options{Seed: 1})
		_, snaps := runAll(t, Config{
			Target: "http://gateway.test", Mode: plan.ModeSpike, RPS: 10, Duration: 20 * time.Second,
			Client: inProcessClient(api), Seed: 4,
		})
		for _, s := range snaps {
			el := s.Elapsed
			var want time.Duration
			switch {
			case s.Run.Done:
				continue
			case el < 15*time.Second:
				want = 15*time.Second - el
			case el < 18*time.Second:
				want = 0
			default:
				want = 30*time.Second - el
			}
			if d := s.Run.NextSpike - want; d < -150*time.Millisecond || d > 150*time.Millisecond {
				t.Fatalf("at %v: next spike in %v, want %v", el, s.Run.NextSpike, want)
			}
		}
	})
}

// TestGetOrCreateIsOneStep: the built-in journey's get-user and
// create-user steps are marked as alternatives, and only they.
func TestGetOrCreateIsOneStep(t *testing.T) {
	e, err := New(Config{Target: "http://gateway.test", Client: inProcessClient(demoapi.New(demoapi.Options{}))})
	if err != nil {
		t.Fatal(err)
	}
	var alts []string
	for _, st := range e.Final().Journeys.Steps {
		if st.Alt {
			alts = append(alts, st.Step)
		}
	}
	if strings.Join(alts, ",") != "create user" {
		t.Errorf("alternative steps %q, want [create user]", alts)
	}
}
