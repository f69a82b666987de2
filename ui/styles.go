package ui

import (
	"os"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/trafficgen/trafficgen/ui/internal/termprobe"
)

// Bubble Tea's init has asked the terminal for its background colour by the
// time this runs (it imports Bubble Tea, so Go initialises it after). If
// termprobe found the terminal silent and hid TERM so that that query would
// not wait 5 s, TERM comes back here, before lipgloss first reads the
// colour profile. termenv's default output worked out its profile from
// TERM while it was hidden; it is built again, so that nothing that uses it
// sees the terminal as colourless.
func init() {
	if termprobe.Restore() {
		termenv.SetDefaultOutput(termenv.NewOutput(os.Stdout))
	}
}

// palette is the dashboard's one set of colours. Each is adaptive: the
// Light value is used on light terminal backgrounds, Dark on dark ones. The
// colours are chosen for contrast on a projector, not for subtlety.
var palette = struct {
	Text, Subtle, Faint, Accent, OK, Warn, Err, Spike, SpikeBand, Target, P50, P99, Inverse lipgloss.AdaptiveColor
}{
	Text:   lipgloss.AdaptiveColor{Light: "#111111", Dark: "#F2F2F2"},
	Subtle: lipgloss.AdaptiveColor{Light: "#555555", Dark: "#A8A8A8"},
	Faint:  lipgloss.AdaptiveColor{Light: "#9A9A9A", Dark: "#5C5C5C"},
	Accent: lipgloss.AdaptiveColor{Light: "#005F87", Dark: "#5FD7FF"},
	OK:     lipgloss.AdaptiveColor{Light: "#00701A", Dark: "#5FEA6F"},
	Warn:   lipgloss.AdaptiveColor{Light: "#8A5A00", Dark: "#FFD23F"},
	Err:    lipgloss.AdaptiveColor{Light: "#C00000", Dark: "#FF5252"},
	Spike:  lipgloss.AdaptiveColor{Light: "#A000A0", Dark: "#FF6BFF"},
	// SpikeBand is a dim version of Spike, behind the chart's lines.
	SpikeBand: lipgloss.AdaptiveColor{Light: "#F6D8F6", Dark: "#4A1F4A"},
	Target:    lipgloss.AdaptiveColor{Light: "#000000", Dark: "#FFFFFF"},
	P50:       lipgloss.AdaptiveColor{Light: "#005F87", Dark: "#5FD7FF"},
	P99:       lipgloss.AdaptiveColor{Light: "#B85C00", Dark: "#FFA040"},
	Inverse:   lipgloss.AdaptiveColor{Light: "#FFFFFF", Dark: "#000000"},
}

// Styles holds every style the dashboard renders with. Panes receive a
// *Styles and never build styles of their own while rendering.
type Styles struct {
	// Text is ordinary text; Subtle labels and secondary text; Faint
	// decoration (axes, rules, the unfilled part of bars).
	Text, Subtle, Faint lipgloss.Style
	// Title is the application name; Heading a pane's title.
	Title, Heading lipgloss.Style
	// Value is a number worth reading; Big the large headline numbers.
	Value, Big lipgloss.Style
	// OK, Warn and Err colour good, doubtful and bad values.
	OK, Warn, Err lipgloss.Style
	// Accent marks the current thing (phase, mode); Spike marks spikes.
	Accent, Spike lipgloss.Style
	// Badges are the reversed labels in the header (PAUSED, HELD, SPIKE).
	BadgePaused, BadgeHeld, BadgeSpike, BadgeDone lipgloss.Style
	// Flash is the feedback line after a key press; FlashErr when the key
	// could not do what it says.
	Flash, FlashErr lipgloss.Style
	// Chart series and markers; SpikeBand is the background of spike
	// seconds in the RPS chart (nothing without colour).
	BarOK, BarErr, Target, P50, P99, SpikeBand lipgloss.Style
	// BarFill and BarEmpty colour the phase progress bar (bubbles/progress
	// takes colour strings, not lipgloss styles), for Profile.
	BarFill, BarEmpty string
	Profile           termenv.Profile
	// Table styles: the header row and rows that stand out.
	TableHeader, RowWarn, RowErr lipgloss.Style
	// Help styles the bubbles help bar.
	Help help.Styles

	// Color is false when colours are off (NO_COLOR, a dumb terminal, or
	// tests with the Ascii profile); glyphs then carry the meaning alone.
	Color bool
	// ErrGlyph fills error cells in the RPS chart; with colour it is a
	// solid block, without it a shade so errors differ from successes.
	ErrGlyph string

	// paints caches each style's escape codes for the charts, which
	// colour thousands of cells per frame.
	paints map[*lipgloss.Style]paint
}

// paint is a style reduced to the codes before and after its text. It is
// valid for styles without padding, borders or widths, which is every
// style the charts use.
type paint struct{ pre, post string }

const paintProbe = "\ue000"

func paintOf(st lipgloss.Style) paint {
	out := st.Render(paintProbe)
	i := strings.Index(out, paintProbe)
	if i < 0 {
		return paint{}
	}
	return paint{pre: out[:i], post: out[i+len(paintProbe):]}
}

// wrap is st.Render(text). For the styles in paints (colours and bold, no
// padding, borders or widths) and a line of text without tabs, which is
// what the panes draw, lipgloss would only put the style's codes around
// it; wrap puts the cached codes there instead of working them out again
// (Render is most of what a redraw costs). Anything else goes to Render.
func (s *Styles) wrap(st *lipgloss.Style, text string) string {
	if p, ok := s.paints[st]; ok && !strings.ContainsAny(text, "\n\t") {
		return p.pre + text + p.post
	}
	return st.Render(text)
}

// DefaultStyles builds the dashboard's styles from the palette, for the
// colour profile lipgloss detected (NO_COLOR gives the Ascii profile).
func DefaultStyles() *Styles {
	profile := lipgloss.ColorProfile()
	color := profile != termenv.Ascii
	dark := lipgloss.HasDarkBackground()
	pick := func(c lipgloss.AdaptiveColor) string {
		if dark {
			return c.Dark
		}
		return c.Light
	}
	// Each colour is resolved once, here, for this background and profile:
	// an AdaptiveColor given to a style is resolved again at every Render,
	// and for a 256- or 16-colour terminal that means searching the palette
	// for the nearest colour (termenv's conversion) each time, which was
	// the dearest part of a redraw. The screen is the same (in 16 colours,
	// two chart runs whose colours map to one ANSI colour now share its
	// codes instead of repeating them).
	col := func(c lipgloss.AdaptiveColor) lipgloss.Color { return resolve(profile, pick(c)) }
	fg := func(c lipgloss.AdaptiveColor) lipgloss.Style { return lipgloss.NewStyle().Foreground(col(c)) }
	badge := func(c lipgloss.AdaptiveColor) lipgloss.Style {
		return lipgloss.NewStyle().Bold(true).Foreground(col(palette.Inverse)).Background(col(c)).Padding(0, 1)
	}
	s := &Styles{
		Text:        fg(palette.Text),
		Subtle:      fg(palette.Subtle),
		Faint:       fg(palette.Faint),
		Title:       badge(palette.Accent),
		Heading:     fg(palette.Accent).Bold(true),
		Value:       fg(palette.Text).Bold(true),
		Big:         fg(palette.Text).Bold(true),
		OK:          fg(palette.OK).Bold(true),
		Warn:        fg(palette.Warn).Bold(true),
		Err:         fg(palette.Err).Bold(true),
		Accent:      fg(palette.Accent).Bold(true),
		Spike:       fg(palette.Spike).Bold(true),
		BadgePaused: badge(palette.Warn),
		BadgeHeld:   badge(palette.Accent),
		BadgeSpike:  badge(palette.Spike),
		BadgeDone:   badge(palette.Subtle),
		Flash:       fg(palette.Accent).Bold(true),
		FlashErr:    fg(palette.Warn).Bold(true),
		BarOK:       fg(palette.OK),
		BarErr:      fg(palette.Err),
		Target:      fg(palette.Target).Bold(true),
		P50:         fg(palette.P50).Bold(true),
		P99:         fg(palette.P99),
		SpikeBand:   lipgloss.NewStyle().Background(col(palette.SpikeBand)),
		BarFill:     string(col(palette.Accent)),
		BarEmpty:    string(col(palette.Faint)),
		Profile:     profile,
		TableHeader: fg(palette.Subtle).Bold(true),
		RowWarn:     fg(palette.Warn),
		RowErr:      fg(palette.Err).Bold(true),
		Color:       color,
		ErrGlyph:    "█",
	}
	if !color {
		s.ErrGlyph = "▒"
	}
	s.Help = help.Styles{
		ShortKey:       fg(palette.Accent).Bold(true),
		ShortDesc:      fg(palette.Subtle),
		ShortSeparator: fg(palette.Faint),
		Ellipsis:       fg(palette.Faint),
		FullKey:        fg(palette.Accent).Bold(true),
		FullDesc:       fg(palette.Subtle),
		FullSeparator:  fg(palette.Faint),
	}
	s.paints = make(map[*lipgloss.Style]paint)
	for _, st := range s.plain() {
		s.paints[st] = paintOf(*st)
	}
	return s
}

// plain lists the styles that are colours and bold only, which wrap may
// render from cached codes. The badges (padded) are not among them.
func (s *Styles) plain() []*lipgloss.Style {
	return []*lipgloss.Style{&s.Text, &s.Subtle, &s.Faint, &s.Heading, &s.Value, &s.Big, &s.OK, &s.Warn,
		&s.Err, &s.Accent, &s.Spike, &s.Flash, &s.FlashErr, &s.BarOK, &s.BarErr, &s.Target, &s.P50, &s.P99,
		&s.SpikeBand, &s.TableHeader, &s.RowWarn, &s.RowErr}
}

// resolve is hex as the colour profile p writes it: the hex itself for
// true colour, the nearest palette index for 256 and 16 colours.
func resolve(p termenv.Profile, hex string) lipgloss.Color {
	switch c := p.Color(hex).(type) {
	case termenv.ANSI256Color:
		return lipgloss.Color(strconv.Itoa(int(c)))
	case termenv.ANSIColor:
		return lipgloss.Color(strconv.Itoa(int(c)))
	}
	return lipgloss.Color(hex)
}
