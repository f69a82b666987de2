package ui

import (
	"strings"

	"github.com/trafficgen/trafficgen/stats"
)

// flashPane is the feedback line: what the last key did, for a few
// seconds, or that the run has finished and what the keys do now.
type flashPane struct {
	st    *Styles
	w, h  int
	out   string
	text  string
	isErr bool
}

func (p *flashPane) setSize(w, h int) { p.w, p.h = w, h }
func (p *flashPane) view() string     { return p.out }

func (p *flashPane) set(text string, isErr bool) { p.text, p.isErr = text, isErr }

func (p *flashPane) render(*stats.Snapshot) {
	switch {
	case p.text == "":
		p.out = ""
	case p.isErr:
		p.out = wrapWords(p.st, &p.st.FlashErr, "▸ "+p.text, p.w)
	default:
		p.out = wrapWords(p.st, &p.st.Flash, "▸ "+p.text, p.w)
	}
}

// wrapWords is text in style st, cut at the last whole word that fits in
// w cells.
func wrapWords(s *Styles, st *lipglossStyle, text string, w int) string {
	if width(text) > w {
		words := strings.Fields(text)
		text = join(words, " ", w)
	}
	return s.wrap(st, text)
}

// helpPane is the key help: the presenter's keys and the mode keys by name
// on one line, or two when narrow; every key on ?.
type helpPane struct {
	st       *Styles
	w, h     int
	out      string
	keys     keyMap
	all      bool // ? shows every key
	finished bool // the run is over: r runs it again
	again    bool // and r can
	replay   bool // a recording plays: its keys
	drill    bool // a route's drill-down is open: its keys
}

func (p *helpPane) setSize(w, h int) { p.w, p.h = w, h }
func (p *helpPane) view() string     { return p.out }

// lines is how many lines the help takes at width w.
func (p *helpPane) lines(w int) int { return len(p.text(w)) }

func (p *helpPane) render(*stats.Snapshot) { p.out = strings.Join(p.text(p.w), "\n") }

// text is the help laid out for width w.
func (p *helpPane) text(w int) []string {
	if p.all {
		return p.full(w)
	}
	groups := p.keys.shortHelp()
	if p.replay {
		groups = replayHelp()
	}
	if p.finished {
		groups = p.keys.finishedHelp(p.again)
	}
	if p.drill {
		groups = p.keys.drillHelp()
	}
	st := p.st
	sep := st.wrap(&st.Help.ShortSeparator, " · ")
	parts := make([]string, len(groups))
	for i, g := range groups {
		items := make([]string, len(g))
		for j, it := range g {
			items[j] = p.item(it, &st.Help.ShortKey, &st.Help.ShortDesc)
		}
		parts[i] = strings.Join(items, " ")
	}
	return flow(parts, sep, w)
}

func (p *helpPane) item(it helpItem, k, d *lipglossStyle) string {
	if it.key == "" {
		return p.st.wrap(d, it.desc)
	}
	return p.st.wrap(k, it.key) + " " + p.st.wrap(d, it.desc)
}

// full lists every key in two columns when they fit, else in one.
func (p *helpPane) full(w int) []string {
	st := p.st
	items := p.keys.fullHelp()
	if p.replay {
		items = replayFullHelp()
	}
	kw, dw := 0, 0
	for _, it := range items {
		kw, dw = max(kw, width(it.key)), max(dw, width(it.desc))
	}
	colW := kw + 1 + dw
	cols := 1
	if 2*colW+3 <= w {
		cols = 2
	}
	rows := (len(items) + cols - 1) / cols
	lines := make([]string, rows)
	for i, it := range items {
		cell := st.wrap(&st.Help.FullKey, fit(it.key, kw)) + " " + st.wrap(&st.Help.FullDesc, it.desc)
		r := i % rows
		if i >= rows {
			lines[r] = fit(lines[r], colW) + "   " + cell
		} else {
			lines[r] = cell
		}
	}
	return lines
}
