package main

// A run compared with an earlier one (--baseline), relative thresholds,
// and the last failure of each route as a curl command in the summary and
// the report.

import (
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trafficgen/trafficgen/stats"
)

// TestBaselineDeltas: a run against a server 500 ms slower than in the
// run saved as the baseline says so in its summary, route by route: the
// median's change within 10 % of the 500 ms, the p99's the change between
// the two runs' reports; a threshold relative to the baseline fails it.
// (The p99 of 60 requests is their slowest but one: a busy machine's
// stall of a tenth of a second in either run moves it by as much. The
// p99's change is within 10 % of the step too when the machine is quiet.)
func TestBaselineDeltas(t *testing.T) {
	var delay atomic.Int64
	srv := newCounter(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Duration(delay.Load()))
		w.Write([]byte("ok\n"))
	}))
	dir := t.TempDir()
	old := filepath.Join(dir, "old.json")
	args := []string{"--no-tui", "-n", "60", "-r", "40", srv.URL + "/x"}
	delay.Store(int64(100 * time.Millisecond))
	if code, out, errOut := runMain(t, nil, append(args, "--report", old)...); code != exitOK {
		t.Fatalf("baseline run: exit %d\n%s\n%s", code, out, errOut)
	}
	delay.Store(int64(600 * time.Millisecond))
	cur := filepath.Join(dir, "new.json")
	code, out, errOut := runMain(t, map[string]string{"TRAFFICGEN_BASELINE": old},
		append(args, "--threshold", "p50<baseline*1.2", "--report", cur)...)
	if code != exitThreshold {
		t.Errorf("a run 100 ms slower: exit %d, want %d from p50<baseline*1.2\n%s\n%s", code, exitThreshold, out, errOut)
	}
	if !strings.Contains(out, "\nAgainst the baseline ("+old+", ") || !regexp.MustCompile(`FAIL\s+p50<baseline\*1.2\s+p50 \S+ of 60, limit \S+ \(baseline \S+ × 1.2\)`).MatchString(out) {
		t.Errorf("the summary does not compare with the baseline:\n%s", out)
	}
	row := regexp.MustCompile(`(?m)^   GET /x\s+(\S+) \((\S+)\)\s+(\S+) \((\S+)\)\s+\S+ \((\S+) \S+\)\s+\S+ \((\S+) \S+\)$`).FindStringSubmatch(out)
	if row == nil {
		t.Fatalf("no row for GET /x in\n%s", out)
	}
	if row[4] != "±0" {
		t.Errorf("ok%% changed by %s, want ±0", row[4])
	}
	within := func(delta string) bool {
		d, err := time.ParseDuration(strings.TrimPrefix(strings.ReplaceAll(delta, "µs", "us"), "+"))
		return err == nil && d >= 450*time.Millisecond && d <= 550*time.Millisecond
	}
	if !within(row[5]) {
		t.Errorf("p50 changed by %s, want +500ms within 10%%\n%s", row[5], out)
	}
	was, now := readReport(t, old).Endpoints[0].Latency.P99Ms, readReport(t, cur).Endpoints[0].Latency.P99Ms
	if want := stats.DurDelta(ms2d(now), ms2d(was)); row[6] != want {
		t.Errorf("p99 changed by %s, want %s (from %.3f ms to %.3f ms)", row[6], want, was, now)
	}
	if !within(row[6]) {
		t.Logf("a busy machine: the p99 went from %.1f ms to %.1f ms", was, now)
	}
}

func ms2d(ms float64) time.Duration { return time.Duration(math.Round(ms * float64(time.Millisecond))) }

// TestBaselineBadInput: a baseline that is not a report, or one that
// lacks a threshold's route, and a relative threshold without a baseline,
// each exit 2 before anything is sent.
func TestBaselineBadInput(t *testing.T) {
	srv := newCounter(t, nil)
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.json")
	os.WriteFile(junk, []byte(`{"a":1}`), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--baseline", junk}, "TRAFFICGEN_BASELINE/--baseline: not a trafficgen report"},
		{[]string{"--baseline", filepath.Join(dir, "none.json")}, "no such file"},
		{[]string{"--threshold", "p99<baseline*1.5"}, `"p99<baseline*1.5" is relative to a baseline: give the report of an earlier run with --baseline REPORT`},
	} {
		code, out, errOut := runMain(t, nil, append(c.args, "--no-tui", "-n", "5", srv.URL+"/x")...)
		if code != exitUsage || !strings.Contains(errOut, c.want) || srv.n.Load() != 0 {
			t.Errorf("%v: exit %d, sent %d, want 2 and %q\n%s%s", c.args, code, srv.n.Load(), c.want, out, errOut)
		}
	}
}

// TestBaselineGivesShapes: the routes' JSON shapes a baseline report kept
// go to the engine, which compares the answers with them from the first.
func TestBaselineGivesShapes(t *testing.T) {
	t.Chdir(t.TempDir())
	writeSampleReport(t, "plain.json")
	rep := readReport(t, "plain.json")
	paths := []string{"$ object", "ok bool"}
	rep.Endpoints[0].Shape = &stats.ShapeReport{Paths: paths, Checked: 10}
	f, err := os.Create("shaped.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.Write(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for file, want := range map[string][]string{"shaped.json": paths, "plain.json": nil} {
		o, err := parseRun([]string{"--baseline", file, "http://127.0.0.1:9/health"})
		if err != nil {
			t.Fatal(err)
		}
		if got := o.cfg.Shapes["GET /health"]; !slices.Equal(got, want) || o.baseline == nil {
			t.Errorf("--baseline %s: shapes %v, want %v", file, o.cfg.Shapes, want)
		}
	}
}

// TestLastFailureAsCurl: the summary of a headless run gives each failing
// route's last failure, with a curl command that gets the same status
// from the server where API_KEY is set, and the report carries it; the
// key shows in neither.
func TestLastFailureAsCurl(t *testing.T) {
	t.Parallel()
	const key = "sk-test-0123456789abcdef"
	srv := newCounter(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Header.Get("X-API-Key") != key:
			w.WriteHeader(http.StatusUnauthorized)
		case r.URL.Path == "/fail":
			w.WriteHeader(http.StatusBadGateway)
			w.Write([]byte(`{"error":"upstream down","echo":"` + key + `"}`))
		default:
			w.Write([]byte("ok"))
		}
	}))
	report := filepath.Join(t.TempDir(), "r.json")
	code, out, errOut := runMain(t, nil, "--no-tui", "-n", "40", "-r", "40", "-H", "X-API-Key: "+key,
		"--report", report, srv.URL+"/ok", srv.URL+"/fail")
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	rep := readReport(t, report)
	raw, _ := os.ReadFile(report)
	if strings.Contains(out+string(raw), key) {
		t.Errorf("the key shows in the summary or the report")
	}
	lf := rep.Endpoints[1].LastFailure
	if rep.Endpoints[0].LastFailure != nil || lf == nil || lf.Status != 502 || !strings.Contains(lf.Body, `"upstream down"`) {
		t.Fatalf("last failures in the report: %+v, %+v", rep.Endpoints[0].LastFailure, lf)
	}
	want := "\nLast Failure by Route (curl commands read the API key from $API_KEY):\n   GET /fail: 502 Bad Gateway after "
	if !strings.Contains(out, want) || !strings.Contains(out, "\n      "+lf.Curl+"\n") {
		t.Errorf("the summary lacks the last failure and its command:\n%s", out)
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl on this machine")
	}
	c := exec.Command("sh", "-c", lf.Curl+" -s -o /dev/null -w '%{http_code}'")
	c.Env = append(os.Environ(), "API_KEY="+key)
	if got, err := c.Output(); err != nil || string(got) != "502" {
		t.Errorf("%s: got %s (%v), want 502", lf.Curl, got, err)
	}
}
