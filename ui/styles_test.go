package ui

import (
	"reflect"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// withProfile runs f with lipgloss rendering for profile p on a dark or
// light background, and puts the test defaults back after.
func withProfile(t *testing.T, p termenv.Profile, dark bool, f func()) {
	t.Helper()
	wasDark := lipgloss.HasDarkBackground()
	lipgloss.SetColorProfile(p)
	lipgloss.SetHasDarkBackground(dark)
	defer func() {
		lipgloss.SetColorProfile(termenv.Ascii)
		lipgloss.SetHasDarkBackground(wasDark)
	}()
	f()
}

// TestResolvedColours: each palette colour, resolved once for the profile,
// writes the same codes as lipgloss writes for the hex colour at every
// Render, and "" is the terminal's own colour (no code at all).
func TestResolvedColours(t *testing.T) {
	for _, pal := range []palette{darkPalette, lightPalette, neutralPalette, highContrastPalette} {
		pv := reflect.ValueOf(pal)
		for _, p := range []termenv.Profile{termenv.TrueColor, termenv.ANSI256, termenv.ANSI, termenv.Ascii} {
			withProfile(t, p, true, func() {
				for i := range pv.NumField() {
					if !pv.Type().Field(i).IsExported() {
						continue
					}
					hex := pv.Field(i).String()
					c := resolve(p, hex)
					var want lipgloss.TerminalColor = lipgloss.Color(hex)
					if hex == "" {
						want = lipgloss.NoColor{}
					}
					for _, pair := range [][2]lipgloss.Style{
						{lipgloss.NewStyle().Foreground(want), lipgloss.NewStyle().Foreground(c)},
						{lipgloss.NewStyle().Bold(true).Background(want), lipgloss.NewStyle().Bold(true).Background(c)},
					} {
						if got, want := pair[1].Render("x y"), pair[0].Render("x y"); got != want {
							t.Errorf("profile %v %s %q: %q, want %q", p, pv.Type().Field(i).Name, hex, got, want)
						}
					}
				}
			})
		}
	}
}

// TestWrapIsRender: for every style wrap takes from cached codes, in every
// profile and on both backgrounds, wrap writes what lipgloss's Render
// writes, for the kinds of text the panes draw.
func TestWrapIsRender(t *testing.T) {
	for _, p := range []termenv.Profile{termenv.TrueColor, termenv.ANSI256, termenv.ANSI, termenv.Ascii} {
		for _, dark := range []bool{true, false} {
			withProfile(t, p, dark, func() {
				st := DefaultStyles()
				texts := []string{"", "x", "req/s ", "  │  ", "12,345", "╭╯", "▸ spike fired: +100 req/s for 3s",
					"a" + st.Subtle.Render(" · 1:00 left") + "b", "two\nlines", "tab\there"}
				for _, s := range st.plain() {
					for _, text := range texts {
						if got, want := st.wrap(s, text), s.Render(text); got != want {
							t.Errorf("profile %v dark %v: wrap(%q) = %q, Render = %q", p, dark, text, got, want)
						}
					}
				}
			})
		}
	}
}

// TestShapedReuse: shaping a pane's text with the lines of the last call
// remembered gives what shaping it afresh gives, through changes of
// text, width and height.
func TestShapedReuse(t *testing.T) {
	st := DefaultStyles()
	line := func(i int) string { return st.wrap(&st.Subtle, "row ") + st.wrap(&st.Value, fmtInt(int64(i*997))) }
	texts := []string{
		line(1) + "\n" + line(2) + "\n" + line(3),
		line(1) + "\n" + line(5) + "\n" + line(3),
		line(1) + "\n" + line(5),
		"",
		line(7) + "\n" + line(5) + "\n" + line(3) + "\n" + line(4),
		"a much longer line than the slot is wide, so that it is cut with an ellipsis\n" + line(5),
	}
	var c shaped
	for _, sz := range [][2]int{{30, 3}, {30, 3}, {12, 3}, {30, 2}, {30, 5}} {
		for i, text := range texts {
			got := c.block(text, sz[0], sz[1])
			var fresh shaped
			want := fresh.block(text, sz[0], sz[1])
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%dx%d, text %d: %q, want %q", sz[0], sz[1], i, got, want)
			}
			for _, l := range got {
				if w := width(l); w != sz[0] {
					t.Errorf("%dx%d, text %d: line %q is %d wide", sz[0], sz[1], i, l, w)
				}
			}
		}
	}
}
