package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/stats"
	"github.com/trafficgen/trafficgen/threshold"
)

// anyAtAll stands for a bound of 0 given by the user ("--knee-max-errors
// 0": any error breaks a step), where the knee configuration reads 0 as
// "the default".
const anyAtAll = math.SmallestNonzeroFloat64

// knee reads the knee finder's settings. They are checked in every mode,
// since the dashboard's k starts the finder in any run.
func (c *checker) knee() error {
	r := c.r
	kc := plan.KneeConfig{
		Start: r.KneeStart, Factor: r.KneeFactor, Increment: r.KneeIncrement, Refine: r.KneeRefine,
		Step: r.KneeStep, Settle: r.KneeSettle, Ceiling: r.KneeCeiling,
		SLO: plan.SLO{P99: r.KneeP99},
	}
	for _, b := range []struct {
		name, text string
		dst        *float64
	}{
		{"knee-max-errors", r.KneeErrors, &kc.SLO.Errors},
		{"knee-min-achieved", r.KneeAchieved, &kc.SLO.Achieved},
		{"knee-max-dropped", r.KneeDropped, &kc.SLO.Dropped},
	} {
		v, err := parseShare(b.text)
		if err != nil {
			return c.bad(b.name, "%v", err)
		}
		*b.dst = v
		if v == 0 {
			*b.dst = anyAtAll
		}
	}
	if kc.Increment > 0 && !c.src.given["knee-factor"] {
		kc.Factor = 0 // the increment replaces the default factor
	}
	if err := kneeCheck(kc); err != nil {
		return c.bad(err.name, "%v", err.err)
	}
	if c.o.cfg.Mode == plan.ModeKnee && c.o.shardN > 1 {
		return c.bad("shard", "knee mode finds one target's knee from one machine; a shard offers a share of a fixed rate")
	}
	c.o.cfg.Knee = kc
	return c.kneeThresholds()
}

// kneeErr is a knee setting that does not hold, and the option to name.
type kneeErr struct {
	name string
	err  error
}

// kneeCheck checks the settings one by one, so the error names the
// option at fault; plan's Validate checks them together.
func kneeCheck(kc plan.KneeConfig) *kneeErr {
	for _, f := range []struct {
		name string
		ok   bool
		msg  string
	}{
		{"knee-start", kc.Start > 0 && kc.Start <= maxRPS, fmt.Sprintf("want above 0 and at most %d req/s, got %g", maxRPS, kc.Start)},
		{"knee-increment", kc.Increment >= 0, fmt.Sprintf("must not be negative, got %g", kc.Increment)},
		{"knee-factor", kc.Increment > 0 || kc.Factor > 1 && kc.Factor <= 100, fmt.Sprintf("want above 1 and at most 100, got %g", kc.Factor)},
		{"knee-refine", kc.Refine >= 1 && kc.Refine <= 100, fmt.Sprintf("want 1 (off) to 100, got %g", kc.Refine)},
		{"knee-step", kc.Step > 0 && kc.Step <= maxRunLength, fmt.Sprintf("must be positive, got %v", kc.Step)},
		{"knee-settle", kc.Settle >= 0 && kc.Settle < kc.Step, fmt.Sprintf("want 0 or more, and less than the step (%v), got %v", kc.Step, kc.Settle)},
		{"knee-ceiling", kc.Ceiling >= kc.Start && kc.Ceiling <= maxRPS, fmt.Sprintf("want from the start (%g) to %d req/s, got %g", kc.Start, maxRPS, kc.Ceiling)},
		{"knee-p99", kc.SLO.P99 >= 0, fmt.Sprintf("must not be negative, got %v", kc.SLO.P99)},
	} {
		if !f.ok {
			return &kneeErr{f.name, fmt.Errorf("%s", f.msg)}
		}
	}
	if err := kc.WithDefaults().Validate(); err != nil {
		return &kneeErr{"mode", err}
	}
	return nil
}

// parseShare reads a share as a percentage ("5%", "0.1%") or a fraction
// ("0.05"), from 0 to 1.
func parseShare(s string) (float64, error) {
	t := strings.TrimSpace(s)
	pct := strings.HasSuffix(t, "%")
	v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(t, "%")), 64)
	if err != nil {
		return 0, fmt.Errorf("%q: want a percentage (5%%) or a fraction (0.05)", s)
	}
	if pct || v > 1 {
		v /= 100
	}
	if !(v >= 0 && v <= 1) {
		return 0, fmt.Errorf("%q: want 0%% to 100%%", s)
	}
	return v, nil
}

// kneeDescribe is the knee mode's part of the headless start line.
func kneeDescribe(kc plan.KneeConfig) string {
	kc = kc.WithDefaults()
	step := fmt.Sprintf("×%g", kc.Factor)
	if kc.Increment > 0 {
		step = fmt.Sprintf("+%g req/s", kc.Increment)
	}
	return fmt.Sprintf(", from %g req/s %s every %v (the first %v of each left out) up to %g req/s", kc.Start, step, kc.Step, kc.Settle, kc.Ceiling)
}

// kneePrinter prints a headless knee run's steps a line each as they are
// judged, and the result once the search holds.
type kneePrinter struct {
	steps int  // steps printed
	held  bool // the result printed
}

func (p *kneePrinter) print(w io.Writer, s stats.Snapshot) {
	k := s.Run.Knee
	if k == nil {
		return
	}
	p.steps, _ = stats.WriteKneeSteps(w, s, p.steps)
	if k.Holding() && !p.held {
		fmt.Fprintf(w, "knee: %s\n", stats.KneeHeadline(k))
	}
	p.held = k.Holding()
}

// kneeReportConfig adds the knee settings to the report's configuration.
func kneeReportConfig(conf map[string]any, kc plan.KneeConfig) {
	kc = kc.WithDefaults()
	conf["knee"] = map[string]any{
		"start": kc.Start, "factor": kc.Factor, "increment": kc.Increment, "refine": kc.Refine,
		"stepMs": ms(kc.Step.Seconds()), "settleMs": ms(kc.Settle.Seconds()), "ceiling": kc.Ceiling,
		"p99Ms": ms(kc.SLO.P99.Seconds()), "maxErrors": kc.SLO.Errors, "minAchieved": kc.SLO.Achieved, "maxDropped": kc.SLO.Dropped,
	}
}

// kneeThresholds makes the thresholds the knee finder's objective: a step
// breaks on each one its window does not meet. In knee mode they are
// that alone, not the run's gate, which the search crosses on purpose.
func (c *checker) kneeThresholds() error {
	o := c.o
	if len(o.thresholds) == 0 {
		return nil
	}
	ts := o.thresholds
	exprs := make([]string, len(ts))
	for i, t := range ts {
		exprs[i] = t.Expr
	}
	o.cfg.KneeSLOText = "thresholds " + strings.Join(exprs, ", ")
	o.cfg.KneeSLO = func(w *stats.Snapshot) []string {
		var out []string
		for _, r := range threshold.Evaluate(ts, w) {
			if !r.Pass {
				out = append(out, r.Expr+": "+r.Observed())
			}
		}
		return out
	}
	if o.cfg.Mode != plan.ModeKnee {
		return nil
	}
	if o.abortOnFail {
		return c.bad("abort-on-fail", "in knee mode the thresholds judge each step, which the search breaks on purpose; there is no run to abort")
	}
	o.thresholds = nil
	return nil
}
