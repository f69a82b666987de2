package ui

import (
	"strings"
	"time"

	"github.com/trafficgen/trafficgen/stats"
)

// latencyChart shows p99 per second as an orange area and p50 as a heavy
// line across it, on a linear millisecond scale.
type latencyChart struct {
	st   *Styles
	w, h int
	out  string
}

func (c *latencyChart) setSize(w, h int) { c.w, c.h = w, h }
func (c *latencyChart) view() string     { return c.out }

func msLabel(v float64) string {
	if v == 0 {
		return "0"
	}
	return fmtLatency(time.Duration(v * float64(time.Millisecond)))
}

func (c *latencyChart) render(s *stats.Snapshot) {
	st := c.st
	if c.h < 3 || c.w < 12 {
		c.out = ""
		return
	}
	if s == nil {
		c.out = heading(st, "LATENCY", "", c.w)
		return
	}
	rows := c.h - 2
	pts := window(s.Series, c.w)
	var top float64
	for _, p := range pts {
		top = max(top, ms(p.P99), ms(p.P50))
	}
	top = niceCeil(top * 1.05)
	lw := labelWidth(top, rows, msLabel)
	plotW := c.w - lw - 1
	pts = window(pts, plotW)
	offset := plotW - len(pts)

	var b strings.Builder
	legend := st.P99.Render("█") + st.Subtle.Render(" p99 ") + st.Value.Render(fmtLatency(s.Recent.P99)) +
		"   " + st.P50.Render("━") + st.Subtle.Render(" p50 ") + st.Value.Render(fmtLatency(s.Recent.P50))
	b.WriteString(heading(st, "LATENCY", legend, c.w))
	line := runs{st: st}
	for ri := 0; ri < rows; ri++ {
		rr := rows - 1 - ri
		b.WriteByte('\n')
		line.add(nil, yAxis(st, ri, rows, lw, top, msLabel))
		for x := 0; x < offset; x++ {
			line.add(nil, " ")
		}
		for _, p := range pts {
			e99 := eighths(ms(p.P99), top, rows)
			e50 := eighths(ms(p.P50), top, rows)
			switch {
			case p.P50 > 0 && rr == max((e50-1)/8, 0):
				line.add(&st.P50, "━")
			case rr < e99/8:
				line.add(&st.P99, "█")
			case rr == e99/8 && e99%8 > 0:
				line.add(&st.P99, lowerEighths[e99%8])
			default:
				line.add(nil, " ")
			}
		}
		b.WriteString(line.String())
	}
	b.WriteByte('\n')
	b.WriteString(xAxis(st, pts, offset, plotW, lw, nil))
	c.out = b.String()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
