package ui

import "github.com/trafficgen/trafficgen/stats"

// pane is one rectangle of the dashboard. setSize is called on resize;
// render redraws the cached view from a snapshot (nil before the first
// one); view returns the cached text and must be cheap.
type pane interface {
	setSize(w, h int)
	render(s *stats.Snapshot)
	view() string
}

type paneID int

const (
	paneHeader paneID = iota
	paneTiles
	panePhase
	paneRPS
	paneLatency
	paneEndpoints
	paneJourneys
	paneCodes
	paneEvents
	paneFlash
	paneHelp
	numPanes
)

// The smallest terminal the dashboard draws in, and the sizes from which
// it spreads out into two columns (medium) and big numbers (rich).
const (
	minWidth, minHeight       = 60, 16
	mediumWidth, mediumHeight = 100, 30
	richWidth, richHeight     = 140, 42
	gap                       = 2 // columns between side-by-side panes
)

type slot struct {
	id   paneID
	w, h int
}

type row struct {
	h     int
	slots []slot
}

// layout is the arrangement for one terminal size: rows of panes, top to
// bottom, each row's panes side by side.
type layout struct {
	tooSmall bool
	rows     []row
}

func (l layout) slots() []slot {
	var out []slot
	for _, r := range l.rows {
		out = append(out, r.slots...)
	}
	return out
}

func (l layout) has(id paneID) bool {
	for _, r := range l.rows {
		for _, s := range r.slots {
			if s.id == id {
				return true
			}
		}
	}
	return false
}

// add appends a row whose panes share the width: the first takes leftW
// (the rest when it is the only one), the second what is left after the
// gap.
func (l *layout) add(h, w, leftW int, ids ...paneID) {
	if h <= 0 || len(ids) == 0 {
		return
	}
	r := row{h: h}
	if len(ids) == 1 {
		r.slots = []slot{{ids[0], w, h}}
	} else {
		r.slots = []slot{{ids[0], leftW, h}, {ids[1], w - leftW - gap, h}}
	}
	l.rows = append(l.rows, r)
}

// arrange lays the dashboard out for a w×h terminal with routes endpoint rows
// and helpH lines of help. The charts take what the fixed panes leave.
func arrange(w, h, routes, helpH int) layout {
	var l layout
	if w < minWidth || h < minHeight {
		l.tooSmall = true
		return l
	}
	tableH := routes + 2 // heading, column header, one line per route
	switch {
	case w >= richWidth && h >= richHeight:
		left := w * 3 / 5
		fixed := 1 + 4 + 2 + tableH + 1 + helpH
		rest := h - fixed
		eventsH := 6
		chartH := min(rest-eventsH, 20)
		if chartH < 8 {
			chartH, eventsH = 8, max(rest-8, 0)
		}
		eventsH = rest - chartH
		l.add(1, w, 0, paneHeader)
		l.add(4, w, 0, paneTiles)
		l.add(2, w, 0, panePhase)
		l.add(chartH, w, left, paneRPS, paneLatency)
		l.add(tableH, w, left, paneEndpoints, paneJourneys)
		if eventsH >= 3 {
			l.add(eventsH, w, left, paneEvents, paneCodes)
		}
	case w >= mediumWidth && h >= mediumHeight:
		left := w * 3 / 5
		fixed := 2 + 2 + 1 + helpH
		rest := h - fixed
		eventsH := 5
		tH := tableH
		chartH := rest - tH - eventsH
		if chartH < 8 {
			eventsH = 0
			chartH = rest - tH
		}
		if chartH < 8 {
			tH = max(rest-8, 5)
			chartH = rest - tH
		}
		if chartH > 18 {
			eventsH += chartH - 18
			chartH = 18
		}
		l.add(2, w, 0, paneHeader)
		l.add(2, w, 0, panePhase)
		l.add(chartH, w, left, paneRPS, paneLatency)
		l.add(tH, w, left, paneEndpoints, paneJourneys)
		if eventsH >= 3 {
			l.add(eventsH, w, left, paneEvents, paneCodes)
		}
	default:
		fixed := 2 + 1 + 1 + helpH
		rest := h - fixed
		tH := min(tableH-1, rest-6) // no heading line in compact tables
		chartH := rest - tH
		extra := 0
		if chartH > 12 {
			extra = chartH - 12
			chartH = 12
		}
		l.add(2, w, 0, paneHeader)
		l.add(1, w, 0, panePhase)
		l.add(chartH, w, 0, paneRPS)
		if tH >= 3 {
			l.add(tH, w, 0, paneEndpoints)
		}
		if extra >= 4 {
			half := (w - gap) / 2
			jH := min(extra, 7)
			l.add(jH, w, half, paneJourneys, paneCodes)
			extra -= jH
			if extra >= 3 {
				l.add(extra, w, 0, paneEvents)
				extra = 0
			}
		}
		if extra > 0 {
			l.rows[len(l.rows)-1].h += extra
			for i := range l.rows[len(l.rows)-1].slots {
				l.rows[len(l.rows)-1].slots[i].h += extra
			}
		}
	}
	l.add(1, w, 0, paneFlash)
	l.add(helpH, w, 0, paneHelp)
	return l
}
