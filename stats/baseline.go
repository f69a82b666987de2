package stats

import (
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"
)

// Figures are what a baseline keeps of a route, or of the whole run: the
// rate, the share of requests that succeeded, the median and the 99th
// percentile. N is the number of requests behind them; 0 means none.
type Figures struct {
	RPS      float64
	OK       float64 // percent
	P50, P99 time.Duration
	N        int64
}

// Baseline is a set of figures to compare a run with: the whole run's and
// each route's, by route template.
type Baseline struct {
	// Name says where it came from: a report's file, a moment of the run.
	Name   string
	Run    Figures
	Routes map[string]Figures
}

// BaselineOfReport is the figures of a finished run, from its report:
// each over the whole run.
func BaselineOfReport(rep *Report, name string) Baseline {
	secs := rep.ElapsedMs / 1000
	fig := func(total, success int64, l LatencyReport) Figures {
		f := Figures{OK: pct(success, total), P50: fromMs(l.P50Ms), P99: fromMs(l.P99Ms), N: total}
		if secs > 0 {
			f.RPS = float64(total) / secs
		}
		return f
	}
	b := Baseline{Name: name, Run: fig(rep.Total, rep.Success, rep.Latency), Routes: map[string]Figures{}}
	for _, e := range rep.Endpoints {
		b.Routes[e.Route] = fig(e.Total, e.Success, e.Latency)
	}
	return b
}

// RunFigures is s's figures over the whole run so far, as a report of it
// would give them.
func RunFigures(s Snapshot) (run Figures, routes map[string]Figures) {
	secs := s.Elapsed.Seconds()
	fig := func(total, success int64, l Percentiles) Figures {
		f := Figures{OK: pct(success, total), P50: l.P50, P99: l.P99, N: total}
		if secs > 0 {
			f.RPS = float64(total) / secs
		}
		return f
	}
	routes = make(map[string]Figures, len(s.Endpoints))
	for _, e := range s.Endpoints {
		routes[e.Route] = fig(e.Total, e.Success, e.Latency)
	}
	return fig(s.Total, s.Success, s.Latency), routes
}

func fromMs(v float64) time.Duration { return time.Duration(math.Round(v * float64(time.Millisecond))) }

// DurDelta writes the change from base to cur: "+10.2ms", "-3.10ms",
// "±0".
func DurDelta(cur, base time.Duration) string {
	d := cur - base
	switch {
	case d > 0:
		return "+" + Dur(d)
	case d < 0:
		return "-" + Dur(-d)
	}
	return "±0"
}

// RelDelta writes the relative change from base to cur: "+25%", "-3%",
// "±0%", or "" when base is zero.
func RelDelta(cur, base float64) string {
	if base == 0 {
		return ""
	}
	r := math.Round(100 * (cur - base) / base)
	switch {
	case r > 0:
		return fmt.Sprintf("+%.0f%%", r)
	case r < 0:
		return fmt.Sprintf("%.0f%%", r)
	}
	return "±0%"
}

// PointsDelta writes the change of a percentage in points: "+0.5",
// "-18.2", "±0".
func PointsDelta(cur, base float64) string {
	d := math.Round(10*(cur-base)) / 10
	switch {
	case d > 0:
		return fmt.Sprintf("+%.1f", d)
	case d < 0:
		return fmt.Sprintf("%.1f", d)
	}
	return "±0"
}

// WriteComparison writes the summary's section comparing a finished run,
// s, with a baseline: for the run and each route, the figures now and
// their change.
func WriteComparison(w io.Writer, s Snapshot, base Baseline) error {
	var b strings.Builder
	fmt.Fprintf(&b, "\nAgainst the baseline (%s):\n", base.Name)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "   route\treq/s\tok%\tp50\tp99")
	run, routes := RunFigures(s)
	row := func(name string, cur, old Figures, known bool) {
		if !known || old.N == 0 {
			fmt.Fprintf(tw, "   %s\t%.1f\t%.1f%%\t%s\t%s\t(not in the baseline)\n", name, cur.RPS, cur.OK, Dur(cur.P50), Dur(cur.P99))
			return
		}
		fmt.Fprintf(tw, "   %s\t%.1f (%s)\t%.1f%% (%s)\t%s (%s %s)\t%s (%s %s)\n", name,
			cur.RPS, RelDelta(cur.RPS, old.RPS), cur.OK, PointsDelta(cur.OK, old.OK),
			Dur(cur.P50), DurDelta(cur.P50, old.P50), RelDelta(float64(cur.P50), float64(old.P50)),
			Dur(cur.P99), DurDelta(cur.P99, old.P99), RelDelta(float64(cur.P99), float64(old.P99)))
	}
	row("all routes", run, base.Run, true)
	for _, e := range s.Endpoints {
		if e.Total == 0 {
			continue
		}
		old, ok := base.Routes[e.Route]
		row(e.Route, routes[e.Route], old, ok)
	}
	tw.Flush()
	_, err := io.WriteString(w, b.String())
	return err
}
