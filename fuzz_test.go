package main

import (
	"io"
	"math"
	"strings"
	"testing"

	"github.com/alecthomas/kong"

	"github.com/trafficgen/trafficgen/loadgen"
	"github.com/trafficgen/trafficgen/plan"
)

// newTestParser is a parser whose output goes nowhere.
func newTestParser(t *testing.T) *kong.Kong {
	t.Helper()
	p, err := newParser(&cli{}, io.Discard, io.Discard, func(int) {})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The fuzz targets run their seed corpora as unit tests; `go test -fuzz
// FuzzOptions` explores further.

func FuzzParseSeconds(f *testing.F) {
	for _, s := range []string{"300", "2.5", "0", "90s", "5m", "1h30m", "", "-1", "-5s", "NaN", "Inf", "1e12", "1e-12", " 7 ", "0x1p4", "9223372036854775807s", "31536000", "31536001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseSeconds(s)
		if err != nil {
			if d != 0 {
				t.Errorf("parseSeconds(%q) = %v with error %v", s, d, err)
			}
			return
		}
		if d < 0 {
			t.Errorf("parseSeconds(%q) = %v, negative", s, d)
		}
	})
}

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"2s-5s", "3s", "500ms-1s", "0s", "0s-0s", "5s-2s", "-1s", "1s--1s", "", "-", "1s-", "abc", " 1s - 2s "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := parseRange(s)
		if err != nil {
			return
		}
		if r.Min < 0 || r.Max < r.Min || r.Max <= 0 {
			t.Errorf("parseRange(%q) = %+v: want 0 ≤ min ≤ max, max > 0", s, r)
		}
	})
}

func FuzzParseShard(f *testing.F) {
	for _, s := range []string{"1/1", "2/3", "0/2", "3/2", "1/0", "-1/2", "1/2/3", "", "/", "a/b", " 1/2", "9223372036854775807/9223372036854775807"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		i, n, err := parseShard(s)
		if err != nil {
			return
		}
		if n < 1 || i < 1 || i > n {
			t.Errorf("parseShard(%q) = %d/%d", s, i, n)
		}
	})
}

// FuzzOptions feeds option values through kong and the run's checks: no
// panic, and whatever is accepted makes an engine that New accepts too (so
// a bad value is always a usage error before anything is sent).
func FuzzOptions(f *testing.F) {
	f.Add("20", "300", "10", "2s-5s", "", "http://127.0.0.1:18080", "5", "steady", "", "")
	f.Add("0", "0", "0", "", "1/2", "http://[::1]:8080/base/", "1", "demo", "4", "")
	f.Add("1e6", "90s", "100000", "0s", "3/3", "https://example.test", "1000", "ramp-up", "", "")
	f.Add("-1", "-1", "-1", "-1s", "0/0", "localhost:8080", "0", "turbo", "-3", "-1")
	f.Add("NaN", "NaN", "x", "x", "x", "", "NaN", "", "x", "x")
	f.Add("0.0000001", "1e-9", "1", "1ns", "1/1", "http://h:0", "1e-300", "spike", "", "1000000000")
	f.Add("100", "", "5", "", "2/3", "http://user:pw@127.0.0.1:1/", "5", "", "10", "1000")
	f.Fuzz(func(t *testing.T, rps, dur, users, think, shard, url, spike, mode, conc, n string) {
		args := []string{"--no-tui", "--rps=" + rps, "--users=" + users,
			"--gateway-url=" + url, "--spike-multiplier=" + spike, "--mode=" + mode}
		for flag, v := range map[string]string{"--duration=": dur, "--think=": think, "--shard=": shard, "-c=": conc, "-n=": n} {
			if v != "" {
				args = append(args, flag+v)
			}
		}
		o, err := parseRun(args)
		if err != nil {
			if msg := usageMessage(newTestParser(t), err); strings.Contains(msg, "\n") || strings.Contains(msg, ":pw@") {
				t.Errorf("message of more than one line, or with a password: %q", msg)
			}
			return
		}
		c := o.cfg
		if c.RPS < 0 || math.IsNaN(c.RPS) || math.IsInf(c.RPS, 0) || c.Duration < 0 || c.Users < 0 ||
			c.MaxInFlight < 0 || c.Timeout <= 0 || !(c.SpikeMultiplier > 0) {
			t.Fatalf("accepted a bad config: %+v", c)
		}
		if c.Mode != plan.ModeMax && o.requests > 0 && c.Duration <= 0 {
			t.Fatalf("-n %d became a run without end: %+v", o.requests, c)
		}
		if _, err := loadgen.New(c); err != nil {
			t.Fatalf("options accepted %v, but the engine says: %v", args, err)
		}
	})
}
