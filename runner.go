package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/signal"
	"sync"
	"syscall"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/trafficgen/trafficgen/demoapi"
	"github.com/trafficgen/trafficgen/internal/redact"
	"github.com/trafficgen/trafficgen/loadgen"
	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/stats"
	"github.com/trafficgen/trafficgen/ui"
)

// run sends the traffic Validate checked, then writes the summary and the
// report. Human output goes to stdout, or to stderr when the report does.
func (r *runCmd) run(stdout, stderr io.Writer) int {
	// A closed stdout (trafficgen … | head -1) makes writes fail with
	// EPIPE instead of killing the run: the run goes on and the report
	// file is written. The other commands keep the usual quiet death.
	signal.Ignore(syscall.SIGPIPE)
	o := r.opts
	human := stdout
	if o.report == "-" {
		human = stderr
	}
	rf, rec, code := openOutputs(o, stdout, stderr)
	if code != exitOK {
		return code
	}
	defer rf.discard()
	defer rec.discard()
	eng, emb, code := startEngine(o, stderr)
	if eng == nil {
		return code
	}
	if emb != nil {
		defer emb.Close()
	}
	cur := &current{eng: eng, rec: rec}
	if err := rec.start(cur, reportConfig(eng, o), o.thresholds); err != nil {
		fmt.Fprintf(stderr, "trafficgen: %s: %v\n", recordLabel, err)
		return exitFailure
	}
	stopMetrics, code := startMetrics(r, o, cur, stderr)
	if code != exitOK {
		return code
	}
	defer stopMetrics()
	g := newGate(o)
	drive(cur, emb, o, g, human, stderr, rf)
	return finishRun(cur.engine(), o, g, human, stderr, rf, rec)
}

// openOutputs opens the report's and the recording's files before anything
// is sent, so that a path that cannot be written is a usage error. Either
// is nil when not asked for.
func openOutputs(o *options, stdout, stderr io.Writer) (*reportFile, *recordFile, int) {
	var rf *reportFile
	if o.report != "" {
		var err error
		if rf, err = openReport(o.report, stdout); err != nil {
			fmt.Fprintf(stderr, "trafficgen: %s: %v\n", o.reportLabel, err)
			return nil, nil, exitUsage
		}
	}
	var rec *recordFile
	if o.record != "" {
		var err error
		if rec, err = openRecording(o.record, recordLabel); err != nil {
			rf.discard()
			fmt.Fprintf(stderr, "trafficgen: %s: %v\n", recordLabel, err)
			return nil, nil, exitUsage
		}
	}
	return rf, rec, exitOK
}

// finishRun writes the summary, the comparison with a baseline, the
// thresholds' verdict, the recording's end and the report, and returns
// the exit status.
func finishRun(eng *loadgen.Engine, o *options, g *gate, human, stderr io.Writer, rf *reportFile, rec *recordFile) int {
	final := eng.Final()
	if o.tui {
		// The headline last, on the screen the dashboard leaves.
		stats.WriteSummaryHeadlineLast(human, final)
	} else {
		stats.WriteSummary(human, final)
	}
	if o.baseline != nil {
		stats.WriteComparison(human, final, *o.baseline)
	}
	code := exitOK
	if !g.finish(final, human) {
		code = exitThreshold
	}
	var rep *stats.Report
	var repErr error
	if rf != nil || rec != nil {
		rep, repErr = finalReport(eng, o, g)
	}
	if rec.finish(rep, stderr) != exitOK {
		code = exitFailure
	}
	if rf == nil {
		return code
	}
	if err := writeReport(rep, repErr, rf); err != nil {
		fmt.Fprintf(stderr, "trafficgen: %v\n", err)
		return exitFailure
	}
	if o.report != "-" {
		fmt.Fprintf(human, "\nReport written to %s\n", o.report)
	}
	return code
}

// startEngine makes the engine (and the embedded demo API), and warns when the
// target does not answer. It returns a nil engine and the exit status
// when it cannot.
func startEngine(o *options, stderr io.Writer) (*loadgen.Engine, *demoapi.Embedded, int) {
	var emb *demoapi.Embedded
	if o.embedded {
		var err error
		if emb, err = demoapi.StartEmbedded(demoapi.Options{LatencyScale: 1, APIKeys: []string{o.apiKey}, Capacity: demoapi.CapacityFor(o.cfg.RPS)}); err != nil {
			fmt.Fprintf(stderr, "trafficgen: start the embedded demo API: %v\n", err)
			return nil, nil, exitFailure
		}
		o.cfg.Target, o.shown = emb.URL, emb.URL
	}
	eng, err := loadgen.New(o.cfg)
	if err != nil {
		if emb != nil {
			emb.Close()
		}
		fmt.Fprintf(stderr, "trafficgen: %s\n", redact.Text(err.Error()))
		return nil, nil, exitUsage
	}
	if warn := probe(o.shown); warn != "" {
		eng.Note("error", warn)
		if !o.tui {
			fmt.Fprintln(stderr, "trafficgen: warning:", warn)
		}
	}
	return eng, emb, exitOK
}

// current is the run going on: the dashboard's r starts another run with
// the same settings once one has finished, and the metrics, the summary
// and the report follow it.
type current struct {
	mu   sync.Mutex
	eng  *loadgen.Engine
	done chan struct{}
	rec  *recordFile // each run's snapshots go through it (nil: none)
}

func (c *current) engine() *loadgen.Engine {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.eng
}

// Metrics reads the current run's recorder (metrics.Source).
func (c *current) Metrics(now time.Time) stats.Metrics { return c.engine().Recorder().Metrics(now) }

// start runs eng under ctx and makes it the current run.
func (c *current) start(ctx context.Context, eng *loadgen.Engine) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		eng.Run(ctx)
	}()
	c.mu.Lock()
	c.eng, c.done = eng, done
	c.mu.Unlock()
}

// wait waits for the current run to end.
func (c *current) wait() {
	c.mu.Lock()
	done := c.done
	c.mu.Unlock()
	<-done
}

// drive runs the engine under the dashboard or the headless printer until
// the run ends or a signal stops it.
func drive(cur *current, emb *demoapi.Embedded, o *options, g *gate, human, stderr io.Writer, rf *reportFile) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sig := watchSignals(cancel, rf.discard, stderr)
	defer sig.stop()
	// The run has a context of its own, so that a failing threshold
	// (--abort-on-fail) ends it and leaves the dashboard up.
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	cur.start(runCtx, cur.engine())
	snaps := cur.rec.follow(g.watch(cur.engine(), stopRun))
	if !o.tui {
		fmt.Fprintln(human, describe(o))
		headless(snaps, time.Now(), o.interval, human, o.thresholds)
		cur.wait()
		return
	}
	dashboard(ctx, cur, snaps, emb, o, g, stderr)
	cancel()
	if n := cur.engine().Recorder().InFlight(); n > 0 {
		fmt.Fprintf(stderr, "draining %d requests in flight (up to %v)…\n", n, o.cfg.Timeout)
	}
	cur.wait()
}

// dashboard runs the full-screen dashboard until it quits or ctx ends.
func dashboard(ctx context.Context, cur *current, snaps <-chan stats.Snapshot, emb *demoapi.Embedded, o *options, g *gate, stderr io.Writer) {
	opts := ui.Options{SpikeMultiplier: o.cfg.SpikeMultiplier, SpikeDuration: o.cfg.SpikeDuration, Theme: o.theme,
		FaultUnavailable: "f: faults need --embedded (the target is " + o.shown + ")", Thresholds: o.thresholds,
		Baseline: o.baseline}
	if emb != nil {
		opts.CycleFault = func() string { return demoapi.Story(demoapi.All, emb.API.CycleFault(demoapi.All)) }
	}
	opts.Restart = func() (ui.Engine, <-chan stats.Snapshot, error) {
		next, err := loadgen.New(o.cfg)
		if err != nil {
			return nil, nil, err
		}
		runCtx, stop := context.WithCancel(ctx)
		cur.start(runCtx, next)
		return next, cur.rec.follow(g.watch(next, stop)), nil
	}
	eng := cur.engine()
	p := tea.NewProgram(ui.New(eng, snaps, opts), tea.WithAltScreen(), tea.WithFPS(30),
		tea.WithContext(ctx), tea.WithoutSignalHandler())
	if _, err := p.Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "trafficgen: dashboard: %v\n", err)
	}
}

// reportConfig is the run's configuration as its report and its recording
// keep it: secrets masked, times in milliseconds, the key only when it was
// sent.
func reportConfig(eng *loadgen.Engine, o *options) map[string]any {
	c := o.cfg
	conf := map[string]any{
		"target": o.shown, "mode": c.Mode.String(), "rps": c.RPS, "durationMs": ms(c.Duration.Seconds()),
		"users": c.Users, "maxInFlight": c.MaxInFlight, "timeoutMs": ms(c.Timeout.Seconds()),
		"spikeMultiplier": c.SpikeMultiplier, "spikeMs": ms(c.SpikeDuration.Seconds()),
		"scenario": c.Scenario.Name, "shard": fmt.Sprintf("%d/%d", o.shardI, o.shardN), "client": eng.ClientName(),
	}
	if o.keySent {
		conf["apiKey"] = redact.Secret(o.apiKey)
	}
	if c.Mode == plan.ModeMax {
		conf["concurrency"] = c.Concurrency
	}
	if c.Mode == plan.ModeKnee {
		kneeReportConfig(conf, c.Knee)
	}
	if o.requests > 0 {
		conf["requests"] = o.requests
	}
	if c.HTTP2 {
		conf["http2"] = true
	}
	if c.TLS != nil && c.TLS.InsecureSkipVerify {
		conf["insecure"] = true
	}
	if c.MaxRedirects != 0 {
		conf["maxRedirects"] = max(c.MaxRedirects, 0)
	}
	return conf
}

// finalReport is the run's report with its configuration and the gate's
// verdict.
func finalReport(eng *loadgen.Engine, o *options, g *gate) (*stats.Report, error) {
	rep, err := eng.Report(reportConfig(eng, o))
	if err != nil {
		return nil, err
	}
	g.report(rep)
	return rep, nil
}

// writeReport writes the run's report (or says why it could not be
// built).
func writeReport(rep *stats.Report, err error, rf *reportFile) error {
	if err != nil {
		return fmt.Errorf("build report: %w", err)
	}
	if err := rf.commit(rep.Write); err != nil {
		return fmt.Errorf("write report to %s: %w", rf.name, err)
	}
	return nil
}

// ms turns seconds into milliseconds, the report's one unit of time.
func ms(seconds float64) float64 { return seconds * 1000 }
