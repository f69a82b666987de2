//go:build unix

package main

// Recording and replay through the built binary: a run killed with
// SIGKILL leaves a recording that replays up to its last complete line,
// and one stopped with SIGINT is closed properly, with the final snapshot
// and the run's report.

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/trafficgen/trafficgen/demoapi"
	"github.com/trafficgen/trafficgen/record"
	"github.com/trafficgen/trafficgen/stats"
)

// readRec reads a recording as far as it goes, or nil while it cannot be
// read yet.
func readRec(path string) *record.Recording {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	rec, err := record.Read(bytes.NewReader(b))
	if err != nil {
		return nil
	}
	return rec
}

// TestKilledRecordingReplays: SIGKILL in the middle of a run leaves a
// recording that reads up to its last complete snapshot, replays headless
// and as a report (from that snapshot, without histograms, which merge
// refuses).
func TestKilledRecordingReplays(t *testing.T) {
	t.Parallel()
	srv := newCounter(t, demoapi.New(demoapi.Options{LatencyScale: 0.1, Seed: 1}))
	dir := t.TempDir()
	file := filepath.Join(dir, "run.rec")
	p := start(t, nil, "--mode", "steady", "-r", "100", "-t", "0", "-u", srv.URL, "--record", file)
	var seen int
	until(t, 20*time.Second, "ten recorded snapshots", func() bool {
		if rec := readRec(file); rec != nil {
			seen = len(rec.Snapshots)
		}
		return seen >= 10
	})
	if err := p.cmd.Process.Kill(); err != nil { // SIGKILL, our child by its PID
		t.Fatal(err)
	}
	p.wait(t, 5*time.Second)
	rec := readRec(file)
	if rec == nil || len(rec.Snapshots) < seen {
		t.Fatalf("after the kill the recording reads %v, had %d snapshots before", rec, seen)
	}
	last := rec.Snapshots[len(rec.Snapshots)-1]
	if !rec.Truncated || last.Run.Done || rec.Report != nil || last.Total == 0 {
		t.Fatalf("killed recording: truncated %v, last done %v, report %v, total %d", rec.Truncated, last.Run.Done, rec.Report != nil, last.Total)
	}

	code, out, errOut := runMain(t, nil, "replay", file, "--no-tui", "--stats-interval", "200ms")
	if code != exitOK || !strings.Contains(errOut, "the run was killed?") || !strings.Contains(out, "Final Statistics") {
		t.Fatalf("headless replay: exit %d\n%s\n%s", code, out, errOut)
	}
	if m := totalRE.FindStringSubmatch(out); m == nil || m[1] != itoa64(last.Total) {
		t.Errorf("the summary's total %v, the last snapshot's %d", m, last.Total)
	}

	report := filepath.Join(dir, "report.json")
	code, out, errOut = runMain(t, nil, "replay", file, "--report", report)
	if code != exitOK || !strings.Contains(errOut, "without histograms") {
		t.Fatalf("replay --report: exit %d\n%s\n%s", code, out, errOut)
	}
	rep := readReport(t, report)
	if rep.Total != last.Total || rep.Errors != last.Errors || rep.Histogram != "" || len(rep.Endpoints) != len(last.Endpoints) {
		t.Errorf("report: total %d errors %d (last snapshot %d, %d), histogram %q", rep.Total, rep.Errors, last.Total, last.Errors, rep.Histogram)
	}
	if rep.Latency.P99Ms != float64(last.Latency.P99)/1e6 {
		t.Errorf("report p99 %.3f ms, the last snapshot's %v", rep.Latency.P99Ms, last.Latency.P99)
	}
	if code, _, errOut := runMain(t, nil, "merge", report, report); code != exitUsage || !strings.Contains(errOut, "no histograms") {
		t.Errorf("merge of reports without histograms: exit %d, %s", code, errOut)
	}
}

// TestInterruptedRecordingIsWhole: SIGINT ends the recording properly: the
// final snapshot, and the run's own report, the same as --report wrote.
func TestInterruptedRecordingIsWhole(t *testing.T) {
	t.Parallel()
	srv := newCounter(t, demoapi.New(demoapi.Options{LatencyScale: 0.1, Seed: 1}))
	dir := t.TempDir()
	file, report := filepath.Join(dir, "run.rec"), filepath.Join(dir, "live.json")
	p := start(t, []string{"TRAFFICGEN_RECORD=" + file}, "--mode", "steady", "-r", "100", "-t", "0", "-u", srv.URL,
		"--report", report, "--api-key", "a-long-secret-key-1234567")
	until(t, 20*time.Second, "five recorded snapshots", func() bool {
		rec := readRec(file)
		return rec != nil && len(rec.Snapshots) >= 5
	})
	p.signal(t, syscall.SIGINT)
	if code := p.wait(t, 15*time.Second); code != exitOK {
		t.Fatalf("exit %d\n%s", code, p.stderr.String())
	}
	rec := readRec(file)
	last := rec.Snapshots[len(rec.Snapshots)-1]
	if rec.Truncated || !last.Run.Done || rec.Report == nil {
		t.Fatalf("truncated %v, last done %v, report %v", rec.Truncated, last.Run.Done, rec.Report != nil)
	}
	live := readReport(t, report)
	if rec.Report.Total != live.Total || rec.Report.Histogram != live.Histogram || last.Total != live.Total {
		t.Errorf("recorded report total %d, --report's %d, last snapshot %d", rec.Report.Total, live.Total, last.Total)
	}
	if key := rec.Header.Config["apiKey"]; key != "a-lo…567" {
		t.Errorf("the header keeps the key as %q", key)
	}
	if b := unzip(t, file); bytes.Contains(b, []byte("a-long-secret")) || !bytes.Contains(b, []byte("a-lo…567")) {
		t.Error("the key is in the recording in full, or not masked")
	}
	replayed := filepath.Join(dir, "replayed.json")
	if code, out, errOut := runMain(t, nil, "replay", file, "--report", replayed); code != exitOK || errOut != "" {
		t.Fatalf("replay --report: exit %d\n%s\n%s", code, out, errOut)
	}
	again := readReport(t, replayed)
	if again.Histogram != live.Histogram || again.Total != live.Total || again.Latency != live.Latency {
		t.Errorf("the report from the recording differs from the run's: %+v vs %+v", again.Summary, live.Summary)
	}
	if _, err := stats.Merge(again, live); err != nil {
		t.Errorf("the recording's report does not merge: %v", err)
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// unzip is a recording's text.
func unzip(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
