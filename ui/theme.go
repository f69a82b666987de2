package ui

import (
	"os"
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/trafficgen/trafficgen/ui/internal/termprobe"
)

// Theme names the dashboard's colours: --theme and THEME.
type Theme string

// The themes. Auto follows the terminal's background when the terminal
// says what it is, and otherwise uses colours that read on dark and light
// backgrounds alike; high-contrast draws text in the terminal's own
// foreground and keeps colour for status.
const (
	ThemeAuto         Theme = "auto"
	ThemeDark         Theme = "dark"
	ThemeLight        Theme = "light"
	ThemeHighContrast Theme = "high-contrast"
)

// Themes lists the theme names, for flags and their help.
var Themes = []Theme{ThemeAuto, ThemeDark, ThemeLight, ThemeHighContrast}

// palette is one set of colours, as hex strings; "" is the terminal's own
// colour (its foreground for text). Colours are chosen for contrast on a
// projector, not for subtlety.
type palette struct {
	Text, Subtle, Faint, Accent, OK, Warn, Err, Spike, Target, P50, P99 string
	// SpikeBand is a background: the spike seconds of the RPS chart.
	SpikeBand string
	// Inverse is the text colour of the badges, on their own background.
	Inverse string
	// bold draws ordinary text bold too (high contrast).
	bold bool
}

var (
	darkPalette = palette{
		Text: "#F2F2F2", Subtle: "#A8A8A8", Faint: "#6C6C6C", Accent: "#5FD7FF", OK: "#5FEA6F",
		Warn: "#FFD23F", Err: "#FF5252", Spike: "#FF6BFF", Target: "#FFFFFF", P50: "#5FD7FF", P99: "#FFA040",
		SpikeBand: "#4A1F4A", Inverse: "#000000",
	}
	lightPalette = palette{
		Text: "#111111", Subtle: "#555555", Faint: "#8A8A8A", Accent: "#005F87", OK: "#00701A",
		Warn: "#8A5A00", Err: "#C00000", Spike: "#A000A0", Target: "#000000", P50: "#005F87", P99: "#B85C00",
		SpikeBand: "#F6D8F6", Inverse: "#FFFFFF",
	}
	// neutralPalette is for a background nobody told us: text in the
	// terminal's foreground, and mid-tone colours that stand out from
	// black and from white.
	neutralPalette = palette{
		Text: "", Subtle: "#808080", Faint: "#808080", Accent: "#0087D7", OK: "#00A000",
		Warn: "#C07800", Err: "#E00000", Spike: "#C000C0", Target: "", P50: "#0087D7", P99: "#D75F00",
		SpikeBand: "#8A5A8A", Inverse: "#FFFFFF",
	}
	// highContrastPalette draws every text in the terminal's foreground,
	// bold; colour marks only status, in saturated tones that stand out
	// from either background.
	highContrastPalette = palette{
		Text: "", Subtle: "", Faint: "", Accent: "", OK: "#00A000",
		Warn: "#C07800", Err: "#E00000", Spike: "#C000C0", Target: "", P50: "", P99: "#D75F00",
		SpikeBand: "#8A5A8A", Inverse: "#FFFFFF", bold: true,
	}
)

// ParseTheme reads a theme name; "" is auto.
func ParseTheme(s string) (Theme, bool) {
	t := Theme(strings.ToLower(strings.TrimSpace(s)))
	if t == "" {
		return ThemeAuto, true
	}
	for _, k := range Themes {
		if t == k {
			return t, true
		}
	}
	return ThemeAuto, false
}

// background is what the dashboard knows of the terminal's background.
type background int

const (
	bgUnknown background = iota
	bgDark
	bgLight
)

// detectBackground asks nothing: termenv asked the terminal in Bubble
// Tea's init, if the terminal is one it asks. It only believes that answer
// when the terminal gave one (termprobe saw the colour reply) or COLORFGBG
// says; otherwise termenv's fallback is a guess (black), and a light
// terminal would get white text on white.
func detectBackground() background {
	if !termprobe.BackgroundAnswered() && !strings.Contains(os.Getenv("COLORFGBG"), ";") {
		return bgUnknown
	}
	if lipgloss.HasDarkBackground() {
		return bgDark
	}
	return bgLight
}

// paletteFor is theme t's palette on background bg.
func paletteFor(t Theme, bg background) palette {
	switch t {
	case ThemeDark:
		return darkPalette
	case ThemeLight:
		return lightPalette
	case ThemeHighContrast:
		return highContrastPalette
	}
	switch bg {
	case bgDark:
		return darkPalette
	case bgLight:
		return lightPalette
	}
	return neutralPalette
}
