package threshold

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/trafficgen/trafficgen/stats"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Threshold
	}{
		{"p99<300ms", Threshold{Metric: P99, Op: Less, Limit: 0.3}},
		{" p95 <= 0.2 s ", Threshold{Metric: P95, Op: LessEq, Limit: 0.2}},
		{"P50<850us", Threshold{Metric: P50, Op: Less, Limit: 850e-6}},
		{"p90<850µs", Threshold{Metric: P90, Op: Less, Limit: 850e-6}},
		{"p99.9<1s", Threshold{Metric: P999, Op: Less, Limit: 1}},
		{"p999<1s", Threshold{Metric: P999, Op: Less, Limit: 1}},
		{"max<2.5s", Threshold{Metric: Max, Op: Less, Limit: 2.5}},
		{"errors<1%", Threshold{Metric: Errors, Op: Less, Limit: 0.01, Share: true}},
		{"errors==0%", Threshold{Metric: Errors, Op: Equal, Limit: 0, Share: true}},
		{"rate>=99%", Threshold{Metric: Rate, Op: GreaterEq, Limit: 0.99, Share: true}},
		{"dropped==0", Threshold{Metric: Dropped, Op: Equal, Limit: 0}},
		{"dropped<0.1%", Threshold{Metric: Dropped, Op: Less, Limit: 0.001, Share: true}},
		{"checks>=99.9%", Threshold{Metric: Checks, Op: GreaterEq, Limit: 0.999, Share: true}},
		{"p99>1ms", Threshold{Metric: P99, Op: Greater, Limit: 0.001}},
		{"GET /api/users/{id}: p99<100ms", Threshold{Route: "GET /api/users/{id}", Metric: P99, Op: Less, Limit: 0.1}},
		{"GET 127.0.0.1:8080/x:errors<5%", Threshold{Route: "GET 127.0.0.1:8080/x", Metric: Errors, Op: Less, Limit: 0.05, Share: true}},
	} {
		got, err := Parse(c.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		c.want.Expr = strings.TrimSpace(c.in)
		if diff := got.Limit - c.want.Limit; diff > 1e-12 || diff < -1e-12 {
			t.Errorf("Parse(%q).Limit = %v, want %v", c.in, got.Limit, c.want.Limit)
		}
		got.Limit = c.want.Limit
		if got != c.want {
			t.Errorf("Parse(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

// TestParseErrors: each malformed expression says what is wrong and at
// which column.
func TestParseErrors(t *testing.T) {
	for _, c := range []struct {
		in   string
		col  int
		want string
	}{
		{"", 1, "empty"},
		{"   ", 1, "empty"},
		{"p98<1s", 1, `"p98" is not a figure`},
		{"<1s", 1, "want a figure"},
		{"p99 1s", 5, "want a comparison after p99"},
		{"p99=1s", 4, `want ==`},
		{"p99=>1s", 4, "want a comparison"},
		{"p99<", 5, "want a number"},
		{"p99<fast", 5, "want a number"},
		{"p99<-1ms", 5, "want a number"},
		{"p99<50", 7, "give a unit, ms or s (e.g. p99<50ms)"},
		{"p99<50xs", 7, `"xs" is not a unit of time`},
		{"errors<1", 9, "write it as a percentage (e.g. errors<1%)"},
		{"errors<1ms", 9, "takes a percentage"},
		{"rate>=101%", 7, "over 100%"},
		{"dropped<1.5", 9, "whole number"},
		{"p99<50ms and more", 10, `unexpected "and more"`},
		{"checks>=99.9", 13, "write it as a percentage (e.g. checks>=99.9%)"},
		{": p99<1s", 1, "want a route"},
		{"GET /api/users/{id}: p99<50xs", 28, `"xs" is not a unit`},
		{"GET /ü: p99<50xs", 15, `"xs"`},
	} {
		_, err := Parse(c.in)
		var pe *Error
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q) = %v, want an *Error", c.in, err)
			continue
		}
		if pe.Col() != c.col || !strings.Contains(pe.Error(), c.want) {
			t.Errorf("Parse(%q): %v (column %d), want column %d and %q", c.in, err, pe.Col(), c.col, c.want)
		}
	}
}

// snapshot is a run of 200 requests on two routes, 4 of them failed, 10
// dropped and 5 in flight, with 20 of the requests a journey's.
func snapshot() *stats.Snapshot {
	lat := func(p50, p99 time.Duration, n int64) stats.Percentiles {
		return stats.Percentiles{Count: n, P50: p50, P90: p99 / 2, P95: p99 * 3 / 4, P99: p99, P999: p99 * 2, Max: p99 * 3}
	}
	return &stats.Snapshot{
		Elapsed: 10 * time.Second,
		Total:   200, Success: 196, Errors: 4, Dropped: 10, InFlight: 5,
		Latency: lat(20*time.Millisecond, 120*time.Millisecond, 200),
		Endpoints: []stats.EndpointStats{
			{Route: "GET /a", Method: "GET", Total: 150, Success: 150, Latency: lat(10*time.Millisecond, 40*time.Millisecond, 150)},
			{Route: "POST /b", Method: "POST", Total: 50, Success: 46, Errors: 4, Dropped: 10, Latency: lat(50*time.Millisecond, 200*time.Millisecond, 50),
				Checked: 48, CheckFailed: 2},
			{Route: "GET /idle", Method: "GET"},
		},
		Journeys: stats.JourneyStats{Steps: []stats.StepStats{{Reached: 15}, {Reached: 10}}},
	}
}

func mustParse(t *testing.T, in string) Threshold {
	t.Helper()
	th, err := Parse(in)
	if err != nil {
		t.Fatal(err)
	}
	return th
}

func TestEvaluate(t *testing.T) {
	s := snapshot()
	for _, c := range []struct {
		in    string
		value float64
		count int64
		pass  bool
	}{
		{"p99<100ms", 0.12, 200, false},
		{"p99<=120ms", 0.12, 200, true},
		{"p50<25ms", 0.02, 200, true},
		{"p90<50ms", 0.06, 200, false},
		{"p95<100ms", 0.09, 200, true},
		{"p99.9<200ms", 0.24, 200, false},
		{"max<1s", 0.36, 200, true},
		{"errors<1%", 0.02, 200, false},
		{"errors<5%", 0.02, 200, true},
		// sent: 200 done + 5 in flight - 25 journey requests = 180, of 190 due
		{"rate>=95%", 180.0 / 190, 190, false},
		{"rate>=94%", 180.0 / 190, 190, true},
		{"dropped==0", 10, 190, false},
		{"dropped<=10", 10, 190, true},
		{"dropped<5%", 10.0 / 190, 190, false},
		{"GET /a: p99<50ms", 0.04, 150, true},
		{"POST /b: errors<5%", 0.08, 50, false},
		{"POST /b: rate>=90%", 50.0 / 60, 60, false},
		{"GET /idle: p99<1s", 0, 0, false},
		{"GET /gone: p99<1s", 0, 0, false},
		// 48 answers checked on POST /b, 2 failed; none on the other routes
		{"checks>=95%", 46.0 / 48, 48, true},
		{"checks>=99.9%", 46.0 / 48, 48, false},
		{"POST /b: checks>96%", 46.0 / 48, 48, false},
		{"GET /a: checks>=0%", 0, 0, false},
	} {
		r := Evaluate([]Threshold{mustParse(t, c.in)}, s)[0]
		if d := r.Value - c.value; d > 1e-9 || d < -1e-9 || r.Count != c.count || r.Pass != c.pass {
			t.Errorf("%s: value %v of %d, pass %v; want %v of %d, pass %v", c.in, r.Value, r.Count, r.Pass, c.value, c.count, c.pass)
		}
	}
}

// TestNoFigureFails: before any request, and at the end of a run without
// one, no threshold passes, whatever its comparison.
func TestNoFigureFails(t *testing.T) {
	var s stats.Snapshot
	for _, in := range []string{"p99<60s", "errors<100%", "dropped==0", "rate>=0%", "checks>=0%"} {
		r := Evaluate([]Threshold{mustParse(t, in)}, &s)[0]
		if r.Pass || r.Known() || r.Verdict(false) != "waiting" || r.Verdict(true) != "FAIL" || r.ValueText() != "-" {
			t.Errorf("%s on no requests: %+v, %s/%s", in, r, r.Verdict(false), r.Verdict(true))
		}
	}
}

// TestFailing: abort acts on a failing figure once it covers enough of
// the run, never on the first few requests.
func TestFailing(t *testing.T) {
	th := []Threshold{mustParse(t, "errors<1%"), mustParse(t, "p99<50ms")}
	s := snapshot()
	s.Total, s.Errors, s.Latency.Count = 20, 4, 20
	for _, c := range []struct {
		total   int64
		elapsed time.Duration
		want    bool
	}{
		{20, time.Second, false},
		{20, MinTime, true},
		{MinRequests, time.Second, true},
		{0, time.Minute, false},
	} {
		s.Total, s.Latency.Count, s.Elapsed = c.total, c.total, c.elapsed
		r, got := Failing(Evaluate(th, s), s.Elapsed)
		if got != c.want || got && r.Expr != "errors<1%" {
			t.Errorf("%d requests in %v: failing %v (%s), want %v", c.total, c.elapsed, got, r.Expr, c.want)
		}
	}
}

func TestResolve(t *testing.T) {
	routes := []string{"GET /api/users", "GET /api/users/{id}", "PUT /api/users/{id}", "POST /api/orders"}
	parse := func(in ...string) []Threshold {
		var out []Threshold
		for _, s := range in {
			out = append(out, mustParse(t, s))
		}
		return out
	}
	got, err := Resolve(parse("p99<1s", "GET /api/users/{id}: p99<1s", "/api/orders: errors<1%"), routes)
	if err != nil || got[0].Route != "" || got[1].Route != "GET /api/users/{id}" || got[2].Route != "POST /api/orders" {
		t.Fatalf("Resolve: %v, %+v", err, got)
	}
	for in, want := range map[string]string{
		"GET /api/user: p99<1s":     `no route "GET /api/user" in this run; its routes: GET /api/users, GET /api/users/{id}`,
		"/api/users/{id}: p99<1s":   "is GET /api/users/{id} and PUT /api/users/{id}: give the method",
		"get /api/users: p99<1s":    `no route "get /api/users"`,
		"DELETE /api/users: max<1s": `"DELETE /api/users: max<1s": no route`,
	} {
		if _, err := Resolve(parse(in), routes); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", in, err, want)
		}
	}
}

func TestText(t *testing.T) {
	s := snapshot()
	rs := Evaluate([]Threshold{mustParse(t, "p99<100ms"), mustParse(t, "errors<5%"), mustParse(t, "GET /idle: max<1s"), mustParse(t, "dropped==0")}, s)
	if got, want := BlockLine(rs), "   Thresholds: p99<100ms FAIL (120ms) | errors<5% ok (2.00%) | GET /idle: max<1s waiting (-) | dropped==0 FAIL (10)\n"; got != want {
		t.Errorf("BlockLine:\n%q\nwant\n%q", got, want)
	}
	var b strings.Builder
	WriteSummary(&b, rs, AbortReason(rs[0], 3200*time.Millisecond))
	want := `
Thresholds: 3 of 4 failed
   Aborted at 3.2s (--abort-on-fail): p99<100ms failed, p99 120ms of 200
   FAIL  p99<100ms          p99 120ms of 200
   ok    errors<5%          errors 2.00% of 200
   FAIL  GET /idle: max<1s  no requests on the route
   FAIL  dropped==0         dropped 10 of 190
`
	if b.String() != want {
		t.Errorf("WriteSummary:\n%s\nwant\n%s", b.String(), want)
	}
	rep := Report(rs)
	if r := rep[0]; r.Unit != "ms" || r.Limit != 100 || r.Value == nil || *r.Value < 119.99 || *r.Value > 120.01 || r.Pass || r.Metric != "p99" || r.Op != "<" {
		t.Errorf("report p99: %+v", r)
	}
	if r := rep[1]; r.Unit != "%" || r.Limit != 5 || *r.Value != 2 || !r.Pass {
		t.Errorf("report errors: %+v", r)
	}
	if r := rep[2]; r.Value != nil || r.Route != "GET /idle" || r.Pass {
		t.Errorf("report route without requests: %+v", r)
	}
	if r := rep[3]; r.Unit != "requests" || *r.Value != 10 {
		t.Errorf("report dropped: %+v", r)
	}
	for v, want := range map[float64]string{0: "0.00%", 0.0000123: "0.001%", 0.5: "50.00%", 0.99999: "99.999%", 1: "100.00%"} {
		if got := percent(v); got != want {
			t.Errorf("percent(%v) = %s, want %s", v, got, want)
		}
	}
}
