package ui

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// fmtInt writes n with thousands separators: 12,345.
func fmtInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	if len(s) > 3 {
		var b strings.Builder
		lead := len(s) % 3
		if lead > 0 {
			b.WriteString(s[:lead])
		}
		for i := lead; i < len(s); i += 3 {
			if b.Len() > 0 {
				b.WriteByte(',')
			}
			b.WriteString(s[i : i+3])
		}
		s = b.String()
	}
	if neg {
		return "-" + s
	}
	return s
}

// fmtRate writes a rate with as many decimals as are worth reading.
func fmtRate(r float64) string {
	switch {
	case r <= 0:
		return "0"
	case r < 10:
		return strconv.FormatFloat(r, 'f', 1, 64)
	default:
		return fmtInt(int64(math.Round(r)))
	}
}

// fmtClock writes a run time as m:ss or h:mm:ss.
func fmtClock(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// fmtSpan writes a short length of time: 3s, 1m30s, 2m.
func fmtSpan(d time.Duration) string {
	s := int64(math.Round(d.Seconds()))
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s%60 == 0:
		return fmt.Sprintf("%dm", s/60)
	default:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	}
}

// fmtPct writes a percentage; 100 stays "100%", anything less keeps one
// decimal so 99.96 does not read as 100.
func fmtPct(p float64) string {
	if p >= 100 {
		return "100%"
	}
	v := math.Floor(p*10) / 10
	return strconv.FormatFloat(v, 'f', 1, 64) + "%"
}

// width is the number of terminal cells s takes (escape codes excluded).
func width(s string) int { return ansi.StringWidth(s) }

// fit makes one line exactly w cells: cut with an ellipsis when too
// long, padded with spaces when short.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	sw := width(s)
	if sw > w {
		s = ansi.Truncate(s, w, "…")
		sw = width(s)
	}
	if sw < w {
		s += strings.Repeat(" ", w-sw)
	}
	return s
}

// fitRight is fit with the text aligned to the right.
func fitRight(s string, w int) string {
	sw := width(s)
	if sw >= w {
		return fit(s, w)
	}
	return strings.Repeat(" ", w-sw) + s
}

// shaped cuts a pane's text to its slot and remembers the last lines it
// cut, so a redraw measures and pads only the lines that changed: a chart's
// canvas stays the same for the snapshots within a second, and measuring
// the width of its coloured lines is most of what cutting them costs.
type shaped struct {
	w, h     int
	raw, out []string
}

// block shapes text into exactly h lines of exactly w cells (each line
// fitted with fit, missing lines blank), reusing the lines that are as
// they were last time.
func (c *shaped) block(s string, w, h int) []string {
	if h <= 0 {
		return nil
	}
	if c.w != w || c.h != h {
		*c = shaped{w: w, h: h}
	}
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	out := make([]string, h)
	for i := range out {
		switch {
		case i >= len(lines):
			out[i] = strings.Repeat(" ", w)
		case i < len(c.raw) && c.raw[i] == lines[i]:
			out[i] = c.out[i]
		default:
			out[i] = fit(lines[i], w)
		}
	}
	c.raw, c.out = lines, out
	return out
}

// spread puts left and right on one line of w cells with space between;
// right is dropped when both do not fit.
func spread(left, right string, w int) string {
	lw, rw := width(left), width(right)
	if lw+1+rw > w {
		return fit(left, w)
	}
	return left + strings.Repeat(" ", w-lw-rw) + right
}

// join lays out parts separated by sep, keeping only whole parts that fit
// in w cells.
func join(parts []string, sep string, w int) string {
	var b strings.Builder
	used := 0
	sw := width(sep)
	for _, p := range parts {
		if p == "" {
			continue
		}
		pw := width(p)
		add := pw
		if used > 0 {
			add += sw
		}
		if used+add > w {
			break
		}
		if used > 0 {
			b.WriteString(sep)
		}
		b.WriteString(p)
		used += add
	}
	return b.String()
}

// heading renders a pane title with an optional legend to its right.
func heading(st *Styles, title, legend string, w int) string {
	return spread(st.wrap(&st.Heading, title), legend, w)
}

// runs builds a line of cells where neighbouring cells of one style are
// rendered together, so a chart row costs a few Render calls, not one per
// cell.
type runs struct {
	st    *Styles
	b     strings.Builder
	cur   *lipgloss.Style
	chunk strings.Builder
}

func (r *runs) add(st *lipgloss.Style, s string) {
	if st != r.cur {
		r.flush()
		r.cur = st
	}
	r.chunk.WriteString(s)
}

func (r *runs) flush() {
	if r.chunk.Len() == 0 {
		return
	}
	switch {
	case r.cur == nil:
		r.b.WriteString(r.chunk.String())
	case r.st != nil:
		r.b.WriteString(r.st.wrap(r.cur, r.chunk.String()))
	default:
		r.b.WriteString(r.cur.Render(r.chunk.String()))
	}
	r.chunk.Reset()
}

func (r *runs) String() string {
	r.flush()
	s := r.b.String()
	r.b.Reset()
	r.cur = nil
	return s
}

// lipglossStyle shortens signatures that hand styles around.
type lipglossStyle = lipgloss.Style

func itoa(n int) string { return strconv.Itoa(n) }

func sortFloats(v []float64) { sort.Float64s(v) }

func secs(n int64) time.Duration { return time.Duration(n) * time.Second }

// flow wraps parts into lines of at most w cells, separated by sep within
// a line; a part is never split.
func flow(parts []string, sep string, w int) []string {
	var lines []string
	var cur strings.Builder
	cw := 0
	for _, p := range parts {
		pw := width(p)
		if cw > 0 && cw+width(sep)+pw > w {
			lines = append(lines, cur.String())
			cur.Reset()
			cw = 0
		}
		if cw > 0 {
			cur.WriteString(sep)
			cw += width(sep)
		}
		cur.WriteString(p)
		cw += pw
	}
	if cw > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}
