package ui

import (
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

// bigText renders s in the block font, one space between glyphs. Runes
// without a glyph are skipped.
func bigText(s string) [3]string {
	var rows [3]strings.Builder
	first := true
	for _, r := range s {
		g, ok := bigGlyphs[r]
		if !ok {
			continue
		}
		for i := range rows {
			if !first {
				rows[i].WriteByte(' ')
			}
			rows[i].WriteString(g[i])
		}
		first = false
	}
	return [3]string{rows[0].String(), rows[1].String(), rows[2].String()}
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

// tilesPane is the row of big numbers in the rich layout.
type tilesPane struct {
	st   *Styles
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
	st := p.st
	if s == nil {
		p.out = ""
		return
	}
	r := s.Run
	rate := tile{label: "REQUESTS / S", value: fmtRate(s.CurrentRPS), style: &st.Big}
	switch {
	case r.Mode == plan.ModeMax.String():
		rate.note = "concurrency " + fmtInt(int64(r.Concurrency))
	case r.Paused:
		rate.note = "paused"
	default:
		rate.note = "target " + fmtRate(r.TargetRPS)
	}
	if r.Spiking {
		rate.style = &st.Spike
		if r.SpikeRate > 0 && !r.Paused && r.Mode != plan.ModeMax.String() {
			rate.note = "target " + fmtRate(r.TargetRPS) + " (+" + fmtRate(r.SpikeRate) + ")"
		}
	}
	okPct, n := recentSuccess(s, 10)
	okT := tile{label: "SUCCESS · 10 S", value: "–", style: &st.Subtle}
	if n > 0 {
		okT.value, okT.unit = trimPct(okPct), "%"
		okT.style = successStyle(st, okPct)
	}
	okT.note = "run " + fmtPct(s.SuccessRate())
	lat := tile{label: "P99 · 10 S", style: &st.P99, note: "p50 " + fmtLatency(s.Recent.P50)}
	lat.value, lat.unit = splitUnit(fmtLatency(s.Recent.P99))
	inflight := tile{label: "IN FLIGHT", value: fmtInt(s.InFlight), style: &st.Big, note: "dropped " + fmtInt(s.Dropped)}
	if s.Dropped > 0 {
		inflight.note = st.wrap(&st.Warn, inflight.note)
	}
	errs := tile{label: "ERRORS", value: fmtInt(s.Errors), style: countStyle(st, s.Errors, &st.Err), note: "of " + fmtInt(s.Total)}
	tiles := []tile{rate, okT, lat, inflight}
	if p.w >= 150 {
		tiles = append(tiles, errs)
	}
	tw := (p.w - gap*(len(tiles)-1)) / len(tiles)
	var rows [4][]string
	for _, t := range tiles {
		rows[0] = append(rows[0], spread(st.wrap(&st.Heading, t.label), st.wrap(&st.Subtle, t.note), tw))
		big := bigText(t.value)
		for i := 0; i < 3; i++ {
			line := st.wrap(t.style, big[i])
			if i == 2 && t.unit != "" {
				line += " " + st.wrap(&st.Subtle, t.unit)
			}
			rows[i+1] = append(rows[i+1], fit(line, tw))
		}
	}
	sep := strings.Repeat(" ", gap)
	lines := make([]string, 4)
	for i := range rows {
		lines[i] = strings.Join(rows[i], sep)
	}
	p.out = strings.Join(lines, "\n")
}

// trimPct writes a percentage without the sign, for the big font.
func trimPct(p float64) string { return strings.TrimSuffix(fmtPct(p), "%") }
