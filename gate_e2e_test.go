package main

// Thresholds, the CI gate, end to end: the exit status of a run against a
// slow and a fast server, a malformed expression refused before anything
// is sent, --abort-on-fail, thresholds in a scenario file, and the
// dashboard showing a failing one.

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// slowHandler answers every request after d.
func slowHandler(d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(d)
		w.Write([]byte("ok\n"))
	})
}

var gateArgs = []string{"--threshold", "p99<50ms", "--threshold", "errors<1%"}

// TestThresholdExitStatus: p99<50ms and errors<1% fail against a server
// answering in 100 ms (exit 3, the summary and the blocks say which) and
// pass against a fast one (exit 0).
func TestThresholdExitStatus(t *testing.T) {
	t.Parallel()
	slow, fast := newCounter(t, slowHandler(100*time.Millisecond)), newCounter(t, nil)
	args := append([]string{"-n", "100", "-r", "100", "--stats-interval", "300ms"}, gateArgs...)
	p := start(t, nil, append(args, slow.URL+"/slow")...)
	if code := p.wait(t, 30*time.Second); code != exitThreshold {
		t.Fatalf("slow server: exit %d, want %d\n%s\n%s", code, exitThreshold, p.stdout.String(), p.stderr.String())
	}
	out := p.stdout.String()
	for _, want := range []string{"   Thresholds: p99<50ms FAIL (", "| errors<1% ok (0.00%)\n",
		"\nThresholds: 1 of 2 failed\n", "   FAIL  p99<50ms   p99 ", "   ok    errors<1%  errors 0.00% of 100\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("slow server: no %q in\n%s", want, out)
		}
	}
	report := filepath.Join(t.TempDir(), "report.json")
	p = start(t, nil, append(args, "--report", report, fast.URL+"/fast")...)
	code := p.wait(t, 30*time.Second)
	out = p.stdout.String()
	rep := readReport(t, report)
	if len(rep.Thresholds) != 2 || rep.Thresholds[0].Value == nil {
		t.Fatalf("report thresholds %+v", rep.Thresholds)
	}
	switch p99 := *rep.Thresholds[0].Value; {
	case p99 >= 50:
		// A machine busy enough to hold a loopback answer 50 ms: the gate
		// must say so, and that is all this run can show.
		if code != exitThreshold || !strings.Contains(out, "   FAIL  p99<50ms ") {
			t.Errorf("fast server, p99 %.3f ms: exit %d, want %d\n%s", p99, code, exitThreshold, out)
		}
		t.Logf("the machine is busy: p99 %.3f ms against a server that answers at once", p99)
	case code != exitOK || !strings.Contains(out, "\nThresholds: all 2 passed\n"):
		t.Errorf("fast server, p99 %.3f ms: exit %d, want 0\n%s\n%s", p99, code, out, p.stderr.String())
	}
	if slow.n.Load() != 100 || fast.n.Load() != 100 {
		t.Errorf("the servers saw %d and %d, want 100 each", slow.n.Load(), fast.n.Load())
	}
}

// TestThresholdBadInput: a malformed expression, an unknown route and a
// bad threshold in a scenario file each exit 2, in one line that says
// where, before anything is sent.
func TestThresholdBadInput(t *testing.T) {
	srv := newCounter(t, nil)
	dir := t.TempDir()
	scn := filepath.Join(dir, "s.yaml")
	os.WriteFile(scn, []byte("endpoints: [{path: /x}]\nthresholds:\n  - p99<300ms\n  - errors<1\n"), 0o644)
	scn2 := filepath.Join(dir, "s2.yaml")
	os.WriteFile(scn2, []byte("endpoints: [{path: /x, checks: [{status: 200}]}, {path: /y}]\n"), 0o644)
	for _, c := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"unit", nil, []string{"--threshold", "p99<50xs"}, `--threshold: "p99<50xs": column 7: "xs" is not a unit of time`},
		{"figure", nil, []string{"--threshold", "p98<1s"}, `column 1: "p98" is not a figure`},
		{"variable", map[string]string{"TRAFFICGEN_THRESHOLD": "p99<1s\nerrors<"}, nil, `TRAFFICGEN_THRESHOLD/--threshold: "errors<": column 8: want a number`},
		{"route", nil, []string{"--threshold", "GET /nope: p99<1s"}, `no route "GET /nope" in this run; its routes: GET /x`},
		{"checks without checks", nil, []string{"--threshold", "checks>=99.9%"}, `"checks>=99.9%": this run has no response checks`},
		{"checks on a route without", nil, []string{"--scenario", scn2, "-u", srv.URL, "--threshold", "GET /y: checks>=99%"}, `"GET /y: checks>=99%": GET /y has no response checks`},
		{"rate without one", nil, []string{"-c", "2", "--threshold", "rate>=99%"}, "no target rate"},
		{"abort alone", nil, []string{"--abort-on-fail"}, "--abort-on-fail: stops the run when a threshold fails: give one"},
		{"scenario", nil, []string{"--scenario", scn, "-u", srv.URL}, scn + ":4:13: threshold \"errors<1\": errors is a share"},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"--no-tui", "-z", "1"}, c.args...)
			if !strings.Contains(strings.Join(c.args, " "), "--scenario") {
				args = append(args, srv.URL+"/x")
			}
			code, out, errOut := runMain(t, c.env, args...)
			if code != exitUsage || !strings.Contains(errOut, c.want) || strings.Count(strings.TrimSpace(errOut), "\n") > 0 || out != "" {
				t.Errorf("exit %d, want 2; stderr %q, want one line with %q; stdout %q", code, errOut, c.want, out)
			}
		})
	}
	if n := srv.n.Load(); n != 0 {
		t.Fatalf("bad thresholds sent %d requests", n)
	}
}

// TestAbortOnFail: --abort-on-fail stops a 30 s run once the failing
// figure covers 100 requests, exits 3, and the summary, the report and
// its event log say so and why.
func TestAbortOnFail(t *testing.T) {
	t.Parallel()
	srv := newCounter(t, slowHandler(100*time.Millisecond))
	report := filepath.Join(t.TempDir(), "report.json")
	p := start(t, nil, "-z", "30s", "-r", "100", "--abort-on-fail", "--threshold", "p99<50ms", "--threshold", "errors<1%",
		"--report", report, srv.URL+"/slow")
	if code := p.wait(t, 25*time.Second); code != exitThreshold {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, exitThreshold, p.stdout.String(), p.stderr.String())
	}
	out := p.stdout.String()
	if !strings.Contains(out, "\nThresholds: 1 of 2 failed\n   Aborted at ") || !strings.Contains(out, "(--abort-on-fail): p99<50ms failed, p99 ") {
		t.Errorf("the summary does not say the run was aborted and why:\n%s", out)
	}
	rep := readReport(t, report)
	if !strings.HasPrefix(rep.Aborted, "Aborted at ") || rep.Total >= 3000 || rep.Total < 100 || rep.Total != srv.n.Load() {
		t.Errorf("report: aborted %q, %d requests; the server saw %d", rep.Aborted, rep.Total, srv.n.Load())
	}
	if len(rep.Thresholds) != 2 || rep.Thresholds[0].Pass || !rep.Thresholds[1].Pass || rep.Thresholds[0].Unit != "ms" || *rep.Thresholds[0].Value < 50 {
		t.Errorf("report thresholds %+v", rep.Thresholds)
	}
	found := false
	for _, e := range rep.Events {
		found = found || e.Kind == "abort" && e.Text == rep.Aborted
	}
	if !found {
		t.Errorf("no abort event: %+v", rep.Events)
	}
}

// TestScenarioThresholds: a scenario file's thresholds gate the run as
// --threshold does, beside those of the command line.
func TestScenarioThresholds(t *testing.T) {
	srv := newCounter(t, slowHandler(60*time.Millisecond))
	scn := filepath.Join(t.TempDir(), "s.yaml")
	os.WriteFile(scn, []byte("endpoints: [{path: /x}]\nthresholds:\n  - 'GET /x: p50<20ms'\n"), 0o644)
	code, out, errOut := runMain(t, nil, "--no-tui", "--mode", "steady", "-n", "20", "-r", "100", "--scenario", scn, "-u", srv.URL,
		"--threshold", "errors<1%")
	if code != exitThreshold || !strings.Contains(out, "   FAIL  GET /x: p50<20ms  p50 ") || !strings.Contains(out, "   ok    errors<1%") {
		t.Errorf("exit %d, want 3\n%s\n%s", code, out, errOut)
	}
}
