package ui

import (
	"math"
	"strings"

	"github.com/trafficgen/trafficgen/stats"
)

// The charts are column charts drawn straight from the snapshot's
// per-second series: one terminal column per second, newest on the right,
// heights in eighths of a cell. They are redrawn only when a snapshot
// arrives or the pane is resized; View just reuses the text.

// lowerEighths are blocks filled from the bottom, by eighths.
var lowerEighths = []string{" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"}

// niceCeil rounds v up to 1, 2, 2.5 or 5 times a power of ten, so axis
// labels are round numbers.
func niceCeil(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if v <= m*p*1.0000001 {
			return m * p
		}
	}
	return 10 * p
}

// eighths converts v on a 0..top scale into eighths of rows cells.
func eighths(v, top float64, rows int) int {
	if v <= 0 || top <= 0 {
		return 0
	}
	e := int(math.Round(v / top * float64(rows*8)))
	return min(e, rows*8)
}

// window is the part of the series that fits w columns, newest last.
func window(pts []stats.Point, w int) []stats.Point {
	if len(pts) > w {
		return pts[len(pts)-w:]
	}
	return pts
}

// yAxis writes the label column and axis for plot row ri (0 = top) of
// rows: labels on the top, middle and bottom rows.
func yAxis(st *Styles, ri, rows, lw int, top float64, label func(float64) string) string {
	var txt string
	mid := rows / 2
	switch {
	case ri == 0:
		txt = label(top)
	case ri == rows-1:
		txt = label(0)
	case ri == mid && rows >= 5:
		txt = label(top * float64(rows-mid) / float64(rows))
	}
	if txt != "" {
		return st.wrap(&st.Subtle, fitRight(txt, lw)) + st.wrap(&st.Faint, "┤")
	}
	return strings.Repeat(" ", lw) + st.wrap(&st.Faint, "│")
}

// labelWidth is the widest of the y labels.
func labelWidth(top float64, rows int, label func(float64) string) int {
	w := max(width(label(top)), width(label(0)))
	if rows >= 5 {
		w = max(w, width(label(top*float64(rows-rows/2)/float64(rows))))
	}
	return w
}

// xAxis is the bottom line: ticks back in time from the newest second,
// and spike seconds marked heavy.
func xAxis(st *Styles, pts []stats.Point, offset, plotW, lw int, spike []bool) string {
	cells := make([]string, plotW)
	styles := make([]*lipglossStyle, plotW)
	for x := range cells {
		cells[x], styles[x] = "─", &st.Faint
		if i := x - offset; i >= 0 && i < len(spike) && spike[i] {
			cells[x], styles[x] = "━", &st.Spike
		}
	}
	if len(pts) > 0 {
		last := pts[len(pts)-1].Second
		step := int64(30)
		if plotW > 150 {
			step = 60
		}
		// Labels are placed right to left so the newest win collisions.
		free := plotW
		for x := plotW - 1; x >= 0; x-- {
			i := x - offset
			var age int64
			if i >= 0 {
				age = last - pts[i].Second
			} else {
				age = last - pts[0].Second - int64(i)
			}
			if age <= 0 || age%step != 0 {
				continue
			}
			lbl := "-" + fmtSpan(secs(age))
			end := x + width(lbl)
			if end >= free || end > plotW {
				continue
			}
			for j, r := range []rune(lbl) {
				cells[x+j], styles[x+j] = string(r), &st.Subtle
			}
			free = x
		}
	}
	out := runs{st: st}
	out.add(nil, strings.Repeat(" ", lw))
	out.add(&st.Faint, "└")
	for x := range cells {
		out.add(styles[x], cells[x])
	}
	return out.String()
}

// spikeSeconds marks the seconds whose target rate stands well above the
// base rate: live spikes, spike-mode bursts, the demo's spike phase. With
// no base rate known it compares with the window's median target.
func spikeSeconds(pts []stats.Point, base float64, dst []bool) []bool {
	dst = dst[:0]
	if len(pts) == 0 {
		return dst
	}
	ref := base
	if ref <= 0 {
		tg := make([]float64, 0, len(pts))
		for _, p := range pts {
			tg = append(tg, p.Target)
		}
		ref = median(tg)
	}
	for _, p := range pts {
		dst = append(dst, ref > 0 && p.Target > 1.6*ref)
	}
	return dst
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	c := append([]float64(nil), v...)
	// Insertion sort would do for short series; sort.Float64s is clearer.
	sortFloats(c)
	return c[len(c)/2]
}
