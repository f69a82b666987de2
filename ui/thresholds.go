package ui

import (
	"strings"

	"github.com/trafficgen/trafficgen/stats"
	"github.com/trafficgen/trafficgen/threshold"
)

// maxThresholdLines bounds the thresholds pane; what does not fit is
// counted ("+2 more").
const maxThresholdLines = 3

// thresholdsPane is the run's thresholds, evaluated on each snapshot:
// each one passing (✓), failing (✗) or waiting for a figure (…), with the
// figure, side by side in the order given on as few lines as the width
// allows. Each figure has a fixed width, so that the lines do not change
// as the figures do.
type thresholdsPane struct {
	st   *Styles
	run  *runState
	ths  []threshold.Threshold
	w, h int
	out  string
}

func (p *thresholdsPane) setSize(w, h int) { p.w, p.h = w, h }
func (p *thresholdsPane) view() string     { return p.out }

const thresholdsLabel = "THRESHOLDS "

// lines is how many lines the pane takes at width w: 0 without
// thresholds.
func (p *thresholdsPane) lines(w int) int {
	if len(p.ths) == 0 {
		return 0
	}
	return len(p.layOut(threshold.Evaluate(p.ths, &stats.Snapshot{}), w))
}

func (p *thresholdsPane) render(s *stats.Snapshot) {
	if len(p.ths) == 0 || p.h < 1 {
		p.out = ""
		return
	}
	if s == nil {
		s = &stats.Snapshot{}
	}
	st := p.st
	var out []string
	for i, line := range p.layOut(threshold.Evaluate(p.ths, s), p.w) {
		var b strings.Builder
		if i == 0 {
			b.WriteString(st.wrap(&st.Heading, strings.TrimSpace(thresholdsLabel)) + " ")
		} else {
			b.WriteString(strings.Repeat(" ", len(thresholdsLabel)))
		}
		for j, it := range line {
			if j > 0 {
				b.WriteString("   ")
			}
			b.WriteString(p.item(it))
		}
		out = append(out, b.String())
	}
	p.out = strings.Join(out[:min(len(out), p.h)], "\n")
}

// valueWidth is the width a figure is padded to: "100.00%", "1.24s".
const valueWidth = 7

// cell is one threshold as shown, or the count of those that did not
// fit and how many of them fail.
type cell struct {
	r            threshold.Result
	more, failed int
}

// text is the cell without colour: "✓ p99<300ms 42.5ms  ".
func (p *thresholdsPane) text(c cell) string {
	if c.more > 0 {
		t := "+" + fmtInt(int64(c.more)) + " more"
		if c.failed > 0 {
			t += ", " + fmtInt(int64(c.failed)) + " failing"
		}
		return t
	}
	return p.glyph(c.r) + " " + c.r.Expr + " " + p.value(c.r)
}

func (p *thresholdsPane) value(r threshold.Result) string {
	v := r.ValueText()
	return v + strings.Repeat(" ", max(valueWidth-width(v), 0))
}

func (p *thresholdsPane) glyph(r threshold.Result) string {
	switch r.Verdict(p.run.finished) {
	case "ok":
		return "✓"
	case "waiting":
		return "…"
	}
	return "✗"
}

func (p *thresholdsPane) item(c cell) string {
	st := p.st
	if c.more > 0 {
		return st.wrap(&st.Subtle, p.text(c))
	}
	sty := &st.Err
	switch p.glyph(c.r) {
	case "✓":
		sty = &st.OK
	case "…":
		sty = &st.Subtle
	}
	v := c.r.ValueText()
	return st.wrap(sty, p.glyph(c.r)+" "+c.r.Expr) + " " + st.wrap(&st.Value, v) + strings.Repeat(" ", max(valueWidth-width(v), 0))
}

// layOut puts the results on lines of width w, at most
// maxThresholdLines; the last line ends with how many did not fit.
func (p *thresholdsPane) layOut(rs []threshold.Result, w int) [][]cell {
	room := max(w-len(thresholdsLabel), 1)
	var lines [][]cell
	used := room
	for i, r := range rs {
		c := cell{r: r}
		cw := width(p.text(c))
		if used+3+cw > room {
			if len(lines) == maxThresholdLines {
				p.endWithMore(lines, rs[i:], room)
				break
			}
			lines, used = append(lines, nil), -3
		}
		lines[len(lines)-1] = append(lines[len(lines)-1], c)
		used += 3 + cw
	}
	return lines
}

// endWithMore ends the last line with how many of rest did not fit,
// taking off as many of its cells as that needs.
func (p *thresholdsPane) endWithMore(lines [][]cell, rest []threshold.Result, room int) {
	last := &lines[len(lines)-1]
	var more []threshold.Result
	for {
		more = append(more, rest...)
		rest = nil
		c := cell{more: len(more), failed: threshold.Failed(more) - waiting(more, p.run.finished)}
		used := 0
		for _, c := range *last {
			used += width(p.text(c)) + 3
		}
		if used+width(p.text(c)) <= room || len(*last) <= 1 {
			*last = append(*last, c)
			return
		}
		rest = []threshold.Result{(*last)[len(*last)-1].r}
		*last = (*last)[:len(*last)-1]
	}
}

// waiting counts the results of rs without a figure, which fail only at
// the end of a run.
func waiting(rs []threshold.Result, finished bool) int {
	if finished {
		return 0
	}
	n := 0
	for _, r := range rs {
		if !r.Known() {
			n++
		}
	}
	return n
}
