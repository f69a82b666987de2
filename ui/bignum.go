package ui

import (
	"slices"
	"strings"

	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/stats"
)

// bigGlyphs is a three-row block font for the headline numbers, readable
// from the back of a room. Digits are three cells wide; punctuation one.
var bigGlyphs = map[rune][3]string{
	'0': {"█▀█", "█ █", "▀▀▀"},
	'1': {"▀█ ", " █ ", "▀▀▀"},
	'2': {"▀▀█", "█▀▀", "▀▀▀"},
	'3': {"▀▀█", " ▀█", "▀▀▀"},
	'4': {"█ █", "▀▀█", "  ▀"},
	'5': {"█▀▀", "▀▀█", "▀▀▀"},
	'6': {"█▀▀", "█▀█", "▀▀▀"},
	'7': {"▀▀█", "  █", "  ▀"},
	'8': {"█▀█", "█▀█", "▀▀▀"},
	'9': {"█▀█", "▀▀█", "▀▀▀"},
	'.': {" ", " ", "▀"},
	',': {" ", " ", "▜"},
	'–': {"   ", "▀▀▀", "   "},
	'-': {"   ", "▀▀▀", "   "},
}

// bigText renders s in the block font in rows rows: 3, or 6 for the large
// font, which is the small one with every half-cell a whole cell, twice as
// wide. One space goes between glyphs; runes without a glyph are skipped.
func bigText(s string, rows int) []string {
	out := make([]strings.Builder, rows)
	first := true
	for _, r := range s {
		g, ok := bigGlyphs[r]
		if !ok {
			continue
		}
		lines := g[:]
		if rows == 6 {
			lines = doubled(g)
		}
		for i := range out {
			if !first {
				out[i].WriteString(strings.Repeat(" ", rows/3))
			}
			out[i].WriteString(lines[i])
		}
		first = false
	}
	res := make([]string, rows)
	for i := range out {
		res[i] = out[i].String()
	}
	return res
}

// doubled is a three-row glyph at twice its size: each cell's top and
// bottom halves become whole cells, each two cells wide.
func doubled(g [3]string) []string {
	out := make([]string, 0, 6)
	for _, line := range g {
		var top, bottom strings.Builder
		for _, c := range line {
			t, b := "  ", "  "
			switch c {
			case '█':
				t, b = "██", "██"
			case '▀':
				t = "██"
			case '▄':
				b = "██"
			case '▜':
				t, b = "██", " █"
			}
			top.WriteString(t)
			bottom.WriteString(b)
		}
		out = append(out, top.String(), bottom.String())
	}
	return out
}

// splitUnit splits "240ms" into "240" and "ms".
func splitUnit(s string) (num, unit string) {
	i := strings.IndexFunc(s, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r == '.' || r == ',' || r == '-' || r == '–')
	})
	if i < 0 {
		return s, ""
	}
	return s[:i], s[i:]
}

// tilesPane is the row of big numbers: the live rate, the live error rate,
// p99 and success over the last 10 s (and in flight, when wide); once the
// run has finished, the run's own figures.
type tilesPane struct {
	st   *Styles
	run  *runState
	w, h int
	out  string
}

func (p *tilesPane) setSize(w, h int) { p.w, p.h = w, h }
func (p *tilesPane) view() string     { return p.out }

type tile struct {
	label, note string
	value, unit string
	style       *lipglossStyle
}

func (p *tilesPane) render(s *stats.Snapshot) {
	if s == nil || p.h < 2 {
		p.out = ""
		return
	}
	tiles := p.live(s)
	if p.run.finished {
		tiles = p.final(s)
	}
	if p.w < 150 {
		tiles = tiles[:4]
	}
	rows := 3
	if p.h >= tallTiles {
		rows = 6
	}
	p.out = p.draw(tiles, rows)
}

func (p *tilesPane) live(s *stats.Snapshot) []tile {
	st := p.st
	r := s.Run
	rate := tile{label: "REQ/S NOW", value: fmtRate(s.Live.RPS()), style: &st.Big, note: targetNote(s)}
	if r.Spiking || (r.Mode == plan.ModeSpike.String() && r.NextSpike == 0 && !r.Paused) {
		rate.style = &st.Spike
	}
	errs := tile{label: "ERRORS/S NOW", value: fmtRate(s.Live.ErrorRPS()), style: countStyle(st, s.Live.Errors, &st.Err),
		note: "total " + fmtInt(s.Errors)}
	lat := tile{label: "P99 10S", style: &st.P99, note: "p50 " + stats.Dur(s.Recent.P50)}
	lat.value, lat.unit = splitUnit(stats.Dur(s.Recent.P99))
	ok := tile{label: "SUCCESS 10S", value: "-", style: &st.Subtle, note: "run " + fmtPct(s.SuccessRate())}
	if pct, n := recentSuccess(s, 10); n > 0 {
		ok.value, ok.unit, ok.style = trimPct(pct), "%", successStyle(st, pct)
	}
	inflight := tile{label: "IN FLIGHT", value: fmtInt(s.InFlight), style: &st.Big, note: "dropped " + fmtInt(s.Dropped)}
	if b := p.run.base; b != nil && b.Run.N > 0 { // the changes from the baseline (b)
		now := headlineFigures(s)
		lat.note = "vs base " + stats.DurDelta(now.P99, b.Run.P99)
		ok.note = "vs base " + stats.PointsDelta(now.OK, b.Run.OK)
	}
	return []tile{rate, errs, lat, ok, inflight}
}

func (p *tilesPane) final(s *stats.Snapshot) []tile {
	st := p.st
	lat := tile{label: "P99 RUN", style: &st.P99, note: "p50 " + stats.Dur(s.Latency.P50)}
	lat.value, lat.unit = splitUnit(stats.Dur(s.Latency.P99))
	return []tile{
		{label: "REQ/S AVG", value: fmtRate(s.AverageRPS), style: &st.Big, note: fmtInt(s.Total) + " requests"},
		{label: "ERRORS", value: fmtInt(s.Errors), style: countStyle(st, s.Errors, &st.Err), note: "dropped " + fmtInt(s.Dropped)},
		lat,
		{label: "SUCCESS RUN", value: trimPct(s.SuccessRate()), unit: "%", style: successStyle(st, s.SuccessRate())},
		{label: "DURATION", value: fmtClock(s.Elapsed), style: &st.Big},
	}
}

// draw lays the tiles side by side: a heading line with the note, then the
// value in the block font. A note too long for the heading goes beside the
// value, or is left out; nothing is cut.
func (p *tilesPane) draw(tiles []tile, rows int) string {
	st := p.st
	tw := (p.w - gap*(len(tiles)-1)) / len(tiles)
	lines := make([][]string, rows+1)
	for _, t := range tiles {
		label := st.wrap(&st.Heading, t.label)
		note := st.wrap(&st.Subtle, t.note)
		var beside []string
		if width(label)+1+width(note) > tw {
			beside, note = strings.Fields(t.note), ""
		}
		lines[0] = append(lines[0], spread(label, note, tw))
		big := bigText(t.value, rows)
		if width(big[0]) > tw { // too wide for the large font
			big = append(bigText(t.value, 3), make([]string, rows-3)...)
		}
		if width(big[0]) > tw { // too wide for any: plain text, never cut
			big = append([]string{t.value}, make([]string, rows-1)...)
		}
		room := rows // lines beside the value: all but the unit's
		if t.unit != "" {
			room--
		}
		if avail := tw - width(big[0]) - 2; len(beside) > 0 && avail > 0 {
			beside = flow(beside, " ", avail)
			if len(beside) > room || slices.ContainsFunc(beside, func(l string) bool { return width(l) > avail }) {
				beside = nil // does not fit beside the value either
			}
		} else {
			beside = nil
		}
		for i := range rows {
			line := st.wrap(t.style, big[i])
			if i == rows-1 && t.unit != "" {
				line += " " + st.wrap(&st.Subtle, t.unit)
			}
			if i < len(beside) {
				line = fit(line, width(big[0])) + "  " + st.wrap(&st.Subtle, beside[i])
			}
			lines[i+1] = append(lines[i+1], fit(line, tw))
		}
	}
	out := make([]string, len(lines))
	sep := strings.Repeat(" ", gap)
	for i := range lines {
		out[i] = strings.Join(lines[i], sep)
	}
	return strings.Join(out, "\n")
}

// trimPct writes a percentage without the sign, for the big font.
func trimPct(p float64) string { return strings.TrimSuffix(fmtPct(p), "%") }
