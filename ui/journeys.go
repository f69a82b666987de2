package ui

import (
	"strings"

	"github.com/trafficgen/trafficgen/stats"
)

// journeysPane shows the closed-model virtual users as a funnel: the
// journeys started, how many reached each step in order (alternative steps,
// such as get-or-create the user, as one) and failed there, and how many
// completed; then their duration and the last failure reasons. When no
// journeys run it is one line.
type journeysPane struct {
	st   *Styles
	w, h int
	out  string
}

func (p *journeysPane) setSize(w, h int) { p.w, p.h = w, h }
func (p *journeysPane) view() string     { return p.out }

// funnelStep is one step of the funnel: a step, or alternatives merged.
type funnelStep struct {
	name            string
	reached, failed int64
	lastErr         string
}

// funnel merges each alternative step into the one before it, naming the
// two "get or create user" when their names share the last word.
func funnel(steps []stats.StepStats) []funnelStep {
	var out []funnelStep
	for _, sp := range steps {
		name := sp.Step
		if n := len(out); n > 0 && sp.Alt {
			f := &out[n-1]
			f.name = orName(f.name, name)
			f.reached += sp.Reached
			f.failed += sp.Failed
			if sp.LastError != "" {
				f.lastErr = sp.LastError
			}
			continue
		}
		out = append(out, funnelStep{name: name, reached: sp.Reached, failed: sp.Failed, lastErr: sp.LastError})
	}
	return out
}

// orName joins two alternatives: "get user", "create user" → "get or
// create user"; otherwise "a or b".
func orName(a, b string) string {
	as, bs := strings.Fields(a), strings.Fields(b)
	if len(as) > 1 && len(bs) > 1 && as[len(as)-1] == bs[len(bs)-1] {
		last := as[len(as)-1]
		return strings.Join(as[:len(as)-1], " ") + " or " + strings.Join(bs[:len(bs)-1], " ") + " " + last
	}
	return a + " or " + b
}

// journeyLines is how many lines the pane wants for s.
func journeyLines(s *stats.Snapshot) int {
	if s == nil || (s.Journeys.Started == 0 && s.Journeys.Users == 0) {
		return 2
	}
	return 4 + len(funnel(s.Journeys.Steps))
}

func (p *journeysPane) render(s *stats.Snapshot) {
	st := p.st
	if s == nil || p.h < 1 {
		p.out = ""
		return
	}
	j := s.Journeys
	if j.Started == 0 && j.Users == 0 {
		p.out = heading(st, "JOURNEYS", st.wrap(&st.Subtle, "none: ] adds a user"), p.w)
		return
	}
	right := st.wrap(&st.Value, fmtInt(int64(j.Users))) + st.wrap(&st.Subtle, " users · ") +
		st.wrap(&st.Value, fmtInt(j.InProgress)) + st.wrap(&st.Subtle, " running")
	lines := []string{heading(st, "JOURNEYS", right, p.w)}
	steps := funnel(j.Steps)
	rows := []funnelRow{{label: "started", n: j.Started}}
	for i, f := range steps {
		rows = append(rows, funnelRow{label: itoa(i+1) + " " + f.name, n: f.reached, failed: f.failed})
	}
	done := funnelRow{label: "✓ completed", n: j.Completed, ok: true}
	rows = append(rows, done)
	lines = append(lines, p.rows(rows, j.Started)...)
	extra := st.wrap(&st.Subtle, "declined ") + st.wrap(&st.Warn, fmtInt(j.Declined)) +
		st.wrap(&st.Subtle, " · p50 ") + st.wrap(&st.Value, stats.Dur(j.Duration.P50)) +
		st.wrap(&st.Subtle, " · p99 ") + st.wrap(&st.Value, stats.Dur(j.Duration.P99))
	lines = append(lines, extra)
	// The last failure reasons, while there is room.
	for _, f := range steps {
		if len(lines) >= p.h {
			break
		}
		if f.failed > 0 && f.lastErr != "" {
			lines = append(lines, st.wrap(&st.Err, "✗ ")+wrapWords(st, &st.Subtle, f.name+": "+f.lastErr, p.w-2))
		}
	}
	if len(lines) > p.h {
		lines = lines[:p.h]
	}
	p.out = strings.Join(lines, "\n")
}

// funnelRow is one line of the funnel.
type funnelRow struct {
	label     string
	n, failed int64
	ok        bool
}

// rows draws the funnel: each row's bar scaled to the journeys started, the
// part that failed at the step in the error colour.
func (p *journeysPane) rows(rows []funnelRow, top int64) []string {
	st := p.st
	nameW, countW, failW := 0, 0, 0
	for _, r := range rows {
		nameW = max(nameW, width(r.label))
		countW = max(countW, width(fmtInt(r.n)))
		failW = max(failW, width(fmtInt(r.failed)))
	}
	nameW = min(nameW, p.w/2)
	barW := p.w - nameW - countW - failW - 5
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		var b strings.Builder
		ls := &st.Text
		if r.ok {
			ls = &st.OK
		}
		b.WriteString(st.wrap(ls, fit(r.label, nameW)) + " ")
		if barW >= 4 {
			b.WriteString(funnelBar(st, r.n, r.failed, top, barW) + " ")
		}
		b.WriteString(st.wrap(&st.Value, fitRight(fmtInt(r.n), countW)))
		if r.failed > 0 {
			b.WriteString(st.wrap(&st.Err, " ✗"+fitRight(fmtInt(r.failed), failW)))
		}
		out = append(out, b.String())
	}
	return out
}

// funnelBar draws n journeys as a bar scaled to top: the part that went on
// in the success colour, the part that failed here in the error colour.
func funnelBar(st *Styles, n, failed, top int64, w int) string {
	if top <= 0 {
		return st.wrap(&st.Faint, strings.Repeat("░", w))
	}
	all := int((min(n, top)*int64(w) + top/2) / top)
	bad := 0
	if failed > 0 {
		bad = max(int((failed*int64(w)+top/2)/top), 1)
	}
	bad = min(bad, all)
	good := all - bad
	return st.wrap(&st.BarOK, strings.Repeat("█", good)) + st.wrap(&st.BarErr, strings.Repeat(st.ErrGlyph, bad)) +
		st.wrap(&st.Faint, strings.Repeat("░", w-all))
}
