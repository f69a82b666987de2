package ui

import (
	"strings"

	"github.com/trafficgen/trafficgen/stats"
)

// eventsPane is the tail of the engine's event log, newest at the bottom,
// each entry with its wall-clock time and a coloured kind.
type eventsPane struct {
	st   *Styles
	w, h int
	out  string
}

func (p *eventsPane) setSize(w, h int) { p.w, p.h = w, h }
func (p *eventsPane) view() string     { return p.out }

func (p *eventsPane) kindStyle(kind string) *lipglossStyle {
	st := p.st
	switch kind {
	case "spike":
		return &st.Spike
	case "fault", "error":
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
	lines := []string{heading(st, "EVENTS", "", p.w)}
	ev := s.Run.Events
	room := p.h - 1
	if len(ev) > room {
		ev = ev[len(ev)-room:]
	}
	if len(ev) == 0 {
		lines = append(lines, st.wrap(&st.Subtle, "nothing yet: s fires a spike"))
	}
	for _, e := range ev {
		ts := e.Time.Format("15:04:05")
		if e.Time.IsZero() {
			ts = fmtClock(e.Elapsed)
		}
		lines = append(lines, st.wrap(&st.Subtle, ts)+" "+st.wrap(p.kindStyle(e.Kind), fit(e.Kind, 6))+" "+st.wrap(&st.Text, e.Text))
	}
	p.out = strings.Join(lines, "\n")
}
