package threshold

import (
	"strings"
	"testing"
	"time"

	"github.com/trafficgen/trafficgen/stats"
)

// A limit relative to a baseline parses into a factor, and Rebase makes
// it the factor times the baseline's figure, for the run or a route.
func TestRelativeThresholds(t *testing.T) {
	base := &stats.Report{Summary: stats.Summary{Total: 1000, Errors: 10,
		Latency: stats.LatencyReport{P50Ms: 40, P99Ms: 180, MaxMs: 400}},
		Endpoints: []stats.RouteReport{{Route: "GET /x", Total: 100, Errors: 5, Latency: stats.LatencyReport{P95Ms: 90}}}}
	for _, c := range []struct {
		in     string
		factor float64
		limit  float64
	}{
		{"p99<baseline*1.2", 1.2, 0.216},
		{"p50 <= baseline * 2", 2, 0.08},
		{"max<Baseline", 1, 0.4},
		{"errors<baseline*2", 2, 0.02},
		{"GET /x: p95<baseline*1.5", 1.5, 0.135},
		{"GET /x: errors<=baseline", 1, 0.05},
	} {
		th, err := Parse(c.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if th.Factor != c.factor || !th.Relative() {
			t.Errorf("Parse(%q): factor %v, want %v", c.in, th.Factor, c.factor)
		}
		got, err := Rebase([]Threshold{th}, base)
		if err != nil {
			t.Errorf("Rebase(%q): %v", c.in, err)
			continue
		}
		if d := got[0].Limit - c.limit; d > 1e-9 || d < -1e-9 {
			t.Errorf("Rebase(%q): limit %v, want %v", c.in, got[0].Limit, c.limit)
		}
	}
	// Evaluated, a run over the limit fails, and says what the limit was.
	th, _ := Parse("p99<baseline*1.2")
	ts, _ := Rebase([]Threshold{th}, base)
	r := Evaluate(ts, &stats.Snapshot{Total: 500, Latency: stats.Percentiles{Count: 500, P99: 240 * time.Millisecond}})[0]
	if r.Pass || r.Observed() != "p99 240ms of 500, limit 216ms (baseline 180ms × 1.2)" {
		t.Errorf("evaluated: pass %v, %q", r.Pass, r.Observed())
	}
	if _, ok := Unbased(ts); !ok {
		t.Error("Unbased found no relative threshold")
	}
}

func TestRelativeThresholdErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"rate>=baseline*0.9", "rate cannot be relative to a baseline"},
		{"dropped<baseline", "dropped cannot be relative"},
		{"p99<baseline*", "want a factor above 0"},
		{"p99<baseline*0", "want a factor above 0"},
		{"p99<baseline+5ms", "want * and a factor"},
	} {
		_, err := Parse(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %v, want an error with %q", c.in, err, c.want)
		}
	}
	th, _ := Parse("GET /y: p99<baseline")
	if _, err := Rebase([]Threshold{th}, &stats.Report{}); err == nil || !strings.Contains(err.Error(), `no route "GET /y"`) {
		t.Errorf("a route the baseline lacks: %v", err)
	}
	th, _ = Parse("p99<baseline")
	if _, err := Rebase([]Threshold{th}, &stats.Report{}); err == nil || !strings.Contains(err.Error(), "no requests") {
		t.Errorf("an empty baseline: %v", err)
	}
}
