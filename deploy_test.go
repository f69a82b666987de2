//go:build unix

package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/trafficgen/trafficgen/demoapi"
)

func TestParseShardIn(t *testing.T) {
	for _, c := range []struct {
		shard, index string
		i, n         int
		err          string // in the message; "" for none
	}{
		{"2/4", "", 2, 4, ""},
		{"4", "", 0, 0, "JOB_COMPLETION_INDEX is not set"},
		{"4", "0", 1, 4, ""},
		{"4", "3", 4, 4, ""},
		{" 4 ", "2", 3, 4, ""},
		{"4", "4", 0, 0, "not a shard of 4 (want 0 to 3)"},
		{"4", "-1", 0, 0, "not a shard of 4"},
		{"4", "one", 0, 0, "not a shard of 4"},
		{"3/4", "2", 3, 4, ""}, // agrees with the index
		{"1/4", "2", 0, 0, "makes this pod shard 3/4; give 4 alone"},
		{"0", "0", 0, 0, "want N"},
		{"x", "0", 0, 0, "want N"},
		{"5/4", "1", 0, 0, "1 ≤ i ≤ N"},
	} {
		i, n, err := parseShardIn(c.shard, c.index)
		switch {
		case c.err == "" && err != nil:
			t.Errorf("SHARD=%q index %q: %v", c.shard, c.index, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("SHARD=%q index %q: error %v, want one saying %q", c.shard, c.index, err, c.err)
		case i != c.i || n != c.n:
			t.Errorf("SHARD=%q index %q: shard %d/%d, want %d/%d", c.shard, c.index, i, n, c.i, c.n)
		}
	}
}

// freePort returns a loopback address nothing listens on just now.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// An Indexed Job's pods as processes: each has JOB_COMPLETION_INDEX 0..N-1
// and the same SHARD=N, takes shard index+1 of N (1/N of the rate, its
// part of the users), and the merge of their reports counts exactly what
// the server answered.
func TestIndexedJobShardsMerge(t *testing.T) {
	t.Parallel()
	api := demoapi.New(demoapi.Options{LatencyScale: 0.02, Seed: 2})
	srv := httptest.NewServer(api)
	defer srv.Close()
	const n = 3
	dir := t.TempDir()
	var reports []string
	var procs []*proc
	for k := range n {
		report := filepath.Join(dir, fmt.Sprintf("shard-%d.json", k))
		reports = append(reports, report)
		procs = append(procs, start(t, []string{fmt.Sprintf("JOB_COMPLETION_INDEX=%d", k), fmt.Sprintf("SHARD=%d", n)},
			"--no-tui", "--mode", "steady", "-r", "300", "--users", "5", "--think", "10ms-20ms", "-t", "1.5",
			"-u", srv.URL, "--report", report))
	}
	wantUsers := []int{2, 2, 1}
	for k, p := range procs {
		if code := p.wait(t, 30*time.Second); code != exitOK {
			t.Fatalf("shard index %d: exit %d\n%s", k, code, p.stderr.String())
		}
		if want := fmt.Sprintf("shard %d/%d", k+1, n); !strings.Contains(p.stdout.String(), want) {
			t.Errorf("index %d does not say %q:\n%.300s", k, want, p.stdout.String())
		}
		rep := readReport(t, reports[k])
		if rep.Config["shard"] != fmt.Sprintf("%d/%d", k+1, n) || rep.Config["rps"] != 100.0 || rep.Config["users"] != float64(wantUsers[k]) {
			t.Errorf("index %d: shard %v, rps %v, users %v; want %d/%d, 100, %d",
				k, rep.Config["shard"], rep.Config["rps"], rep.Config["users"], k+1, n, wantUsers[k])
		}
	}
	merged := filepath.Join(dir, "merged.json")
	args := append([]string{"merge", "-o", merged}, reports...)
	if code, out, errOut := runMain(t, nil, args...); code != exitOK {
		t.Fatalf("merge: exit %d\n%s%s", code, out, errOut)
	}
	rep := readReport(t, merged)
	var served int64
	for _, c := range api.Served() {
		served += c
	}
	if rep.Instances != n || rep.Total != served || rep.Total < 300 {
		t.Fatalf("merged %d instances, %d requests; the server answered %d", rep.Instances, rep.Total, served)
	}
	if rep.Journeys.Started == 0 {
		t.Errorf("no journeys in the merged report: %+v", rep.Journeys)
	}
}

// curl during a run: /metrics answers with series the linter accepts,
// labelled with the shard, and counting up; a SIGTERM still drains and
// prints the summary.
func TestMetricsDuringRun(t *testing.T) {
	t.Parallel()
	api := demoapi.New(demoapi.Options{LatencyScale: 0.02, Seed: 3})
	srv := httptest.NewServer(api)
	defer srv.Close()
	addr := freePort(t)
	p := start(t, []string{"TRAFFICGEN_METRICS_ADDR=" + addr}, "--no-tui", "--mode", "realistic", "-r", "200", "-t", "0",
		"--users", "3", "--think", "10ms-20ms", "--shard", "2/4", "-u", srv.URL)
	var fams map[string]*dto.MetricFamily
	var text string
	until(t, 10*time.Second, "requests in the metrics", func() bool {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return false
		}
		text = string(b)
		parser := expfmt.NewTextParser(model.UTF8Validation)
		fams, err = parser.TextToMetricFamilies(strings.NewReader(text))
		if err != nil {
			t.Fatalf("the exposition does not parse: %v", err)
		}
		f := fams["trafficgen_requests_total"]
		return f != nil && len(f.GetMetric()) > 0 && fams["trafficgen_journeys_started_total"].GetMetric()[0].GetCounter().GetValue() > 0
	})
	problems, err := promlint.New(strings.NewReader(text)).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, pr := range problems {
		if strings.HasPrefix(pr.Metric, "trafficgen_") {
			t.Errorf("lint: %s: %s", pr.Metric, pr.Text)
		}
	}
	for _, m := range fams["trafficgen_requests_total"].GetMetric() {
		if label(m, "shard") != "2/4" || label(m, "route") == "" {
			t.Errorf("series without its shard or route: %v", m.GetLabel())
		}
	}
	for _, name := range []string{"trafficgen_request_duration_seconds", "trafficgen_requests_in_flight",
		"trafficgen_target_requests_per_second", "trafficgen_journey_step_reached_total", "process_cpu_seconds_total"} {
		if fams[name] == nil {
			t.Errorf("no %s", name)
		}
	}
	p.signal(t, syscall.SIGTERM)
	if code := p.wait(t, 15*time.Second); code != exitOK {
		t.Fatalf("exit %d\n%s", code, p.stderr.String())
	}
	if !strings.Contains(p.stdout.String(), "Final Statistics") {
		t.Errorf("no summary after SIGTERM:\n%s", p.stdout.String())
	}
	if _, err := http.Get("http://" + addr + "/metrics"); err == nil {
		t.Errorf("still serving metrics after the process exited")
	}
}

// A malformed TRAFFICGEN_METRICS_ADDR is a usage error before anything is sent; one
// that cannot be listened on stops the run before it starts.
func TestMetricsAddrErrors(t *testing.T) {
	srv := newCounter(t, nil)
	code, _, errOut := runMain(t, map[string]string{"TRAFFICGEN_METRICS_ADDR": "9464"}, "--no-tui", "-t", "1", "-u", srv.URL)
	if code != exitUsage || !strings.Contains(errOut, "TRAFFICGEN_METRICS_ADDR/--metrics-addr") {
		t.Errorf("TRAFFICGEN_METRICS_ADDR=9464: exit %d, %q", code, errOut)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	code, _, errOut = runMain(t, nil, "--no-tui", "-t", "1", "-u", srv.URL, "--metrics-addr", ln.Addr().String())
	if code != exitFailure || !strings.Contains(errOut, "address already in use") {
		t.Errorf("busy address: exit %d, %q", code, errOut)
	}
	if n := srv.n.Load(); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}
