package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trafficgen/trafficgen/record"
	"github.com/trafficgen/trafficgen/stats"
)

// TestRecordBadInput: a recording that cannot be written is refused at
// start, like a report: one line naming the option, exit status 2,
// nothing sent, nothing left behind.
func TestRecordBadInput(t *testing.T) {
	srv := newCounter(t, nil)
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{name: "a directory", args: []string{"--record", dir}, want: "is a directory"},
		{name: "standard output", args: []string{"--record", "-"}, want: "give a file name"},
		{name: "no such directory", args: []string{"--record", filepath.Join(dir, "nope", "run.rec")}, want: "cannot write a file in"},
		{name: "from the variable", env: map[string]string{"TRAFFICGEN_RECORD": dir}, want: "is a directory"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("DURATION", "1")
			code, out, errOut := runMain(t, c.env, append([]string{"-u", srv.URL, "--no-tui"}, c.args...)...)
			if code != exitUsage || !strings.Contains(errOut, "TRAFFICGEN_RECORD/--record") || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d, message %q; want %d naming the option and %q", code, errOut, exitUsage, c.want)
			}
			if n := strings.Count(strings.TrimSpace(errOut), "\n"); n > 0 || out != "" {
				t.Errorf("message is %d lines, stdout %q", n+1, out)
			}
		})
	}
	if n := srv.n.Load(); n != 0 {
		t.Fatalf("bad input sent %d requests", n)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
}

// TestReplayBadInput: what is not a recording is a usage error; a
// recording without a snapshot says so.
func TestReplayBadInput(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("hello\n"), 0o644)
	empty := filepath.Join(dir, "empty.rec")
	f, _ := os.Create(empty)
	w, _ := record.NewWriter(f, record.Header{}, 0)
	w.Close()
	f.Close()
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"replay", text}, exitUsage, "not a trafficgen recording"},
		{[]string{"replay", filepath.Join(dir, "nope.rec")}, exitUsage, "nope.rec"},
		{[]string{"replay"}, exitUsage, "<file>"},
		{[]string{"replay", text, "--stats-interval", "10ms"}, exitUsage, "STATS_INTERVAL/--stats-interval: at least 100ms"},
		{[]string{"replay", empty, "--no-tui"}, exitFailure, "holds no snapshot"},
		{[]string{"replay", empty, "--report", "-"}, exitFailure, "holds no snapshot"},
	} {
		code, out, errOut := runMain(t, nil, c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want %d and %q", c.args, code, out, errOut, c.code, c.want)
		}
	}
}

// TestRecordThenReplayHeadless: a headless run with thresholds and
// --record against the in-process demo API, replayed headless: the same
// summary and thresholds' verdict, and stats blocks at the recording's
// times.
func TestRecordThenReplayHeadless(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "run.rec")
	code, live, errOut := runMain(t, nil, "--embedded", "--no-tui", "--mode", "steady", "-r", "50", "-z", "2s",
		"--stats-interval", "500ms", "--record", file, "--threshold", "p99<1ms", "--threshold", "GET /api/users: errors<50%")
	if code != exitThreshold {
		t.Fatalf("run: exit %d, want %d (p99 under 1 ms fails)\n%s", code, exitThreshold, errOut)
	}
	code, replayed, errOut := runMain(t, nil, "replay", file, "--no-tui", "--stats-interval", "500ms")
	if code != exitOK || errOut != "" {
		t.Fatalf("replay: exit %d\n%s", code, errOut)
	}
	summary := func(out string) string { return out[strings.Index(out, "Final Statistics"):] }
	if !strings.Contains(live, "Final Statistics") || !strings.Contains(live, "GET /api/users: errors<50%") || summary(live) != summary(replayed) {
		t.Errorf("the replay's summary differs from the run's:\n%s\nrun:\n%s", replayed, live)
	}
	// A block for every 500 ms of the recording, at its own times: the
	// first snapshot recorded at or after each.
	var last float64
	blocks := blockRE.FindAllStringSubmatch(replayed, -1)
	for i, m := range blocks {
		at, _ := strconv.ParseFloat(m[1], 64)
		if at <= last || at < 0.5*float64(i+1)-0.05 {
			t.Errorf("block %d at %.1fs, after one at %.1fs", i+1, at, last)
		}
		last = at
	}
	// The last block comes no later than the recording's end: the 2 s of
	// traffic and the drain of what was in flight then.
	end := 0.0
	if m := durationRE.FindStringSubmatch(summary(replayed)); m != nil {
		end, _ = strconv.ParseFloat(m[1], 64)
	}
	if len(blocks) == 0 || end < 2 || last > end+0.05 {
		t.Errorf("%d stats blocks in a replay of %.1fs, the last at %.1fs:\n%s", len(blocks), end, last, replayed)
	}
	if !strings.HasPrefix(replayed, "trafficgen replay: "+file+", recorded ") || !strings.Contains(strings.SplitN(replayed, "\n", 2)[0], "steady mode") {
		t.Errorf("first line: %q", strings.SplitN(replayed, "\n", 2)[0])
	}
}

var (
	blockRE    = regexp.MustCompile(`Stats \[([0-9.]+)s\]`)
	durationRE = regexp.MustCompile(`Duration: ([0-9.]+)s`)
)

// writeTestRecording writes a recording of a short run at path: ten
// snapshots, the last one final.
func writeTestRecording(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	start := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	w, err := record.NewWriter(f, record.Header{Started: start, Config: map[string]any{"mode": "steady"}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := int64(1); i <= 10; i++ {
		el := time.Duration(i) * 100 * time.Millisecond
		s := stats.Snapshot{Seq: uint64(i), Taken: start.Add(el), Elapsed: el, Total: 10 * i, Success: 10 * i}
		s.Run.Done = i == 10
		if err := w.Write(s); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestRecordToAFullDisk: a recording whose first line cannot be written
// stops the run before it starts: exit status 1, nothing sent.
func TestRecordToAFullDisk(t *testing.T) {
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full here")
	}
	srv := newCounter(t, nil)
	t.Setenv("DURATION", "1")
	code, _, errOut := runMain(t, nil, "-u", srv.URL, "--no-tui", "--record", "/dev/full")
	if code != exitFailure || !strings.Contains(errOut, "no space left on device") {
		t.Errorf("exit %d, %q; want %d and the disk's error", code, errOut, exitFailure)
	}
	if n := srv.n.Load(); n != 0 {
		t.Errorf("sent %d requests", n)
	}
}
