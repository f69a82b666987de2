package ui

import (
	"math"
	"reflect"
	"strconv"
	"testing"
)

// luminance is a hex colour's relative luminance (WCAG 2).
func luminance(hex string) float64 {
	var c [3]float64
	for i := range c {
		v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		s := float64(v) / 255
		if s <= 0.03928 {
			c[i] = s / 12.92
		} else {
			c[i] = math.Pow((s+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*c[0] + 0.7152*c[1] + 0.0722*c[2]
}

// contrast is the WCAG contrast ratio of two hex colours.
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

// TestThemesReadable: every colour a theme draws text or marks in stands
// out from the backgrounds the theme is for, by at least 3:1 (the faint
// decoration, axes and rules, by 2.5:1); the badges' text stands out from
// their own background. The neutral palette (auto, when the terminal does
// not say its background) and the high-contrast one must read on black and
// on white alike: nothing is white on white.
func TestThemesReadable(t *testing.T) {
	black, white := "#000000", "#FFFFFF"
	for _, c := range []struct {
		name string
		p    palette
		bgs  []string
	}{
		{"dark", darkPalette, []string{black, "#1E1E1E"}},
		{"light", lightPalette, []string{white, "#F5F5F5"}},
		{"neutral", neutralPalette, []string{black, white}},
		{"high-contrast", highContrastPalette, []string{black, white}},
	} {
		pv := reflect.ValueOf(c.p)
		for i := range pv.NumField() {
			name := pv.Type().Field(i).Name
			hex := pv.Field(i).String()
			if !pv.Type().Field(i).IsExported() || hex == "" || name == "Inverse" || name == "SpikeBand" {
				continue
			}
			least := 3.0
			if name == "Faint" {
				least = 2.5
			}
			for _, bg := range c.bgs {
				if r := contrast(hex, bg); r < least {
					t.Errorf("%s: %s %s on %s: contrast %.2f, want ≥ %.1f", c.name, name, hex, bg, r, least)
				}
			}
			if name == "Accent" || name == "Warn" || name == "Spike" || name == "Subtle" {
				if r := contrast(c.p.Inverse, hex); r < 3 {
					t.Errorf("%s: badge text %s on %s %s: contrast %.2f", c.name, c.p.Inverse, name, hex, r)
				}
			}
		}
	}
}
