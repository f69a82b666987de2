package check

import (
	"testing"
	"time"
)

// FuzzParse: no expression panics the parser, and an accepted one can be
// evaluated on any body.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"items.#>0", "ok=true", `friends.#(last=="M").first~^D`, "!error", "a..b", "@keys", `x="y`, "2xx,404"} {
		f.Add(s, `{"items":[1],"ok":true}`)
	}
	f.Fuzz(func(t *testing.T, expr, body string) {
		r := &Response{Status: 200, Body: []byte(body)}
		if c, err := ParseJSON("", expr); err == nil {
			c.Pass(r)
		}
		if c, err := ParseHeader("", expr); err == nil {
			c.Pass(r)
		}
		if c, err := ParseStatus("", expr); err == nil {
			c.Pass(r)
		}
		d := NewDrift(DriftConfig{LearnMin: 1, LearnFor: 1})
		t0 := time.Unix(0, 0)
		d.Observe([]byte(body), false, t0)
		d.Observe([]byte(expr), false, t0.Add(2))
	})
}
