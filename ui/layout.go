package ui

import (
	"slices"

	"github.com/trafficgen/trafficgen/stats"
)

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
	paneEventLine
	paneFlash
	paneHelp
	paneTimeline
	paneThresholds
	paneDrill
	numPanes
)

// viewKind is one of the two layouts the v key switches between.
type viewKind int

const (
	// viewDetailed shows every pane that fits: charts, the endpoint
	// table, journeys, codes, events.
	viewDetailed viewKind = iota
	// viewPresenter shows what reads from the back of a room: big numbers,
	// a large chart and the last event.
	viewPresenter
)

// The smallest terminal the dashboard draws in, the width from which panes
// sit side by side, and the sizes from which the detailed layout shows big
// numbers.
const (
	minWidth, minHeight     = 60, 16
	twoColumns              = 100
	richWidth, richHeight   = 140, 42
	tallTiles               = 7  // tiles with the large font: heading and 6 rows
	shortTiles              = 4  // tiles with the small font: heading and 3 rows
	chartMin                = 10 // heading, 8 rows of plot, the time axis
	latencyMin              = 8
	eventsMin               = 4
	gap                     = 2 // columns between side-by-side panes
	bigFontWidth, bigFontH  = 200, 60
	presenterLatencyAtWidth = 140
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
	for _, s := range l.slots() {
		if s.id == id {
			return true
		}
	}
	return false
}

// layoutIn is what a layout depends on besides the terminal's size.
type layoutIn struct {
	kind       viewKind
	routes     int // rows of the endpoint table
	journeys   int // lines the journeys pane wants
	helpH      int // lines of help
	thresholds int // lines of thresholds (0: none)
	replay     bool
	drill      bool
}

// block is a row the layout may place: its panes side by side (the first
// takes leftW of the width when there are two), its height, and the
// order in which blocks are dropped when the terminal is short (required
// blocks are never dropped; the lower prio goes in first).
type block struct {
	ids      []paneID
	leftW    int
	h, max   int // max > h: the block grows into spare rows, up to max
	prio     int
	required bool
	grow     int // which spare rows it takes: 1 first, then 2
}

// arrange lays the dashboard out for a w×h terminal. Whole blocks are
// dropped, least important first, until the rest fit with the RPS chart
// at its minimum; the spare rows then go to the chart (up to its cap) and
// the event log, and the rest to the chart again.
func arrange(w, h int, in layoutIn) layout {
	if w < minWidth || h < minHeight {
		return layout{tooSmall: true}
	}
	var blocks []block
	switch {
	case in.drill:
		blocks = drillBlocks(in)
	case in.kind == viewPresenter:
		blocks = presenterBlocks(w, h, in)
	default:
		blocks = detailedBlocks(w, h, in)
	}
	if in.replay {
		blocks = withTimeline(blocks, h)
	}
	// Fit: the required blocks, then the optional ones by priority.
	used := 0
	for _, b := range blocks {
		if b.required {
			used += b.h
		}
	}
	if used > h {
		return layout{tooSmall: true}
	}
	keep := make([]bool, len(blocks))
	order := make([]int, 0, len(blocks))
	for i, b := range blocks {
		keep[i] = b.required
		if !b.required {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return blocks[a].prio - blocks[b].prio })
	for _, i := range order {
		if used+blocks[i].h <= h {
			keep[i] = true
			used += blocks[i].h
		}
	}
	// Grow: first-round blocks up to their max, then second-round ones;
	// what is left goes to the first block that grows at all.
	spare := h - used
	for round := 1; round <= 2 && spare > 0; round++ {
		for i := range blocks {
			if keep[i] && blocks[i].grow == round && blocks[i].max > blocks[i].h {
				add := min(spare, blocks[i].max-blocks[i].h)
				blocks[i].h += add
				spare -= add
			}
		}
	}
	for i := range blocks {
		if spare > 0 && keep[i] && blocks[i].grow == 1 {
			blocks[i].h += spare
			spare = 0
		}
	}
	var l layout
	for i, b := range blocks {
		if keep[i] {
			l.add(b, w)
		}
	}
	return l
}

// add appends b as a row of width w.
func (l *layout) add(b block, w int) {
	r := row{h: b.h}
	if len(b.ids) == 1 {
		r.slots = []slot{{b.ids[0], w, b.h}}
	} else {
		r.slots = []slot{{b.ids[0], b.leftW, b.h}, {b.ids[1], w - b.leftW - gap, b.h}}
	}
	l.rows = append(l.rows, r)
}

// chartCap is how tall the charts grow in the detailed layout before the
// event log gets the rest.
func chartCap(h int) int { return max(16, h*45/100) }

func tilesHeight(w, h int) int {
	if w >= bigFontWidth && h >= bigFontH {
		return tallTiles
	}
	return shortTiles
}

// detailedBlocks is the detailed layout: every pane, side by side from
// twoColumns wide, with big numbers on large screens.
func detailedBlocks(w, h int, in layoutIn) []block {
	var bs []block
	if w >= richWidth && h >= richHeight { // the numbers big
		bs = append(bs, block{ids: []paneID{paneHeader}, h: 1, required: true},
			block{ids: []paneID{paneTiles}, h: tilesHeight(w, h), required: true})
	} else {
		bs = append(bs, block{ids: []paneID{paneHeader}, h: 2, required: true})
	}
	bs = append(bs, thresholdBlocks(in)...)
	phaseH := 1
	if h >= 30 {
		phaseH = 2
	}
	bs = append(bs, block{ids: []paneID{panePhase}, h: phaseH, prio: 1})
	tableH := in.routes + 2 // heading, column header, a line per route
	if w >= twoColumns {
		left := w * 3 / 5
		bs = append(bs,
			block{ids: []paneID{paneRPS, paneLatency}, leftW: left, h: chartMin, max: chartCap(h), required: true, grow: 1},
			block{ids: []paneID{paneEndpoints, paneJourneys}, leftW: left, h: max(tableH, min(in.journeys, tableH+4)), prio: 2},
			block{ids: []paneID{paneEvents, paneCodes}, leftW: left, h: eventsMin, max: h, prio: 3, grow: 2},
		)
	} else {
		half := (w - gap) / 2
		bs = append(bs,
			block{ids: []paneID{paneRPS}, h: chartMin, max: chartCap(h), required: true, grow: 1},
			block{ids: []paneID{paneEndpoints}, h: tableH, prio: 2},
			block{ids: []paneID{paneLatency}, h: latencyMin, max: chartCap(h) * 2 / 3, prio: 3, grow: 2},
			block{ids: []paneID{paneJourneys, paneCodes}, leftW: half, h: max(in.journeys, 5), prio: 4},
			block{ids: []paneID{paneEvents}, h: eventsMin, max: h, prio: 5, grow: 2},
		)
	}
	return append(bs,
		block{ids: []paneID{paneFlash}, h: 1, required: true},
		block{ids: []paneID{paneHelp}, h: in.helpH, required: true},
	)
}

// thresholdBlocks is the line (or lines) of thresholds under the
// numbers, when the run has any: the first block a terminal makes room
// for after the required ones.
func thresholdBlocks(in layoutIn) []block {
	if in.thresholds == 0 {
		return nil
	}
	return []block{{ids: []paneID{paneThresholds}, h: in.thresholds, prio: 0}}
}

// presenterBlocks is the presenter layout: the headline line, big numbers,
// the phase, a large chart (with the latency beside it on wide screens)
// and the last event.
func presenterBlocks(w, h int, in layoutIn) []block {
	chart := block{ids: []paneID{paneRPS}, h: chartMin, max: h, required: true, grow: 1}
	if w >= presenterLatencyAtWidth {
		chart.ids, chart.leftW = []paneID{paneRPS, paneLatency}, w*65/100
	}
	// The big numbers, or where they do not fit, the header's line of
	// numbers.
	numbers := []block{{ids: []paneID{paneHeader}, h: 2, required: true}}
	if tilesH := tilesHeight(w, h); 1+tilesH+chartMin+1+in.helpH <= h {
		numbers = []block{{ids: []paneID{paneHeader}, h: 1, required: true}, {ids: []paneID{paneTiles}, h: tilesH, required: true}}
	}
	numbers = append(numbers, thresholdBlocks(in)...)
	return append(numbers, []block{
		{ids: []paneID{panePhase}, h: 1, prio: 2},
		chart,
		{ids: []paneID{paneEventLine}, h: 1, prio: 3},
		{ids: []paneID{paneFlash}, h: 1, required: true},
		{ids: []paneID{paneHelp}, h: in.helpH, required: true},
	}...)
}

// drillMin is the fewest rows a drill-down is drawn in.
const drillMin = 10

// drillBlocks is the layout while a route's drill-down is open: the
// header, the thresholds, the drill-down in every spare row, the feedback
// line and the help.
func drillBlocks(in layoutIn) []block {
	bs := []block{{ids: []paneID{paneHeader}, h: 2, required: true}}
	bs = append(bs, thresholdBlocks(in)...)
	return append(bs,
		block{ids: []paneID{paneDrill}, h: drillMin, max: 1 << 16, required: true, grow: 1},
		block{ids: []paneID{paneFlash}, h: 1, required: true},
		block{ids: []paneID{paneHelp}, h: in.helpH, required: true},
	)
}
