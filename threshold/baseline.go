package threshold

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/trafficgen/trafficgen/stats"
)

// baselineWord starts a relative limit: "p99<baseline*1.2".
const baselineWord = "baseline"

// baseline reports whether a relative limit starts at p.i (without
// reading it: factor does).
func (p *parser) baseline() bool {
	return len(p.s)-p.i >= len(baselineWord) && strings.EqualFold(p.s[p.i:p.i+len(baselineWord)], baselineWord)
}

// factor reads a relative limit, "baseline" or "baseline*F", and returns
// F (1 for "baseline" alone), or 0 when the limit is not relative.
func (p *parser) factor(m Metric) (float64, error) {
	if !p.baseline() {
		return 0, nil
	}
	start := p.i
	if !m.Latency() && m != Errors {
		return 0, p.fail(start, "%s cannot be relative to a baseline: latencies and errors can (e.g. p99<baseline*1.2)", m)
	}
	p.i += len(baselineWord)
	p.space()
	if p.i == len(p.s) {
		return 1, nil
	}
	if p.s[p.i] != '*' {
		return 0, p.fail(p.i, "want * and a factor after baseline (e.g. %s<baseline*1.2)", m)
	}
	p.i++
	p.space()
	at := p.i
	for p.i < len(p.s) && (isDigit(p.s[p.i]) || p.s[p.i] == '.') {
		p.i++
	}
	f, err := strconv.ParseFloat(p.s[at:p.i], 64)
	if err != nil || f <= 0 {
		return 0, p.fail(at, "want a factor above 0 after baseline* (e.g. %s<baseline*1.2)", m)
	}
	return f, nil
}

// Relative reports whether the threshold's limit comes from a baseline.
func (t Threshold) Relative() bool { return t.Factor > 0 }

// Rebase sets the limit of each relative threshold of ts from base, a
// saved report: its Factor times the baseline's figure, for the route or
// the run. A figure the baseline lacks (the route, or any requests) is an
// error naming the threshold.
func Rebase(ts []Threshold, base *stats.Report) ([]Threshold, error) {
	out := make([]Threshold, len(ts))
	for i, t := range ts {
		if t.Relative() {
			v, err := baseFigure(t, base)
			if err != nil {
				return nil, fmt.Errorf("%q: %w", t.Expr, err)
			}
			t.Limit = t.Factor * v
		}
		out[i] = t
	}
	return out, nil
}

// Unbased returns the first relative threshold of ts, for the error of a
// run without a baseline.
func Unbased(ts []Threshold) (Threshold, bool) {
	for _, t := range ts {
		if t.Relative() {
			return t, true
		}
	}
	return Threshold{}, false
}

// baseFigure is t's figure in base, in the unit of Limit.
func baseFigure(t Threshold, base *stats.Report) (float64, error) {
	lat, total, errs := base.Latency, base.Total, base.Errors
	if t.Route != "" {
		i := -1
		for j, e := range base.Endpoints {
			if e.Route == t.Route {
				i = j
			}
		}
		if i < 0 {
			return 0, fmt.Errorf("the baseline has no route %q", t.Route)
		}
		e := base.Endpoints[i]
		lat, total, errs = e.Latency, e.Total, e.Errors
	}
	if total == 0 {
		return 0, fmt.Errorf("the baseline has no requests to compare with")
	}
	if t.Metric == Errors {
		return ratio(errs, total), nil
	}
	ms := map[Metric]float64{P50: lat.P50Ms, P90: lat.P90Ms, P95: lat.P95Ms, P99: lat.P99Ms, P999: lat.P999Ms, Max: lat.MaxMs}[t.Metric]
	return ms / 1000, nil
}

// limitText is the limit in the metric's unit for people, with where it
// came from when relative: "216ms (baseline 180ms × 1.2)".
func (r Result) limitText() string {
	l := Result{Threshold: r.Threshold, Value: r.Limit, Count: 1}.ValueText()
	if !r.Relative() {
		return l
	}
	b := Result{Threshold: r.Threshold, Value: r.Limit / r.Factor, Count: 1}.ValueText()
	return fmt.Sprintf("%s (baseline %s × %g)", l, b, r.Factor)
}
