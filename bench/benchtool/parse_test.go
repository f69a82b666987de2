package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPerfCounts(t *testing.T) {
	out := "# started on Mon Dec  7 01:57:38 2026\n\n2412.5,msec,task-clock,2406437,100.00,0.023,CPUs utilized\n9031,,context-switches,2406437,100.00,3.740,K/sec\n"
	ms, cs, ok := perfCounts(out)
	if !ok || ms != 2412.5 || cs != 9031 {
		t.Fatalf("perfCounts = %v, %v, %v; want 2412.5, 9031, true", ms, cs, ok)
	}
	if _, _, ok := perfCounts("<not supported>,,context-switches,0,100.00,,\n12,msec,task-clock,1,100,,\n"); ok {
		t.Error("a counter perf could not read was taken as read")
	}
}

// A trafficgen report of either schema gives the row's counts and
// latencies, and perf's counts give the CPU and context switches per
// request.
func TestParseTrafficgenReport(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	perf := write("perf", "500,msec,task-clock,1,100,,\n2000,,context-switches,1,100,,\n")
	tm := write("time", "0.30 0.10 20480 5.01\n")
	for name, rep := range map[string]string{
		"v1": `{"seconds": 5, "total": 5000, "errors": 1, "dropped": 2, "latency": {"p50Ms": 1, "p90Ms": 2, "p99Ms": 3}}`,
		"v2": `{"schema": "trafficgen.report/v2", "elapsedMs": 5000, "summary": {"total": 5000, "errors": 1, "dropped": 2, "latency": {"p50Ms": 1, "p90Ms": 2, "p99Ms": 3}}}`,
	} {
		out := captureStdout(t, func() error {
			return parse([]string{"-tool", "trafficgen", "-load", "l", "-out", write(name, rep), "-time", tm, "-perf", perf, "-target", "1000", "-dur", "5"})
		})
		f := strings.Split(strings.TrimSpace(out), "\t")
		// achieved, CPU ms per 1k, p99, dropped, errors, total, context switches per request
		got := strings.Join([]string{f[3], f[5], f[9], f[13], f[14], f[15], f[19]}, " ")
		if want := "1000.0 100.00 3.000 2 1 5000 0.400"; got != want {
			t.Errorf("%s: row %q, want %q", name, got, want)
		}
	}
}

func captureStdout(t *testing.T, f func() error) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	ferr := f()
	os.Stdout = old
	w.Close()
	b := make([]byte, 4096)
	n, _ := r.Read(b)
	r.Close()
	if ferr != nil {
		t.Fatal(ferr)
	}
	return string(b[:n])
}
