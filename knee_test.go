package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/stats"
)

// TestKneeOptions: the knee flags and their variables reach the engine's
// configuration; percentages and fractions both read; 0 means "any".
func TestKneeOptions(t *testing.T) {
	u := "http://127.0.0.1:1"
	o := mustParse(t, "-u", u, "--mode", "knee")
	if o.cfg.Mode != plan.ModeKnee {
		t.Fatalf("--mode knee: %v", o.cfg.Mode)
	}
	k := o.cfg.Knee
	if k.Start != 50 || k.Factor != 1.5 || k.Refine != 1.1 || k.Step != 10*time.Second || k.Settle != 2*time.Second ||
		k.Ceiling != 10000 || k.SLO.P99 != 0 || k.SLO.Errors != 0.05 || k.SLO.Achieved != 0.9 || k.SLO.Dropped != 0.001 {
		t.Errorf("defaults: %+v", k)
	}
	t.Setenv("TRAFFICGEN_KNEE_START", "200")
	t.Setenv("TRAFFICGEN_KNEE_MAX_ERRORS", "0.02")
	o = mustParse(t, "-u", u, "--mode", "knee", "--knee-increment", "100", "--knee-step", "5s", "--knee-settle", "1s",
		"--knee-p99", "300ms", "--knee-min-achieved", "95%", "--knee-max-dropped", "0", "-c", "500", "-r", "10")
	k = o.cfg.Knee
	if k.Start != 200 || k.Increment != 100 || k.Factor != 0 || k.Step != 5*time.Second || k.Settle != time.Second ||
		k.SLO.P99 != 300*time.Millisecond || k.SLO.Errors != 0.02 || k.SLO.Achieved != 0.95 || !(k.SLO.Dropped > 0 && k.SLO.Dropped < 1e-9) {
		t.Errorf("given: %+v", k)
	}
	if o.cfg.Mode != plan.ModeKnee || o.cfg.MaxInFlight != 500 {
		t.Errorf("-c with knee mode: %v mode, cap %d; want knee, the in-flight cap", o.cfg.Mode, o.cfg.MaxInFlight)
	}
	if o.cfg.KneeSLO != nil {
		t.Error("an objective from thresholds, without thresholds")
	}
}

// TestKneeThresholds: with thresholds, they are the knee finder's
// objective, judged on a step's window; in knee mode they are not the
// run's gate too (the search breaks them on purpose).
func TestKneeThresholds(t *testing.T) {
	u := "http://127.0.0.1:1"
	o := mustParse(t, "-u", u, "--mode", "knee", "--threshold", "p99<300ms", "--threshold", "errors<1%")
	if o.cfg.KneeSLO == nil || o.cfg.KneeSLOText != "thresholds p99<300ms, errors<1%" || len(o.thresholds) != 0 {
		t.Fatalf("knee mode with thresholds: objective %q, %d run thresholds", o.cfg.KneeSLOText, len(o.thresholds))
	}
	w := stats.Snapshot{Total: 200, Success: 199, Errors: 1, Elapsed: 8 * time.Second,
		Latency: stats.Percentiles{Count: 200, P50: 90 * time.Millisecond, P99: 412 * time.Millisecond}}
	if got := o.cfg.KneeSLO(&w); len(got) != 1 || got[0] != "p99<300ms: p99 412ms of 200" {
		t.Errorf("a slow window breaks %q", got)
	}
	w.Latency.P99 = 250 * time.Millisecond
	if got := o.cfg.KneeSLO(&w); len(got) != 0 {
		t.Errorf("a good window breaks %q", got)
	}
	// Another mode keeps its gate, and k would judge steps on it too.
	if o := mustParse(t, "-u", u, "--threshold", "p99<300ms"); o.cfg.KneeSLO == nil || len(o.thresholds) != 1 {
		t.Errorf("realistic mode with a threshold: objective %v, %d run thresholds", o.cfg.KneeSLO != nil, len(o.thresholds))
	}
}

// TestKneeBadInput: each knee option with a bad value is an exit-2 error
// naming it, before anything is sent.
func TestKneeBadInput(t *testing.T) {
	srv := newCounter(t, nil)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--knee-start", "0"}, "TRAFFICGEN_KNEE_START/--knee-start"},
		{[]string{"--knee-factor", "1"}, "TRAFFICGEN_KNEE_FACTOR/--knee-factor"},
		{[]string{"--knee-increment=-5"}, "TRAFFICGEN_KNEE_INCREMENT/--knee-increment"},
		{[]string{"--knee-refine", "0.9"}, "TRAFFICGEN_KNEE_REFINE/--knee-refine"},
		{[]string{"--knee-step", "0s"}, "TRAFFICGEN_KNEE_STEP/--knee-step"},
		{[]string{"--knee-settle", "10s"}, "TRAFFICGEN_KNEE_SETTLE/--knee-settle"},
		{[]string{"--knee-ceiling", "10"}, "TRAFFICGEN_KNEE_CEILING/--knee-ceiling"},
		{[]string{"--knee-p99=-1s"}, "TRAFFICGEN_KNEE_P99/--knee-p99"},
		{[]string{"--knee-max-errors", "150%"}, "TRAFFICGEN_KNEE_MAX_ERRORS/--knee-max-errors"},
		{[]string{"--knee-min-achieved", "lots"}, "TRAFFICGEN_KNEE_MIN_ACHIEVED/--knee-min-achieved"},
		{[]string{"--knee-max-dropped=-1%"}, "TRAFFICGEN_KNEE_MAX_DROPPED/--knee-max-dropped"},
		{[]string{"--mode", "knee", "--shard", "1/2"}, "SHARD/--shard"},
		{[]string{"--mode", "knee", "--threshold", "p99<1s", "--abort-on-fail"}, "--abort-on-fail"},
	} {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			code, _, errOut := runMain(t, map[string]string{"DURATION": "1"}, append([]string{"-u", srv.URL, "--no-tui"}, c.args...)...)
			if code != exitUsage || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d, want %d naming %s:\n%s", code, exitUsage, c.want, errOut)
			}
			if n := srv.n.Load(); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}

// TestKneeHeadless: a headless knee run against the embedded demo API
// prints each step on a line as it is judged, and the summary and the
// report carry the result and the step table.
func TestKneeHeadless(t *testing.T) {
	t.Parallel()
	report := filepath.Join(t.TempDir(), "r.json")
	code, out, errOut := runMain(t, nil, "--embedded", "--mode", "knee", "--no-tui", "-z", "3",
		"--knee-start", "20", "--knee-step", "1s", "--knee-settle", "200ms", "--report", report)
	if code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "knee mode, from 20 req/s ×1.5 every 1s") {
		t.Errorf("start line:\n%s", out)
	}
	if !strings.Contains(out, "\nknee step 1 climb 20.0 req/s: achieved ") {
		t.Errorf("no line for step 1:\n%s", out)
	}
	for _, want := range []string{"Highest Sustained Rate: ", "objective: ", "\nKnee Steps:\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Config map[string]any
		Knee   struct {
			Steps []struct {
				N       int     `json:"n"`
				RateRps float64 `json:"rateRps"`
			} `json:"steps"`
			SLO string `json:"slo"`
		} `json:"knee"`
	}
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Knee.Steps) == 0 || rep.Knee.Steps[0].N != 1 || rep.Knee.Steps[0].RateRps != 20 || rep.Knee.SLO == "" {
		t.Errorf("report's knee: %+v", rep.Knee)
	}
	if kc, ok := rep.Config["knee"].(map[string]any); !ok || kc["start"] != 20.0 || kc["stepMs"] != 1000.0 {
		t.Errorf("report's config: %v", rep.Config["knee"])
	}
}
