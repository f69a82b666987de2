package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/trafficgen/trafficgen/record"
	"github.com/trafficgen/trafficgen/replay"
	"github.com/trafficgen/trafficgen/stats"
	"github.com/trafficgen/trafficgen/threshold"
	"github.com/trafficgen/trafficgen/ui"
)

// replayCmd shows a recording again: in the dashboard, as headless stats
// blocks, or as a report. It needs no target and sends nothing.
type replayCmd struct {
	File          string        `arg:"" type:"existingfile" predictor:"file" help:"A recording written by --record."`
	Report        string        `placeholder:"FILE" predictor:"file" help:"Write the recording's report (JSON) to this file, - for standard output, without the dashboard."`
	NoTUI         bool          `name:"no-tui" env:"NO_TUI" help:"Print the stats blocks at the recording's times and the summary, instead of the dashboard, even on a terminal."`
	StatsInterval time.Duration `env:"STATS_INTERVAL" default:"5s" help:"Headless output: a stats block for every this much of the recording."`
	Theme         string        `env:"TRAFFICGEN_THEME" default:"auto" enum:"auto,dark,light,high-contrast" help:"Dashboard colours: auto, dark, light or high-contrast."`
}

// Help is the replay command's help after its summary: the keys.
func (c *replayCmd) Help() string {
	var b strings.Builder
	b.WriteString("A replay needs no target and no network. Keys on its dashboard:\n\n")
	writeKeys(&b, ui.ReplayKeyHelp())
	return b.String()
}

// Validate checks the options kong cannot.
func (c *replayCmd) Validate() error {
	if c.StatsInterval < 100*time.Millisecond {
		return usagef("STATS_INTERVAL/--stats-interval: at least 100ms, got %v", c.StatsInterval)
	}
	return nil
}

func (c *replayCmd) run(stdout, stderr io.Writer) int {
	rec, err := readRecording(c.File)
	if err != nil {
		fmt.Fprintf(stderr, "trafficgen replay: %s: %v\n", c.File, err)
		return exitUsage
	}
	if len(rec.Snapshots) == 0 {
		fmt.Fprintf(stderr, "trafficgen replay: %s holds no snapshot: the run stopped before its first\n", c.File)
		return exitFailure
	}
	last := rec.Snapshots[len(rec.Snapshots)-1]
	if rec.Truncated || !last.Run.Done {
		fmt.Fprintf(stderr, "trafficgen replay: %s ends at %s without the run's end (the run was killed?): it replays up to there\n",
			c.File, clock(last.Taken.Sub(replay.Origin(rec.Snapshots))))
	}
	if rec.Stride > 1 {
		fmt.Fprintf(stderr, "trafficgen replay: %s is long: the replay shows one in every %d of its snapshots\n", c.File, rec.Stride)
	}
	ths := recordedThresholds(rec, c.File, stderr)
	switch {
	case c.Report != "":
		return c.writeReport(rec, ths, stdout, stderr)
	case c.NoTUI || !isTerminal(stdout) || os.Getenv("TERM") == "dumb":
		fmt.Fprintln(stdout, recordingLine(c.File, rec))
		headless(feed(rec.Snapshots), replay.Origin(rec.Snapshots), c.StatsInterval, stdout, ths)
		stats.WriteSummary(stdout, last)
	default:
		c.dashboard(rec, ths, stderr)
		stats.WriteSummaryHeadlineLast(stdout, last)
	}
	if len(ths) > 0 {
		threshold.WriteSummary(stdout, threshold.Evaluate(ths, &last), aborted(rec))
	}
	return exitOK
}

// recordedThresholds are the run's thresholds, as the recording keeps
// them; one this trafficgen cannot read is left out, and said so.
func recordedThresholds(rec *record.Recording, file string, stderr io.Writer) []threshold.Threshold {
	var ths []threshold.Threshold
	for _, h := range rec.Header.Thresholds {
		t, err := threshold.Parse(h.Expr)
		if err != nil {
			fmt.Fprintf(stderr, "trafficgen replay: %s: threshold %q left out: %v\n", file, h.Expr, err)
			continue
		}
		t.Route = h.Route
		ths = append(ths, t)
	}
	return ths
}

// aborted is why the run was stopped by a failing threshold, "" if it
// was not: the report's word, or the event log's.
func aborted(rec *record.Recording) string {
	if rec.Report != nil {
		return rec.Report.Aborted
	}
	for i := len(rec.Events) - 1; i >= 0; i-- {
		if rec.Events[i].Kind == "abort" {
			return rec.Events[i].Text
		}
	}
	return ""
}

func readRecording(path string) (*record.Recording, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return record.Read(f)
}

// feed is the snapshots on a closed channel, as headless reads a run's.
func feed(snaps []stats.Snapshot) <-chan stats.Snapshot {
	ch := make(chan stats.Snapshot, len(snaps))
	for _, s := range snaps {
		ch <- s
	}
	close(ch)
	return ch
}

// dashboard plays the recording in the dashboard from its start until q.
func (c *replayCmd) dashboard(rec *record.Recording, ths []threshold.Threshold, stderr io.Writer) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := replay.New(rec)
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Run(ctx)
	}()
	p.TogglePlay()
	theme, _ := ui.ParseTheme(c.Theme)
	prog := tea.NewProgram(ui.New(p, p.Snapshots(), ui.Options{Theme: theme, Replay: p, Thresholds: ths}),
		tea.WithAltScreen(), tea.WithFPS(30), tea.WithContext(ctx))
	if _, err := prog.Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "trafficgen replay: dashboard: %v\n", err)
	}
	cancel()
	<-done
}

// writeReport writes the recording's report: the run's own, recorded at
// its end, or for a recording cut short, what its last snapshot holds.
func (c *replayCmd) writeReport(rec *record.Recording, ths []threshold.Threshold, stdout, stderr io.Writer) int {
	human := stdout
	if c.Report == "-" {
		human = stderr
	}
	rf, err := openReport(c.Report, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "trafficgen replay: --report: %v\n", err)
		return exitUsage
	}
	rep := rec.Report
	last := rec.Snapshots[len(rec.Snapshots)-1]
	if rep == nil {
		rep = stats.SnapshotReport(last, rec.Series, rec.Events, rec.Header.Config)
		if len(ths) > 0 {
			rep.Thresholds, rep.Aborted = threshold.Report(threshold.Evaluate(ths, &last)), aborted(rec)
		}
		fmt.Fprintln(stderr, "trafficgen replay: the recording has no report of the run's end; this one is its last snapshot's:"+
			" counts and percentiles as the dashboard showed them, without histograms (it cannot be merged)")
	}
	if err := rf.commit(rep.Write); err != nil {
		fmt.Fprintf(stderr, "trafficgen replay: write report to %s: %v\n", rf.name, err)
		return exitFailure
	}
	stats.WriteSummary(human, last)
	if c.Report != "-" {
		fmt.Fprintf(human, "\nReport written to %s\n", c.Report)
	}
	return exitOK
}

// recordingLine is the headless replay's first line: what was recorded,
// when, and how long it runs.
func recordingLine(path string, rec *record.Recording) string {
	cfg := rec.Header.Config
	first, last := rec.Snapshots[0], rec.Snapshots[len(rec.Snapshots)-1]
	line := fmt.Sprintf("trafficgen replay: %s, recorded %s", path, first.Taken.Add(-first.Elapsed).Format("2006-01-02 15:04:05"))
	if mode, ok := cfg["mode"].(string); ok {
		line += fmt.Sprintf(": %s mode", mode)
	}
	if target, ok := cfg["target"].(string); ok {
		line += " → " + target
	}
	return line + fmt.Sprintf(", %s", clock(last.Taken.Sub(replay.Origin(rec.Snapshots))))
}

// clock writes a time in a recording to the second: 42s, 1m30s.
func clock(d time.Duration) string { return max(d, 0).Truncate(time.Second).String() }
