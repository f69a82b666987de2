package threshold

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/trafficgen/trafficgen/stats"
)

// ValueText is the figure for people: a latency as stats.Dur writes it,
// a share as a percentage, a count as a number; "-" before there is one.
func (r Result) ValueText() string {
	if !r.Known() {
		return "-"
	}
	switch {
	case r.Metric.Latency():
		return stats.Dur(time.Duration(r.Value * float64(time.Second)))
	case r.Share:
		return percent(r.Value)
	}
	return strconv.FormatInt(int64(r.Value), 10)
}

// percent writes a share with two decimals, or more, up to six, where
// two would round a failing share to 0.00% or a short one to 100.00%.
func percent(v float64) string {
	p := v * 100
	text := strconv.FormatFloat(p, 'f', 2, 64)
	for d := 3; d <= 6 && (p > 0 && p < 0.01 || p > 99.99 && p < 100); d++ {
		if text = strconv.FormatFloat(p, 'f', d, 64); strings.Trim(text, "0.") != "" && !strings.HasPrefix(text, "100") {
			break
		}
	}
	return text + "%"
}

// Verdict is one word: "ok", "FAIL", or "waiting" before there is a
// figure (at the end of a run, no figure fails: see Evaluate).
func (r Result) Verdict(final bool) string {
	switch {
	case r.Pass:
		return "ok"
	case !r.Known() && !final:
		return "waiting"
	}
	return "FAIL"
}

// Observed says what was measured: "p99 102ms", "errors 0.50% of 200",
// "no requests".
func (r Result) Observed() string {
	if !r.Known() {
		switch {
		case r.Metric == Checks:
			return "no answers checked"
		case r.Route != "":
			return "no requests on the route"
		}
		return "no requests"
	}
	out := fmt.Sprintf("%s %s of %d", r.Metric, r.ValueText(), r.Count)
	if r.Relative() {
		out += ", limit " + r.limitText()
	}
	return out
}

// BlockLine is the headless block's line of thresholds, "" without any:
// "   Thresholds: p99<50ms FAIL (102ms) | errors<1% ok (0.00%)".
func BlockLine(rs []Result) string {
	if len(rs) == 0 {
		return ""
	}
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("%s %s (%s)", r.Expr, r.Verdict(false), r.ValueText())
	}
	return "   Thresholds: " + strings.Join(parts, " | ") + "\n"
}

// WriteSummary writes the summary's Thresholds section: the verdict, why
// the run was aborted when it was, and each threshold with its figure.
func WriteSummary(w io.Writer, rs []Result, aborted string) error {
	if len(rs) == 0 {
		return nil
	}
	var b strings.Builder
	switch n := Failed(rs); n {
	case 0:
		fmt.Fprintf(&b, "\nThresholds: all %d passed\n", len(rs))
	default:
		fmt.Fprintf(&b, "\nThresholds: %d of %d failed\n", n, len(rs))
	}
	if aborted != "" {
		fmt.Fprintf(&b, "   %s\n", aborted)
	}
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, r := range rs {
		fmt.Fprintf(tw, "   %s\t%s\t%s\n", r.Verdict(true), r.Expr, r.Observed())
	}
	tw.Flush()
	_, err := io.WriteString(w, b.String())
	return err
}

// AbortReason says why --abort-on-fail stopped a run at elapsed: "aborted
// at 3.2s: p99<50ms failed (p99 102ms of 150)".
func AbortReason(r Result, elapsed time.Duration) string {
	return fmt.Sprintf("Aborted at %.1fs (--abort-on-fail): %s failed, %s", elapsed.Seconds(), r.Expr, r.Observed())
}

// Report is rs as the JSON report lists them: figures in milliseconds
// and percentages.
func Report(rs []Result) []stats.ThresholdReport {
	out := make([]stats.ThresholdReport, len(rs))
	for i, r := range rs {
		tr := stats.ThresholdReport{Expr: r.Expr, Route: r.Route, Metric: r.Metric.String(), Op: r.Op.String(), Pass: r.Pass}
		scale := 1.0
		switch {
		case r.Metric.Latency():
			tr.Unit, scale = "ms", 1000
		case r.Share:
			tr.Unit, scale = "%", 100
		default:
			tr.Unit = "requests"
		}
		// To a microsecond, a thousandth of a percent: no float noise.
		tr.Limit = math.Round(r.Limit*scale*1000) / 1000
		if r.Known() {
			v := math.Round(r.Value*scale*1000) / 1000
			tr.Value = &v
		}
		out[i] = tr
	}
	return out
}
