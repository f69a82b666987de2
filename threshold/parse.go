// Package threshold is the CI gate: pass/fail criteria on a run's figures
// ("p99<300ms", "errors<1%", "GET /api/users/{id}: p95<100ms"), parsed
// from text and evaluated on a stats.Snapshot, both pure functions. The
// command line, scenario files, the dashboard and the summary share them.
package threshold

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Metric is the figure a threshold bounds.
type Metric uint8

// The figures. Latencies are over the run's every completed request (or
// the route's); the shares are of the requests concerned.
const (
	P50 Metric = iota
	P90
	P95
	P99
	P999
	Max
	// Errors is the share of completed requests that failed.
	Errors
	// Rate is the share of the requests the rate plan made due that were
	// sent (the open model's achieved rate over its target).
	Rate
	// Dropped counts the requests due and not sent (the in-flight cap
	// was full), or, given as a percentage, their share of those due.
	Dropped
	// Checks is the share of the checked answers (those with response
	// checks, and a status from 200 to 399) that passed every check.
	Checks
)

var metricNames = [...]string{
	P50: "p50", P90: "p90", P95: "p95", P99: "p99", P999: "p99.9", Max: "max",
	Errors: "errors", Rate: "rate", Dropped: "dropped", Checks: "checks",
}

// String names the metric as expressions write it.
func (m Metric) String() string {
	if int(m) < len(metricNames) {
		return metricNames[m]
	}
	return "unknown"
}

// Latency reports whether the metric is a latency.
func (m Metric) Latency() bool { return m <= Max }

// Op compares a figure with a threshold's limit.
type Op uint8

// The comparisons.
const (
	Less Op = iota
	LessEq
	Greater
	GreaterEq
	Equal
)

var opNames = [...]string{Less: "<", LessEq: "<=", Greater: ">", GreaterEq: ">=", Equal: "=="}

func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return "?"
}

// holds reports whether v op limit.
func (o Op) holds(v, limit float64) bool {
	switch o {
	case Less:
		return v < limit
	case LessEq:
		return v <= limit
	case Greater:
		return v > limit
	case GreaterEq:
		return v >= limit
	}
	return v == limit
}

// Threshold is one criterion: Metric Op Limit, over the whole run or one
// route.
type Threshold struct {
	// Expr is the expression as written, without the spaces around it.
	Expr string
	// Route is the route template it applies to ("GET /api/users/{id}");
	// "" for the whole run.
	Route  string
	Metric Metric
	Op     Op
	// Limit is in the metric's unit: seconds for a latency, a fraction
	// (0.01 for 1%) for a share, a number of requests for a count.
	Limit float64
	// Share says Limit is a share (given as a percentage): always for
	// errors and rate, for dropped when it was written with %.
	Share bool
	// Factor, when above 0, makes the limit relative: Factor times the
	// baseline's figure ("p99<baseline*1.2"). Rebase sets Limit from a
	// baseline; until then the threshold has no limit.
	Factor float64
}

// Error is a malformed expression: what is wrong, and where (a byte
// offset into Expr).
type Error struct {
	Expr string
	Off  int
	Msg  string
}

// Col is the 1-based column of the error, in characters.
func (e *Error) Col() int {
	return utf8.RuneCountInString(e.Expr[:min(max(e.Off, 0), len(e.Expr))]) + 1
}

func (e *Error) Error() string { return fmt.Sprintf("column %d: %s", e.Col(), e.Msg) }

// Example is a well-formed expression, for messages.
const Example = "p99<300ms"

// Parse reads an expression: [ROUTE:] METRIC OP NUMBER[UNIT], e.g.
// "p99<300ms", "errors<1%", "rate>=99%", "dropped==0",
// "GET /api/users/{id}: p95<100ms". A malformed one is an *Error.
func Parse(expr string) (Threshold, error) {
	p := &parser{s: expr}
	t, err := p.parse()
	if err != nil {
		return Threshold{}, err
	}
	t.Expr = strings.TrimSpace(expr)
	return t, nil
}

// parser reads one expression, s, from i.
type parser struct {
	s string
	i int
}

func (p *parser) fail(off int, format string, args ...any) error {
	return &Error{Expr: p.s, Off: off, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *parser) parse() (Threshold, error) {
	var t Threshold
	if strings.TrimSpace(p.s) == "" {
		return t, p.fail(0, "empty: want a threshold such as %s", Example)
	}
	// A route comes before the last colon: none of what follows it
	// (a metric, a comparison, a number and a unit) has one.
	if c := strings.LastIndexByte(p.s, ':'); c >= 0 {
		t.Route = strings.TrimSpace(p.s[:c])
		if t.Route == "" {
			return t, p.fail(c, `want a route before ":" (e.g. "GET /api/users/{id}: %s")`, Example)
		}
		p.i = c + 1
	}
	p.space()
	var err error
	if t.Metric, err = p.metric(); err != nil {
		return t, err
	}
	p.space()
	if t.Op, err = p.op(t.Metric); err != nil {
		return t, err
	}
	p.space()
	if t.Limit, t.Share, err = p.limit(t.Metric); err != nil {
		return t, err
	}
	if t.Factor, err = p.factor(t.Metric); err != nil {
		return t, err
	}
	p.space()
	if p.i < len(p.s) {
		return t, p.fail(p.i, "unexpected %q after the threshold", p.s[p.i:])
	}
	return t, nil
}

// metric reads a metric's name.
func (p *parser) metric() (Metric, error) {
	start := p.i
	for p.i < len(p.s) && (isLetter(p.s[p.i]) || isDigit(p.s[p.i]) || p.s[p.i] == '.') {
		p.i++
	}
	name := strings.ToLower(p.s[start:p.i])
	if name == "p999" {
		name = "p99.9"
	}
	for m, n := range metricNames {
		if n != name {
			continue
		}
		return Metric(m), nil
	}
	if name == "" {
		return 0, p.fail(start, "want a figure: p50, p90, p95, p99, p99.9, max, errors, rate, dropped or checks")
	}
	return 0, p.fail(start, "%q is not a figure: want p50, p90, p95, p99, p99.9, max, errors, rate, dropped or checks", p.s[start:p.i])
}

// op reads a comparison.
func (p *parser) op(m Metric) (Op, error) {
	start := p.i
	for p.i < len(p.s) && strings.IndexByte("<>=!", p.s[p.i]) >= 0 {
		p.i++
	}
	text := p.s[start:p.i]
	for o, n := range opNames {
		if n == text {
			return Op(o), nil
		}
	}
	if text == "=" {
		return 0, p.fail(start, `"=" compares nothing: want == (or <, <=, >, >=)`)
	}
	return 0, p.fail(start, "want a comparison after %s: <, <=, >, >= or ==", m)
}

// limit reads the number and its unit, and returns the limit in the
// metric's unit.
func (p *parser) limit(m Metric) (float64, bool, error) {
	start := p.i
	if p.baseline() {
		return 0, m == Errors, nil
	}
	for p.i < len(p.s) && (isDigit(p.s[p.i]) || p.s[p.i] == '.') {
		p.i++
	}
	v, err := strconv.ParseFloat(p.s[start:p.i], 64)
	if err != nil {
		return 0, false, p.fail(start, "want a number here (e.g. %s)", Example)
	}
	p.space()
	unitAt := p.i
	for p.i < len(p.s) && (isLetter(p.s[p.i]) || p.s[p.i] == '%' || p.s[p.i] >= utf8.RuneSelf) {
		p.i++
	}
	unit := p.s[unitAt:p.i]
	switch {
	case m.Latency():
		scale, ok := timeUnits[strings.ToLower(unit)]
		if !ok && unit == "" {
			return 0, false, p.fail(unitAt, "%s is a latency: give a unit, ms or s (e.g. %s<%sms)", m, m, p.s[start:unitAt])
		}
		if !ok {
			return 0, false, p.fail(unitAt, "%q is not a unit of time: want us, ms or s", unit)
		}
		return v * scale, false, nil
	case unit == "%":
		if v > 100 {
			return 0, false, p.fail(start, "%s%% is over 100%%", p.s[start:unitAt])
		}
		return v / 100, true, nil
	case m == Dropped && unit == "":
		if v != float64(int64(v)) {
			return 0, false, p.fail(start, "dropped counts requests: want a whole number, or a percentage")
		}
		return v, false, nil
	case unit == "":
		return 0, false, p.fail(unitAt, "%s is a share of the requests: write it as a percentage (e.g. %s)", m, shareExample[m])
	}
	return 0, false, p.fail(unitAt, "%q: %s takes a percentage (e.g. %s)", unit, m, shareExample[m])
}

var timeUnits = map[string]float64{"us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1}

var shareExample = map[Metric]string{Errors: "errors<1%", Rate: "rate>=99%", Dropped: "dropped<0.1%", Checks: "checks>=99.9%"}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
