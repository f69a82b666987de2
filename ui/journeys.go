package ui

import (
	"strings"

	"github.com/trafficgen/trafficgen/stats"
)

// journeysPane summarises the closed-model virtual users: counts, a
// funnel of the steps (how many journeys reached each, how many failed
// there) and journey duration percentiles.
type journeysPane struct {
	st   *Styles
	w, h int
	out  string
}

func (p *journeysPane) setSize(w, h int) { p.w, p.h = w, h }
func (p *journeysPane) view() string     { return p.out }

func (p *journeysPane) render(s *stats.Snapshot) {
	st := p.st
	if s == nil || p.h < 1 {
		p.out = ""
		return
	}
	j := s.Journeys
	users := st.wrap(&st.Value, fmtInt(int64(j.Users))) + st.wrap(&st.Subtle, " users")
	lines := []string{heading(st, "JOURNEYS", users, p.w)}
	if j.Started == 0 && len(j.Steps) == 0 {
		msg := "no journeys yet"
		if j.Users == 0 {
			msg = "no journey users: ] adds one"
		}
		lines = append(lines, st.wrap(&st.Subtle, msg))
		p.out = strings.Join(lines, "\n")
		return
	}
	kv := func(k string, v int64, vs *lipglossStyle) string {
		return st.wrap(&st.Subtle, k+" ") + st.wrap(vs, fmtInt(v))
	}
	counts := []string{
		kv("started", j.Started, &st.Value),
		kv("running", j.InProgress, &st.Value),
		kv("completed", j.Completed, &st.OK),
		kv("declined", j.Declined, &st.Warn),
		kv("failed", j.Failed, countStyle(st, j.Failed, &st.Err)),
	}
	lines = append(lines, flow(counts, "  ", p.w)...)

	// The funnel.
	names := make([]string, len(j.Steps))
	multi := false
	for i, sp := range j.Steps {
		multi = multi || sp.Journey != j.Steps[0].Journey
		names[i] = sp.Step
	}
	nameW, countW, failW := 0, 0, 0
	var top int64
	for i, sp := range j.Steps {
		if multi {
			names[i] = sp.Journey + "/" + sp.Step
		}
		nameW = max(nameW, width(names[i]))
		countW = max(countW, width(fmtInt(sp.Reached)))
		failW = max(failW, width(fmtInt(sp.Failed)))
		top = max(top, sp.Reached)
	}
	nameW = min(nameW, p.w/3)
	barW := p.w - nameW - countW - failW - 6
	var funnel []string
	for i, sp := range j.Steps {
		var b strings.Builder
		b.WriteString(st.wrap(&st.Text, fit(names[i], nameW)) + " ")
		if barW >= 4 {
			b.WriteString(funnelBar(st, sp.Reached, sp.Failed, top, barW) + " ")
		}
		b.WriteString(st.wrap(&st.Value, fitRight(fmtInt(sp.Reached), countW)))
		fs := &st.Faint
		if sp.Failed > 0 {
			fs = &st.Err
		}
		b.WriteString(st.wrap(fs, " ✗"+fitRight(fmtInt(sp.Failed), failW)))
		funnel = append(funnel, b.String())
	}
	lines = append(lines, funnel...)
	d := j.Duration
	dur := st.wrap(&st.Subtle, "duration p50 ") + st.wrap(&st.Value, fmtLatency(d.P50)) +
		st.wrap(&st.Subtle, "  p99 ") + st.wrap(&st.Value, fmtLatency(d.P99))
	lines = append(lines, dur)
	// The last failure reasons, while there is room.
	for i, sp := range j.Steps {
		if len(lines) >= p.h {
			break
		}
		if sp.Failed > 0 && sp.LastError != "" {
			lines = append(lines, st.wrap(&st.Err, "✗ ")+st.wrap(&st.Subtle, names[i]+": "+sp.LastError))
		}
	}
	if len(lines) > p.h && p.h >= 2 {
		lines = lines[:p.h]
	}
	p.out = strings.Join(lines, "\n")
}

// funnelBar draws reached journeys as a bar scaled to the first step: the
// part that went on in green, the part that failed here in red.
func funnelBar(st *Styles, reached, failed, top int64, w int) string {
	if top <= 0 {
		return st.wrap(&st.Faint, strings.Repeat("░", w))
	}
	all := int((reached*int64(w) + top/2) / top)
	bad := 0
	if failed > 0 {
		bad = max(int((failed*int64(w)+top/2)/top), 1)
	}
	bad = min(bad, all)
	good := all - bad
	return st.wrap(&st.BarOK, strings.Repeat("█", good)) + st.wrap(&st.BarErr, strings.Repeat(st.ErrGlyph, bad)) +
		st.wrap(&st.Faint, strings.Repeat("░", w-all))
}

// flow wraps parts into lines of at most w cells.
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
