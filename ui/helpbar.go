package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/help"

	"github.com/trafficgen/trafficgen/stats"
)

// flashPane is the feedback line: what the last key did, for a few
// seconds, or that the run is over.
type flashPane struct {
	st    *Styles
	w, h  int
	out   string
	text  string
	isErr bool
	done  bool
}

func (p *flashPane) setSize(w, h int) { p.w, p.h = w, h }
func (p *flashPane) view() string     { return p.out }

func (p *flashPane) set(text string, isErr, done bool) {
	p.text, p.isErr, p.done = text, isErr, done
}

func (p *flashPane) render(*stats.Snapshot) {
	switch {
	case p.text == "":
		p.out = ""
	case p.isErr:
		p.out = p.st.wrap(&p.st.FlashErr, "▸ "+p.text)
	default:
		p.out = p.st.wrap(&p.st.Flash, "▸ "+p.text)
	}
}

// helpPane is the key help: one line always, every key on ?.
type helpPane struct {
	st    *Styles
	w, h  int
	out   string
	model help.Model
	keys  keyMap
	drawn helpKey // what out was drawn for; the keys never change
}

type helpKey struct {
	ok, all bool
	w       int
}

func (p *helpPane) setSize(w, h int) { p.w, p.h = w, h }
func (p *helpPane) view() string     { return p.out }

// lines is how many lines the help needs in its current state.
func (p *helpPane) lines() int {
	if !p.model.ShowAll {
		return 1
	}
	return strings.Count(p.model.View(p.keys), "\n") + 1
}

// render draws the help only when the width or ? changed: it is the same
// text on every snapshot.
func (p *helpPane) render(*stats.Snapshot) {
	k := helpKey{ok: true, all: p.model.ShowAll, w: p.w}
	if k == p.drawn {
		return
	}
	p.model.Width = p.w
	p.out = p.model.View(p.keys)
	p.drawn = k
}
