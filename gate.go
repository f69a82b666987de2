package main

import (
	"context"
	"io"
	"sync"

	"github.com/trafficgen/trafficgen/internal/newest"
	"github.com/trafficgen/trafficgen/loadgen"
	"github.com/trafficgen/trafficgen/stats"
	"github.com/trafficgen/trafficgen/threshold"
)

// gate holds a run's thresholds: with --abort-on-fail it watches the
// snapshots and stops the run at the first that fails; at the end it
// gives the verdict, for the summary, the report and the exit status.
type gate struct {
	ths   []threshold.Threshold
	abort bool

	mu      sync.Mutex
	eng     *loadgen.Engine    // the run watched
	stop    context.CancelFunc // stops it
	aborted string             // why it was stopped, "" if it was not
	results []threshold.Result // the verdict (final)
}

func newGate(o *options) *gate { return &gate{ths: o.thresholds, abort: o.abortOnFail} }

// watch returns the snapshots of eng's run, which stop ends: through the
// gate's check when it may abort the run, else as eng publishes them.
func (g *gate) watch(eng *loadgen.Engine, stop context.CancelFunc) <-chan stats.Snapshot {
	g.mu.Lock()
	g.eng, g.stop, g.aborted = eng, stop, ""
	g.mu.Unlock()
	in := eng.Snapshots()
	if !g.abort {
		return in
	}
	out := make(chan stats.Snapshot, 1)
	go func() {
		defer close(out)
		for s := range in {
			if !s.Run.Done {
				g.check(&s)
			}
			newest.Offer(out, s)
		}
	}()
	return out
}

// check stops the run when a threshold fails on a settled figure.
func (g *gate) check(s *stats.Snapshot) {
	r, failing := threshold.Failing(threshold.Evaluate(g.ths, s), s.Elapsed)
	if !failing {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.aborted == "" {
		g.aborted = threshold.AbortReason(r, s.Elapsed)
		g.eng.Note("abort", g.aborted)
		g.stop()
	}
}

// abortReason says why the run was stopped early, "" if it was not.
func (g *gate) abortReason() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.aborted
}

// finish evaluates the thresholds on the run's final snapshot and writes
// the summary's section of them; it reports whether every one passed.
func (g *gate) finish(final stats.Snapshot, w io.Writer) bool {
	rs := threshold.Evaluate(g.ths, &final)
	g.mu.Lock()
	g.results = rs
	g.mu.Unlock()
	threshold.WriteSummary(w, rs, g.abortReason())
	return threshold.Failed(rs) == 0
}

// report adds the verdict to a run's report.
func (g *gate) report(rep *stats.Report) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.results) > 0 {
		rep.Thresholds = threshold.Report(g.results)
	}
	rep.Aborted = g.aborted
}
