package ui

import (
	"sort"
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/trafficgen/trafficgen/stats"
)

// codesPane shows responses by HTTP status and failures by kind, side by
// side, coloured by class, and under them why the most frequent kinds
// last failed, across the pane.
type codesPane struct {
	st   *Styles
	w, h int
	out  string
}

func (p *codesPane) setSize(w, h int) { p.w, p.h = w, h }
func (p *codesPane) view() string     { return p.out }

func (p *codesPane) render(s *stats.Snapshot) {
	st := p.st
	if s == nil || p.h < 2 {
		p.out = ""
		return
	}
	half := (p.w - gap) / 2
	rows := p.h - 1
	left := p.codes(s.StatusCodes, half, rows)
	right := p.kinds(s.ErrorKinds, s.Resent, p.w-half-gap, rows)
	colH := min(max(len(left), len(right)), rows)
	chk := checkLines(st, s, p.w, max(rows-colH, min(2, rows-2)))
	why := p.reasons(withoutChecks(s.ErrorKinds, len(chk) > 0), rows-colH-len(chk))
	if colH+len(chk)+len(why) > rows {
		colH = rows - len(chk) - len(why)
		left = p.codes(s.StatusCodes, half, colH)
		right = p.kinds(s.ErrorKinds, s.Resent, p.w-half-gap, colH)
	}
	lines := make([]string, 0, p.h)
	lines = append(lines, fit(st.wrap(&st.Heading, "STATUS CODES"), half)+strings.Repeat(" ", gap)+st.wrap(&st.Heading, "ERRORS BY KIND"))
	for i := 0; i < colH; i++ {
		var l, r string
		if i < len(left) {
			l = left[i]
		}
		if i < len(right) {
			r = right[i]
		}
		lines = append(lines, fit(l, half)+strings.Repeat(" ", gap)+r)
	}
	lines = append(lines, chk...)
	lines = append(lines, why...)
	p.out = strings.Join(lines, "\n")
}

// reasons are the lines under the columns saying why the most frequent
// kinds last failed, each wrapped across the pane, in the spare rows (or
// one taken from the columns when they have three or more). A reason
// longer than its rows keeps its end, where Go's messages say what went
// wrong ("…x509: certificate signed by unknown authority").
func (p *codesPane) reasons(kc []stats.KindCount, spare int) []string {
	st := p.st
	if spare < 1 && p.h-1 >= 3 {
		spare = 1
	}
	var out []string
	for _, k := range byCount(kc) {
		room := spare - len(out)
		if room < 1 {
			break
		}
		if k.Message == "" {
			continue
		}
		name := k.Kind.String()
		lines := wrapLines(name+strings.TrimPrefix(k.Reason(), name), p.w)
		if len(lines) > room {
			lines = lines[len(lines)-room:]
			lines[0] = "…" + strings.TrimLeft(keepRight(lines[0], p.w-1), " ")
		}
		for i, l := range lines {
			if i == 0 && strings.HasPrefix(l, name) {
				l = st.wrap(&st.Err, name) + st.wrap(&st.Subtle, l[len(name):])
			} else {
				l = st.wrap(&st.Subtle, l)
			}
			out = append(out, l)
		}
	}
	return out
}

// wrapLines breaks text into lines of at most w cells at spaces; a word
// longer than a line is cut.
func wrapLines(text string, w int) []string {
	var out []string
	line := ""
	for _, word := range strings.Fields(text) {
		for width(word) > w {
			if line != "" {
				out, line = append(out, line), ""
			}
			cut := ansi.Truncate(word, w, "")
			out, word = append(out, cut), word[len(cut):]
		}
		switch {
		case line == "":
			line = word
		case width(line)+1+width(word) <= w:
			line += " " + word
		default:
			out, line = append(out, line), word
		}
	}
	if line != "" {
		out = append(out, line)
	}
	return out
}

// keepRight keeps the last w cells of a plain line.
func keepRight(s string, w int) string {
	if d := width(s) - w; d > 0 {
		return ansi.TruncateLeft(s, d, "")
	}
	return s
}

// byCount is kc, most frequent first.
func byCount(kc []stats.KindCount) []stats.KindCount {
	out := append([]stats.KindCount(nil), kc...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	return out
}

func (p *codesPane) codes(cc []stats.CodeCount, w, rows int) []string {
	st := p.st
	if len(cc) == 0 {
		return []string{st.wrap(&st.Subtle, "none yet")}
	}
	show := cc
	if len(cc) > rows {
		// Keep the most frequent codes, still in code order.
		byCount := append([]stats.CodeCount(nil), cc...)
		sort.SliceStable(byCount, func(i, j int) bool { return byCount[i].Count > byCount[j].Count })
		show = byCount[:max(rows, 0)]
		sort.Slice(show, func(i, j int) bool { return show[i].Code < show[j].Code })
	}
	cw := 0
	for _, c := range show {
		cw = max(cw, width(fmtInt(c.Count)))
	}
	out := make([]string, 0, len(show))
	for _, c := range show {
		sty := &st.OK
		switch {
		case c.Code >= 500:
			sty = &st.Err
		case c.Code >= 400:
			sty = &st.Warn
		case c.Code >= 300:
			sty = &st.Accent
		}
		out = append(out, st.wrap(sty, strconv.Itoa(c.Code))+" "+st.wrap(&st.Value, fitRight(fmtInt(c.Count), min(cw, max(w-4, 1)))))
	}
	return out
}

// resentLabel names the requests the HTTP client sent again after their
// kept-alive connection died (not errors: the server may have seen them
// twice).
const resentLabel = "resent"

// kinds lists failures by kind and, when there are any, the resent
// requests last (in the warning colour: they are not failures).
func (p *codesPane) kinds(kc []stats.KindCount, resent int64, w, rows int) []string {
	st := p.st
	if len(kc) == 0 && resent == 0 {
		return []string{st.wrap(&st.OK, "no errors")}
	}
	kindRows := rows
	if resent > 0 {
		kindRows = max(rows-1, 0)
	}
	show := kc
	if len(kc) > kindRows {
		show = byCount(kc)[:kindRows]
	}
	nw, cw := 0, 0
	for _, k := range show {
		nw = max(nw, width(k.Kind.String()))
		cw = max(cw, width(fmtInt(k.Count)))
	}
	if resent > 0 {
		nw = max(nw, width(resentLabel))
		cw = max(cw, width(fmtInt(resent)))
	}
	nw = min(nw, max(w-cw-1, 4))
	out := make([]string, 0, len(show)+1)
	if len(kc) == 0 {
		out = append(out, st.wrap(&st.OK, "no errors"))
	}
	for _, k := range show {
		out = append(out, st.wrap(&st.Err, fit(k.Kind.String(), nw))+" "+st.wrap(&st.Value, fitRight(fmtInt(k.Count), cw)))
	}
	if resent > 0 {
		out = append(out, st.wrap(&st.Warn, fit(resentLabel, nw))+" "+st.wrap(&st.Value, fitRight(fmtInt(resent), cw)))
	}
	return out
}
