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
	// Badges are the reversed labels in the header (PAUSED, HELD, SPIKE)
	// and the replay's timeline (BadgePlaying).
	BadgePaused, BadgeHeld, BadgeSpike, BadgeDone, BadgePlaying lipgloss.Style
	// Flash is the feedback line after a key press; FlashErr when the key
	// could not do what it says.
	Flash, FlashErr lipgloss.Style
	// Chart series and markers; SpikeBand is the background of spike
	// seconds in the RPS chart (nothing without colour). BarOKOnErr is a
	// cell where the successes end and the errors begin: the successes'
	// part of the cell in their colour, the rest in the errors'.
	BarOK, BarErr, BarOKOnErr, Target, P50, P99, SpikeBand lipgloss.Style
	// BarFill and BarEmpty colour the phase progress bar (bubbles/progress
	// takes colour strings, not lipgloss styles), for Profile.
	BarFill, BarEmpty string
	Profile           termenv.Profile
	// Table styles: the header row and rows that stand out; Selected is
	// the row (or line) picked with the arrow keys.
	TableHeader, RowWarn, RowErr, Selected lipgloss.Style
	// Help styles the bubbles help bar.
	Help help.Styles

	// Color is false when colours are off (NO_COLOR, a dumb terminal, or
	// tests with the Ascii profile); glyphs then carry the meaning alone.
	Color bool
	// ErrGlyph fills error cells in the RPS chart; with colour it is a
	// solid block, without it (or in high contrast) a shade so errors
	// differ from successes by their glyph too.
	ErrGlyph string
	// Theme is the theme the styles were built for.
	Theme Theme

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

// DefaultStyles builds the dashboard's styles for the auto theme.
func DefaultStyles() *Styles { return NewStyles(ThemeAuto) }

// NewStyles builds the dashboard's styles for theme t, in the colour
// profile lipgloss detected (NO_COLOR gives the Ascii profile: no colour,
// no bold, and the glyphs and brackets carry the meaning alone).
func NewStyles(t Theme) *Styles {
	profile := lipgloss.ColorProfile()
	color := profile != termenv.Ascii
	p := paletteFor(t, detectBackground())
	// Each colour is resolved once, here, for this profile: a colour given
	// to a style as hex is converted again at every Render, and for a 256-
	// or 16-colour terminal that means searching the palette for the
	// nearest colour each time.
	col := func(hex string) lipgloss.TerminalColor { return resolve(profile, hex) }
	fg := func(hex string) lipgloss.Style { return lipgloss.NewStyle().Foreground(col(hex)) }
	text := func(hex string) lipgloss.Style { return fg(hex).Bold(p.bold) }
	badge := func(hex string) lipgloss.Style {
		if hex == "" { // the terminal's own colours, swapped
			return lipgloss.NewStyle().Bold(true).Reverse(true).Padding(0, 1)
		}
		return lipgloss.NewStyle().Bold(true).Foreground(col(p.Inverse)).Background(col(hex)).Padding(0, 1)
	}
	s := &Styles{
		Text:         text(p.Text),
		Subtle:       text(p.Subtle),
		Faint:        fg(p.Faint),
		Title:        badge(p.Accent),
		Heading:      fg(p.Accent).Bold(true),
		Value:        fg(p.Text).Bold(true),
		Big:          fg(p.Text).Bold(true),
		OK:           fg(p.OK).Bold(true),
		Warn:         fg(p.Warn).Bold(true),
		Err:          fg(p.Err).Bold(true),
		Accent:       fg(p.Accent).Bold(true),
		Spike:        fg(p.Spike).Bold(true),
		BadgePaused:  badge(p.Warn),
		BadgeHeld:    badge(p.Accent),
		BadgeSpike:   badge(p.Spike),
		BadgeDone:    badge(p.Subtle),
		BadgePlaying: badge(p.Accent),
		Flash:        fg(p.Accent).Bold(true),
		FlashErr:     fg(p.Warn).Bold(true),
		BarOK:        fg(p.OK),
		BarErr:       fg(p.Err),
		BarOKOnErr:   fg(p.OK).Background(col(p.Err)),
		Target:       fg(p.Target).Bold(true),
		P50:          fg(p.P50).Bold(true),
		P99:          fg(p.P99),
		SpikeBand:    lipgloss.NewStyle().Background(col(p.SpikeBand)),
		BarFill:      colorString(profile, p.Accent),
		BarEmpty:     colorString(profile, p.Faint),
		Profile:      profile,
		TableHeader:  text(p.Subtle).Bold(true),
		RowWarn:      fg(p.Warn),
		RowErr:       fg(p.Err).Bold(true),
		Selected:     lipgloss.NewStyle().Reverse(true).Bold(true),
		Color:        color,
		ErrGlyph:     "█",
		Theme:        t,
	}
	if p.SpikeBand == "" || !color {
		s.SpikeBand = lipgloss.NewStyle()
	}
	if !color || p.bold {
		s.ErrGlyph = "▒"
	}
	s.Help = help.Styles{
		ShortKey:       fg(p.Accent).Bold(true),
		ShortDesc:      text(p.Subtle),
		ShortSeparator: fg(p.Faint),
		Ellipsis:       fg(p.Faint),
		FullKey:        fg(p.Accent).Bold(true),
		FullDesc:       text(p.Subtle),
		FullSeparator:  fg(p.Faint),
	}
	s.paints = make(map[*lipgloss.Style]paint)
	for _, st := range s.plain() {
		s.paints[st] = paintOf(*st)
	}
	return s
}

// badge renders a state a presenter must not miss (SPIKE, PAUSED): reversed
// out in colour, and in brackets without colour, where reverse video and
// bold are gone too.
func (s *Styles) badge(st *lipgloss.Style, text string) string {
	if !s.Color {
		return "[" + text + "]"
	}
	return st.Render(text)
}

// plain lists the styles that are colours and bold only, which wrap may
// render from cached codes. The badges (padded) are not among them.
func (s *Styles) plain() []*lipgloss.Style {
	return []*lipgloss.Style{&s.Text, &s.Subtle, &s.Faint, &s.Heading, &s.Value, &s.Big, &s.OK, &s.Warn,
		&s.Err, &s.Accent, &s.Spike, &s.Flash, &s.FlashErr, &s.BarOK, &s.BarErr, &s.BarOKOnErr, &s.Target, &s.P50, &s.P99,
		&s.SpikeBand, &s.TableHeader, &s.RowWarn, &s.RowErr, &s.Selected}
}

// resolve is hex as the colour profile p writes it: the hex itself for
// true colour, the nearest palette index for 256 and 16 colours, and the
// terminal's own colour for "".
func resolve(p termenv.Profile, hex string) lipgloss.TerminalColor {
	if hex == "" {
		return lipgloss.NoColor{}
	}
	switch c := p.Color(hex).(type) {
	case termenv.ANSI256Color:
		return lipgloss.Color(strconv.Itoa(int(c)))
	case termenv.ANSIColor:
		return lipgloss.Color(strconv.Itoa(int(c)))
	}
	return lipgloss.Color(hex)
}

// colorString is hex as bubbles' progress bar takes it ("" when the
// terminal's own colour).
func colorString(p termenv.Profile, hex string) string {
	if c, ok := resolve(p, hex).(lipgloss.Color); ok {
		return string(c)
	}
	return ""
}
