package stats

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// topEndpoints and topErrorKinds are how many rows of each a periodic
// block lists.
const (
	topEndpoints  = 5
	topErrorKinds = 3
)

// topKinds returns the n most frequent kinds, most frequent first.
func topKinds(kc []KindCount, n int) []KindCount {
	kc = slices.Clone(kc)
	slices.SortStableFunc(kc, func(a, b KindCount) int { return cmp.Compare(b.Count, a.Count) })
	return kc[:min(n, len(kc))]
}

// WriteBlock writes the periodic headless block: the original tool's
// "Stats [..]" shape, with target vs achieved rate, dropped requests and
// percentiles added. Current RPS is the last full second's rate.
func WriteBlock(w io.Writer, s Snapshot) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Stats [%.1fs]", s.Elapsed.Seconds())
	if s.Run.Mode != "" {
		fmt.Fprintf(&b, " mode %s", s.Run.Mode)
		if k := s.Run.Knee; k != nil {
			b.WriteString(kneeBlockText(k))
		} else if s.Run.PhaseCount > 1 {
			fmt.Fprintf(&b, ", phase %d/%d %s", s.Run.PhaseIndex+1, s.Run.PhaseCount, s.Run.Phase)
		}
		if s.Run.Paused {
			b.WriteString(" (paused)")
		}
	}
	b.WriteByte('\n')
	fmt.Fprintf(&b, "   Total Requests: %d | Success: %d | Errors: %d | Dropped: %d | In flight: %d",
		s.Total, s.Success, s.Errors, s.Dropped, s.InFlight)
	if s.Resent > 0 {
		fmt.Fprintf(&b, " | Resent: %d", s.Resent)
	}
	b.WriteByte('\n')
	fmt.Fprintf(&b, "   Current RPS: %.1f | Target RPS: %s | Sent RPS: %.1f | Success Rate: %.1f%%\n",
		s.CurrentRPS, targetText(s.Run), s.Run.AchievedRPS, s.SuccessRate())
	if s.Recent.Count > 0 {
		fmt.Fprintf(&b, "   Latency (last 10s): p50 %s | p90 %s | p99 %s | max %s\n",
			Dur(s.Recent.P50), Dur(s.Recent.P90), Dur(s.Recent.P99), Dur(s.Recent.Max))
	}
	for _, k := range topKinds(s.ErrorKinds, topErrorKinds) {
		fmt.Fprintf(&b, "   Errors: %d %s", k.Count, k.Kind)
		if k.Message != "" {
			fmt.Fprintf(&b, ", last: %s", k.Message)
		}
		b.WriteByte('\n')
	}
	for _, l := range checkBlockLines(s) {
		b.WriteString(l + "\n")
	}
	if s.Journeys.Started > 0 || s.Journeys.Users > 0 {
		fmt.Fprintf(&b, "   User Journeys: %d | Completed: %d | Declined: %d | Failed: %d | In progress: %d\n",
			s.Journeys.Started, s.Journeys.Completed, s.Journeys.Declined, s.Journeys.Failed, s.Journeys.InProgress)
	}
	rows := slices.Clone(s.Endpoints)
	slices.SortStableFunc(rows, func(a, b EndpointStats) int { return cmp.Compare(b.Total, a.Total) })
	if len(rows) > 0 && rows[0].Total > 0 {
		b.WriteString("   Top Endpoints:\n")
		for _, e := range rows[:min(topEndpoints, len(rows))] {
			if e.Total == 0 {
				break
			}
			fmt.Fprintf(&b, "     %s: %d req (%.1f%% success, %s avg, p99 %s)\n",
				e.Route, e.Total, e.SuccessRate(), Dur(e.Latency.Mean), Dur(e.Latency.P99))
		}
	}
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}

// dropCauses says, under the dropped count, why they were not sent: the
// in-flight cap was full because trafficgen's CPU was saturated
// (RunInfo.DroppedBehind), for which more cap would not help, or because
// the server had not answered, for which it would; or the run ended, or
// their deadline passed, while they waited for a worker
// (RunInfo.DroppedUnsent).
func dropCauses(s Snapshot) []string {
	if s.Dropped <= 0 {
		return nil
	}
	behind := min(max(s.Run.DroppedBehind, 0), s.Dropped)
	var out []string
	if behind > 0 {
		out = append(out,
			fmt.Sprintf("%s: trafficgen itself was behind (its CPU saturated; the", share(behind, s.Dropped)),
			"requests waited for one of its workers, not for the server). -c N",
			"(max-throughput mode) sends the most this machine can.")
	}
	unsent := min(max(s.Run.DroppedUnsent, 0), s.Dropped-behind)
	if unsent > 0 {
		out = append(out,
			fmt.Sprintf("%s: still waiting for one of trafficgen's workers when the run", share(unsent, s.Dropped)),
			"ended or their timeout passed; they were never sent.")
	}
	if rest := s.Dropped - behind - unsent; rest > 0 {
		if c := cmp.Or(s.Run.DroppedAtCap, s.Run.MaxInFlight); c > 0 {
			out = append(out,
				fmt.Sprintf("%s: the in-flight cap (%d) was full of requests the server", share(rest, s.Dropped), c),
				fmt.Sprintf("had not answered. Set --max-in-flight (MAX_IN_FLIGHT) above %d to", c),
				"offer the full rate.")
		} else {
			out = append(out,
				fmt.Sprintf("%s: the in-flight cap was full of requests the server had", share(rest, s.Dropped)),
				"not answered. A larger --max-in-flight (MAX_IN_FLIGHT) offers the full",
				"rate.")
		}
	}
	return out
}

// share names n of all: "All of them" or "12 of them".
func share(n, all int64) string {
	if n == all {
		return "All of them"
	}
	return fmt.Sprintf("%d of them", n)
}

func targetText(r RunInfo) string {
	if r.Mode == "max" {
		return fmt.Sprintf("max (%d workers)", r.Concurrency)
	}
	return fmt.Sprintf("%.1f", r.TargetRPS)
}

// WriteSummary writes the final summary: the original's "Final Statistics"
// with the numbers it lacked, then By Method, By Endpoint, status codes,
// error kinds and journeys.
func WriteSummary(w io.Writer, s Snapshot) error {
	var b strings.Builder
	summaryHeadline(&b, s)
	summaryDetails(&b, s)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteSummaryHeadlineLast writes the same summary with the headline block
// ("Final Statistics": totals, success, errors, rates, latency) at the end,
// for a terminal the dashboard has just left: the lines that matter most
// are then on the screen, not scrolled away above the tables.
func WriteSummaryHeadlineLast(w io.Writer, s Snapshot) error {
	var b strings.Builder
	summaryDetails(&b, s)
	b.WriteString("\n")
	summaryHeadline(&b, s)
	_, err := io.WriteString(w, b.String())
	return err
}

// summaryHeadline is the "Final Statistics" block, after the verdict on
// a run whose every request failed.
func summaryHeadline(b *strings.Builder, s Snapshot) {
	if line := AllFailed(s); line != "" {
		b.WriteString(line + "\n\n")
	}
	b.WriteString("Final Statistics\n================\n")
	if s.Run.Target != "" {
		fmt.Fprintf(b, "   Target: %s (mode %s)\n", s.Run.Target, s.Run.Mode)
	}
	fmt.Fprintf(b, "   Duration: %.1fs\n", s.Elapsed.Seconds())
	fmt.Fprintf(b, "   Total Requests: %d\n", s.Total)
	fmt.Fprintf(b, "   Successful: %d (%.1f%%)\n", s.Success, s.SuccessRate())
	fmt.Fprintf(b, "   Errors: %d\n", s.Errors)
	fmt.Fprintf(b, "   Dropped (due, never sent): %d\n", s.Dropped)
	for _, l := range dropCauses(s) {
		fmt.Fprintf(b, "     %s\n", l)
	}
	if s.Resent > 0 {
		fmt.Fprintf(b, "   Resent: %d (by the HTTP client, after a kept-alive connection died;\n"+
			"           the server may have seen up to %d more requests than counted)\n", s.Resent, s.Resent)
	}
	b.WriteString(checkHeadline(s))
	fmt.Fprintf(b, "   Average RPS: %.1f\n", s.AverageRPS)
	if s.Latency.Count > 0 {
		fmt.Fprintf(b, "   Latency: p50 %s | p90 %s | p99 %s | p99.9 %s | max %s\n",
			Dur(s.Latency.P50), Dur(s.Latency.P90), Dur(s.Latency.P99), Dur(s.Latency.P999), Dur(s.Latency.Max))
	}
	j := s.Journeys
	fmt.Fprintf(b, "   User Journeys Started: %d\n", j.Started)
	fmt.Fprintf(b, "   User Journeys Completed: %d (declined %d)\n", j.Completed, j.Declined)
	if j.Failed > 0 || j.InProgress > 0 {
		fmt.Fprintf(b, "   User Journeys Failed: %d | Unfinished: %d\n", j.Failed, j.InProgress)
	}
	if j.Duration.Count > 0 {
		fmt.Fprintf(b, "   Journey Duration: p50 %s | p99 %s\n", Dur(j.Duration.P50), Dur(j.Duration.P99))
	}
	for _, st := range j.Steps {
		if st.Failed > 0 {
			fmt.Fprintf(b, "     failed at %s / %s: %d (last: %s)\n", st.Journey, st.Step, st.Failed, st.LastError)
		}
	}
	writeKneeHeadline(b, s)
}

// summaryDetails is the tables after the headline: by method, by
// endpoint, status codes and error kinds.
func summaryDetails(b *strings.Builder, s Snapshot) {
	b.WriteString("\nBy Method:\n")
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "   method\trequests\tsuccess\terrors\t")
	for _, m := range ByMethod(s.Endpoints) {
		fmt.Fprintf(tw, "   %s\t%d\t%.1f%%\t%d\t\n", m.Method, m.Total, m.SuccessRate(), m.Errors)
	}
	tw.Flush()

	// Fits 80 columns with the default scenario's routes; each route's
	// max is in the report.
	b.WriteString("\nBy Endpoint:\n")
	tw = tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "   route\trequests\tsuccess\tp50\tp90\tp99\tdropped")
	for _, e := range s.Endpoints {
		if e.Total == 0 && e.Dropped == 0 {
			continue
		}
		fmt.Fprintf(tw, "   %s\t%d\t%.1f%%\t%s\t%s\t%s\t%d\n", e.Route, e.Total, e.SuccessRate(),
			Dur(e.Latency.P50), Dur(e.Latency.P90), Dur(e.Latency.P99), e.Dropped)
	}
	tw.Flush()

	if len(s.StatusCodes) > 0 {
		b.WriteString("\nStatus Codes:\n")
		for _, c := range s.StatusCodes {
			if c.Code == 0 {
				fmt.Fprintf(b, "   none (no response): %d\n", c.Count)
				continue
			}
			fmt.Fprintf(b, "   %d: %d\n", c.Code, c.Count)
		}
	}
	if len(s.ErrorKinds) > 0 {
		b.WriteString("\nError Kinds:\n")
		for _, k := range s.ErrorKinds {
			fmt.Fprintf(b, "   %s: %d\n", k.Kind, k.Count)
			if k.Message != "" {
				fmt.Fprintf(b, "      last: %s\n", k.Message)
			}
		}
	}
	checkDetails(b, s)
	writeKneeSteps(b, s)
	writeLastFailures(b, s)
}

// AllFailed says so plainly when every request of a run failed, and why
// ("All 200 requests failed: tls: failed to verify certificate: …"); ""
// when some succeeded, or there were none.
func AllFailed(s Snapshot) string {
	if s.Total == 0 || s.Success > 0 {
		return ""
	}
	if len(s.ErrorKinds) == 1 {
		return fmt.Sprintf("All %d requests failed: %s", s.Total, s.ErrorKinds[0].Reason())
	}
	var why []string
	for _, k := range topKinds(s.ErrorKinds, len(s.ErrorKinds)) {
		why = append(why, fmt.Sprintf("%d %s", k.Count, k.Kind))
	}
	return fmt.Sprintf("All %d requests failed: %s (see Error Kinds)", s.Total, strings.Join(why, ", "))
}

// MethodStats is the total of every route of one HTTP method.
type MethodStats struct {
	Method                 string
	Total, Success, Errors int64
}

// SuccessRate is Success/Total as a percentage, or 0 with no requests.
func (m MethodStats) SuccessRate() float64 { return pct(m.Success, m.Total) }

// ByMethod adds up endpoint rows by method, in order of first appearance.
func ByMethod(rows []EndpointStats) []MethodStats {
	var out []MethodStats
	for _, e := range rows {
		i := slices.IndexFunc(out, func(m MethodStats) bool { return m.Method == e.Method })
		if i < 0 {
			out = append(out, MethodStats{Method: e.Method})
			i = len(out) - 1
		}
		out[i].Total += e.Total
		out[i].Success += e.Success
		out[i].Errors += e.Errors
	}
	return out
}

// Dur formats a latency for people: three significant figures in the unit
// that keeps them short ("850µs", "4.25ms", "42.5ms", "425ms", "1.24s",
// "12.4s"), and "-" for zero, which means no data. It is the one latency
// formatter: the dashboard, the headless blocks and the summary all use
// it, so a p99 reads the same everywhere.
func Dur(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	us := max(float64(d)/float64(time.Microsecond), 1)
	ms, s := us/1e3, us/1e6
	// Each bound is where rounding would need a fourth digit.
	switch {
	case us < 999.5:
		return fmt.Sprintf("%.0fµs", us)
	case ms < 9.995:
		return fmt.Sprintf("%.2fms", ms)
	case ms < 99.95:
		return fmt.Sprintf("%.1fms", ms)
	case ms < 999.5:
		return fmt.Sprintf("%.0fms", ms)
	case s < 9.995:
		return fmt.Sprintf("%.2fs", s)
	case s < 99.95:
		return fmt.Sprintf("%.1fs", s)
	}
	return fmt.Sprintf("%.0fs", s)
}
