package ui

import (
	"strings"

	"github.com/trafficgen/trafficgen/stats"
)

// eventsPane is the tail of the engine's event log, newest at the bottom,
// each entry with its wall-clock time and a coloured kind. With one line
// (the presenter layout's event line) it shows the newest entry alone.
type eventsPane struct {
	st   *Styles
	w, h int
	out  string
	line bool // one line, no heading
}

func (p *eventsPane) setSize(w, h int) { p.w, p.h = w, h }
func (p *eventsPane) view() string     { return p.out }

func (p *eventsPane) kindStyle(kind string) *lipglossStyle {
	st := p.st
	switch kind {
	case "spike":
		return &st.Spike
	case "fault", "error", "abort":
		return &st.Err
	case "pause", "resume", "hold", "reset":
		return &st.Warn
	case "mode", "phase", "rate", "users":
		return &st.Accent
	}
	return &st.Subtle
}

func (p *eventsPane) render(s *stats.Snapshot) {
	st := p.st
	if s == nil || p.h < 1 {
		p.out = ""
		return
	}
	ev := s.Run.Events
	if p.line {
		if len(ev) == 0 {
			p.out = st.wrap(&st.Subtle, "events show here: s fires a spike, f breaks the API")
			return
		}
		p.out = st.wrap(&st.Heading, "LAST EVENT ") + p.entry(ev[len(ev)-1])
		return
	}
	lines := []string{heading(st, "EVENTS", "", p.w)}
	room := p.h - 1
	if len(ev) > room {
		ev = ev[len(ev)-room:]
	}
	if len(ev) == 0 {
		lines = append(lines, st.wrap(&st.Subtle, "nothing yet: s fires a spike"))
	}
	for _, e := range ev {
		lines = append(lines, p.entry(e))
	}
	p.out = strings.Join(lines, "\n")
}

// entry is one event: time, kind, and as many of its words as fit.
func (p *eventsPane) entry(e stats.Event) string {
	st := p.st
	ts := e.Time.Format("15:04:05")
	if e.Time.IsZero() {
		ts = fmtClock(e.Elapsed)
	}
	head := st.wrap(&st.Subtle, ts) + " " + st.wrap(p.kindStyle(e.Kind), fit(e.Kind, 6)) + " "
	room := p.w - width(head)
	if p.line {
		room -= width("LAST EVENT ")
	}
	return head + wrapWords(st, &st.Text, e.Text, max(room, 0))
}
