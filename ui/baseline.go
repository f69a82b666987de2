package ui

import (
	"time"

	"github.com/trafficgen/trafficgen/stats"
)

// A baseline (b, or --baseline) is figures to compare with: the table and
// the headline show each figure's change from it, in the OK colour when
// it is better, the error colour when worse, and subtle within the noise.

// change is how a figure moved from the baseline.
type change int

const (
	same change = iota
	better
	worse
)

// Within these a figure has not changed: latency within a tenth (or a
// millisecond), a success rate within half a point.
const (
	latencyNoise = 0.1
	latencyFloor = time.Millisecond
	okNoise      = 0.5
)

func latencyChange(cur, base time.Duration) change {
	d := cur - base
	switch {
	case d > latencyFloor && float64(d) > latencyNoise*float64(base):
		return worse
	case -d > latencyFloor && float64(-d) > latencyNoise*float64(base):
		return better
	}
	return same
}

func okChange(cur, base float64) change {
	switch {
	case cur < base-okNoise:
		return worse
	case cur > base+okNoise:
		return better
	}
	return same
}

// judged is the style of a change.
func (s *Styles) judged(c change) *lipglossStyle {
	switch c {
	case better:
		return &s.OK
	case worse:
		return &s.Err
	}
	return &s.Subtle
}

// latDelta is the cell of a latency's change from the baseline.
func latDelta(c *cellIn, pick func(*stats.Figures) time.Duration) (string, *lipglossStyle) {
	if c.base == nil || c.base.N == 0 || c.f.N == 0 || pick(c.base) <= 0 || pick(&c.f) <= 0 {
		return "", nil
	}
	cur, base := pick(&c.f), pick(c.base)
	return stats.DurDelta(cur, base), c.st.judged(latencyChange(cur, base))
}

// figuresNow is what b keeps: each route's figures as its row shows them,
// and the headline's.
func figuresNow(s *stats.Snapshot, h *routeHistory) stats.Baseline {
	b := stats.Baseline{Name: "b at " + fmtClock(s.Elapsed), Run: headlineFigures(s), Routes: map[string]stats.Figures{}}
	for i := range s.Endpoints {
		e := &s.Endpoints[i]
		lat := shownLatency(e)
		ok, n := h.shownSuccess(e, i)
		b.Routes[e.Route] = stats.Figures{RPS: e.CurrentRPS, OK: ok, P50: lat.P50, P99: lat.P99, N: n}
	}
	return b
}

// headlineFigures is the run's figures as the headline shows them: the
// live rate, the success rate and latency of the last 10 seconds.
func headlineFigures(s *stats.Snapshot) stats.Figures {
	f := stats.Figures{RPS: s.Live.RPS(), P50: s.Recent.P50, P99: s.Recent.P99}
	f.OK, f.N = recentSuccess(s, 10)
	if f.N == 0 {
		f.OK, f.N = s.SuccessRate(), s.Total
	}
	return f
}

// p99Delta is " (+340ms)" after the headline's p99, in its change's
// colour; "" without a baseline.
func p99Delta(st *Styles, b *stats.Baseline, cur time.Duration) string {
	if b == nil || b.Run.N == 0 || b.Run.P99 <= 0 || cur <= 0 {
		return ""
	}
	return st.wrap(st.judged(latencyChange(cur, b.Run.P99)), " ("+stats.DurDelta(cur, b.Run.P99)+")")
}

// okDelta is " (-7.9)" after the headline's success rate.
func okDelta(st *Styles, b *stats.Baseline, cur float64) string {
	if b == nil || b.Run.N == 0 {
		return ""
	}
	return st.wrap(st.judged(okChange(cur, b.Run.OK)), " ("+stats.PointsDelta(cur, b.Run.OK)+")")
}
