package replay

import (
	"bytes"
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/trafficgen/trafficgen/demoapi"
	"github.com/trafficgen/trafficgen/internal/inprocess"
	"github.com/trafficgen/trafficgen/internal/recordtest"
	"github.com/trafficgen/trafficgen/loadgen"
	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/record"
	"github.com/trafficgen/trafficgen/stats"
)

// seen is a snapshot as a dashboard received it, and when, since the
// first one.
type seen struct {
	at   time.Duration
	snap stats.Snapshot
}

// recordRun runs the engine for 60 s against the demo API, in demo mode
// (its four phases), with a live spike at 15 s and a fault on the
// payments service from 30 s to 45 s, recording it through the tee as the
// runner does. It returns what the dashboard received, by Seq, and the
// recording.
func recordRun(t *testing.T) (map[uint64]seen, []byte) {
	live := map[uint64]seen{}
	var file bytes.Buffer
	synctest.Test(t, func(t *testing.T) {
		api := demoapi.New(demoapi.Options{LatencyScale: 1, Seed: 5})
		client := inprocess.Client(api, 0)
		eng, err := loadgen.New(loadgen.Config{Target: "http://gateway.test", Mode: plan.ModeDemo, RPS: 40,
			Duration: time.Minute, DurationSet: true, Users: 4, UsersSet: true, Client: client, Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		w, err := record.NewWriter(&file, record.Header{Started: time.Now()}, 200*time.Millisecond)
		if err != nil {
			t.Fatal(err)
		}
		tee := record.NewTee(w, nil)
		snaps := tee.Follow(eng.Snapshots())
		read := make(chan struct{})
		go func() { // the dashboard
			defer close(read)
			var first time.Time
			for s := range snaps {
				if first.IsZero() {
					first = time.Now()
				}
				live[s.Seq] = seen{time.Since(first), s}
			}
		}()
		go func() { // the presenter
			time.Sleep(15 * time.Second)
			eng.Spike()
			time.Sleep(15 * time.Second)
			f := demoapi.Fault{Kind: demoapi.FaultErrors, Percent: 60}
			api.SetFault(demoapi.Payments, f)
			eng.Note("fault", demoapi.Story(demoapi.Payments, f))
			time.Sleep(15 * time.Second)
			api.SetFault(demoapi.Payments, demoapi.Fault{})
			eng.Note("fault", demoapi.Story(demoapi.Payments, demoapi.Fault{}))
		}()
		eng.Run(context.Background())
		<-read
		rep, err := eng.Report(nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := tee.Close(rep); err != nil {
			t.Fatal(err)
		}
	})
	return live, file.Bytes()
}

// replayed plays rec at speed and returns what the dashboard received, and
// when, since the first one.
func replayed(t *testing.T, rec *record.Recording, speed float64) []seen {
	var got []seen
	synctest.Test(t, func(t *testing.T) {
		p := New(rec)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { // the dashboard
			defer close(done)
			var first time.Time
			for s := range p.Snapshots() {
				if first.IsZero() {
					first = time.Now()
				}
				got = append(got, seen{time.Since(first), s})
			}
		}()
		go p.Run(ctx)
		p.SetSpeed(speed)
		p.TogglePlay()
		time.Sleep(2 * time.Minute)
		cancel()
		<-done
	})
	return got
}

// A recording of a 60 s run with a spike and a fault replays with the same
// figures at the same moments: every snapshot the replay hands the
// dashboard is one the live dashboard received, whole, at the same time
// from the first (at 1×; at 10×, a tenth of it).
func TestReplayShowsTheRunAsItWent(t *testing.T) {
	live, file := recordRun(t)
	rec, err := record.Read(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d snapshots live, %d recorded, %d bytes", len(live), len(rec.Snapshots), len(file))
	checkTheRunHadItAll(t, rec)
	for _, speed := range []float64{1, 10} {
		got := replayed(t, rec, speed)
		if len(got) != len(rec.Snapshots) {
			t.Fatalf("%g×: the dashboard got %d snapshots of %d recorded", speed, len(got), len(rec.Snapshots))
		}
		first := live[got[0].snap.Seq]
		for i, r := range got {
			l, ok := live[r.snap.Seq]
			switch {
			case !ok:
				t.Fatalf("%g×: replayed snapshot %d (seq %d) was never shown live", speed, i, r.snap.Seq)
			case recordtest.Figures(t, r.snap) != recordtest.Figures(t, l.snap):
				t.Fatalf("%g×: snapshot seq %d differs from the live one:\n%s\nlive:\n%s", speed, r.snap.Seq, recordtest.Figures(t, r.snap), recordtest.Figures(t, l.snap))
			case r.at != time.Duration(float64(l.at-first.at)/speed):
				t.Fatalf("%g×: snapshot seq %d shown at %v, live at %v", speed, r.snap.Seq, r.at, l.at-first.at)
			}
		}
	}
}

// checkTheRunHadItAll checks that the recording has what the test is
// about: the spike and the fault in the events, the fault's errors in the
// figures, the demo's phases, and the run's end with its report.
func checkTheRunHadItAll(t *testing.T, rec *record.Recording) {
	t.Helper()
	kinds := map[string]int{}
	for _, e := range rec.Events {
		kinds[e.Kind]++
	}
	if kinds["spike"] != 1 || kinds["fault"] != 2 || kinds["phase"] != 4 {
		t.Errorf("events by kind: %v; want a spike, two fault changes, four phases", kinds)
	}
	last := rec.Snapshots[len(rec.Snapshots)-1]
	if !last.Run.Done || rec.Report == nil || rec.Report.Total != last.Total || rec.Truncated {
		t.Fatalf("the recording does not end with the run: done %v, report %v", last.Run.Done, rec.Report != nil)
	}
	errs, all := map[bool]int64{}, map[bool]int64{}
	for _, p := range last.Series {
		in := p.Second >= 31 && p.Second < 45
		errs[in] += p.Errors
		all[in] += p.Success + p.Errors
	}
	if in, out := float64(errs[true])/float64(all[true]), float64(errs[false])/float64(all[false]); in < 5*out {
		t.Errorf("error ratio %.3f in the fault's seconds, %.3f in the rest: the fault does not show", in, out)
	}
}
