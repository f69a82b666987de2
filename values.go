package main

import (
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/trafficgen/trafficgen/internal/redact"
	"github.com/trafficgen/trafficgen/scenario"
)

// parseSeconds reads a duration given in seconds ("300", "2.5") or as a Go
// duration ("90s", "5m").
func parseSeconds(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if f < 0 || math.IsNaN(f) || f > maxRunLength.Seconds() {
			return 0, fmt.Errorf("want 0 to a year in seconds, got %s", s)
		}
		return time.Duration(f * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is neither seconds nor a duration like 90s or 5m", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("must not be negative, got %s", s)
	}
	return d, nil
}

// parseRange reads "2s-5s", "3s" or "500ms-1s".
func parseRange(s string) (scenario.Range, error) {
	lo, hi, found := strings.Cut(strings.TrimSpace(s), "-")
	a, err := time.ParseDuration(strings.TrimSpace(lo))
	if err != nil {
		return scenario.Range{}, fmt.Errorf("%q: want a duration or a range like 2s-5s", s)
	}
	b := a
	if found {
		if b, err = time.ParseDuration(strings.TrimSpace(hi)); err != nil {
			return scenario.Range{}, fmt.Errorf("%q: want a duration or a range like 2s-5s", s)
		}
	}
	if a < 0 || b < a {
		return scenario.Range{}, fmt.Errorf("%q: want 0 ≤ min ≤ max", s)
	}
	if b == 0 {
		b = time.Nanosecond // "0s": no think time at all
	}
	return scenario.Range{Min: a, Max: b}, nil
}

func parseShard(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 1 || i > n {
		return 0, 0, fmt.Errorf("want i/N with 1 ≤ i ≤ N, got %q", s)
	}
	return i, n, nil
}

// checkURL fails anything but an absolute http(s) URL; the message masks
// the URL's user info.
func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http:// or https:// URL", redact.URL(s))
	}
	return nil
}

// shownTarget is what the start line shows as the target: the base URL,
// or the ad-hoc URLs, with user info masked.
func shownTarget(target string, urls []string) string {
	if target != "" {
		return redact.URL(target)
	}
	shown := make([]string, len(urls))
	for i, u := range urls {
		shown[i] = redact.URL(u)
	}
	return strings.Join(shown, " ")
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// isTerminal says whether w is a terminal: the dashboard needs one.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isatty.IsTerminal(f.Fd())
}
