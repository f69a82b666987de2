package ui

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/stats"
)

// fixtureStart pins every wall-clock time in the fixtures.
var fixtureStart = time.Date(2025, 3, 14, 15, 0, 0, 0, time.UTC)

// demoPhases are the four demo phases stretched to a 600 s run.
var demoPhases = []stats.PhaseInfo{
	{Name: "ramp-up", Length: 90 * time.Second},
	{Name: "steady + journeys", Length: 180 * time.Second},
	{Name: "spike", Length: 60 * time.Second},
	{Name: "sustained high load", Length: 270 * time.Second},
}

// fixtureRoutes are the gateway's 11 routes with their share of traffic,
// typical latency, and error rate.
var fixtureRoutes = []struct {
	route  string
	weight float64
	p50    time.Duration
	errPct float64
}{
	{"GET /api/users", 0.16, 52 * time.Millisecond, 0.2},
	{"GET /api/users/{id}", 0.14, 48 * time.Millisecond, 0.1},
	{"POST /api/users", 0.08, 61 * time.Millisecond, 0},
	{"PUT /api/users/{id}", 0.05, 57 * time.Millisecond, 0},
	{"DELETE /api/users/{id}", 0.03, 44 * time.Millisecond, 0},
	{"GET /api/orders", 0.12, 108 * time.Millisecond, 0.3},
	{"GET /api/orders/{id}", 0.11, 97 * time.Millisecond, 0},
	{"POST /api/orders", 0.09, 121 * time.Millisecond, 1.1},
	{"GET /api/payments", 0.09, 262 * time.Millisecond, 0.4},
	{"GET /api/payments/{id}", 0.07, 248 * time.Millisecond, 0},
	{"POST /api/payments", 0.06, 1310 * time.Millisecond, 7.2},
}

// targetAt is the fixture's rate plan: the demo's four phases (at
// RPS=20), a live spike at 345 s and a fault that failed payments from
// 300 s to 320 s.
func targetAt(sec int) float64 {
	switch {
	case sec < 90:
		return 5 + 15*float64(sec)/90
	case sec < 270:
		return 20
	case sec < 330:
		return 100
	default:
		t := 30.0
		if sec >= 345 && sec < 348 {
			t += 100
		}
		return t
	}
}

// fixtureSnapshot is a rich, fixed snapshot of a demo run after seconds
// seconds: full series, 11 endpoints, journeys, codes, error kinds and
// events, with every time pinned. It is long because it is data, written
// out as the snapshot holds it.
func fixtureSnapshot(seconds int) stats.Snapshot {
	rng := rand.New(rand.NewPCG(1, 2))
	s := stats.Snapshot{
		Seq:     uint64(seconds * 4),
		Taken:   fixtureStart.Add(time.Duration(seconds) * time.Second),
		Elapsed: time.Duration(seconds) * time.Second,
	}
	for sec := 0; sec < seconds; sec++ {
		tg := targetAt(sec)
		n := int64(math.Round(tg + rng.NormFloat64()*tg*0.04))
		errRate := 0.01
		if sec >= 300 && sec < 320 {
			errRate = 0.12
		}
		errs := int64(math.Round(float64(n) * errRate * (0.5 + rng.Float64())))
		p50 := 90*time.Millisecond + time.Duration(rng.IntN(20))*time.Millisecond
		p99 := 420*time.Millisecond + time.Duration(rng.IntN(120))*time.Millisecond
		if tg >= 100 {
			p50 += 40 * time.Millisecond
			p99 += 600 * time.Millisecond
		}
		s.Series = append(s.Series, stats.Point{
			Second: int64(sec), Success: n - errs, Errors: errs, Dropped: 0,
			Target: tg, P50: p50, P99: p99,
		})
		s.Total += n
		s.Errors += errs
	}
	s.Success = s.Total - s.Errors
	s.Dropped = 3
	s.InFlight = 7
	if k := len(s.Series); k > 0 {
		last := s.Series[k-1]
		s.CurrentRPS = float64(last.Success + last.Errors)
		// The live window: the last second, a little more of it.
		s.Live = stats.Live{Span: 1050 * time.Millisecond, Success: last.Success + 1, Errors: last.Errors,
			JourneySent: 5}
	}
	if seconds > 0 {
		s.AverageRPS = float64(s.Total) / float64(seconds)
	}
	s.Latency = stats.Percentiles{Count: s.Total, Mean: 160 * time.Millisecond, P50: 96 * time.Millisecond,
		P90: 310 * time.Millisecond, P99: 1240 * time.Millisecond, P999: 2100 * time.Millisecond,
		Min: 11 * time.Millisecond, Max: 2870 * time.Millisecond}
	s.Recent = stats.Percentiles{Count: 300, Mean: 140 * time.Millisecond, P50: 99 * time.Millisecond,
		P90: 280 * time.Millisecond, P99: 1120 * time.Millisecond, P999: 1900 * time.Millisecond,
		Min: 12 * time.Millisecond, Max: 2010 * time.Millisecond}
	for _, r := range fixtureRoutes {
		tot := int64(float64(s.Total) * r.weight)
		errs := int64(float64(tot) * r.errPct / 100)
		lat := func(scale float64) stats.Percentiles {
			p50 := time.Duration(float64(r.p50) * scale)
			return stats.Percentiles{Count: tot, Mean: p50 * 11 / 10, P50: p50, P90: p50 * 17 / 10,
				P99: p50 * 19 / 10, P999: p50 * 2, Min: p50 / 5, Max: p50 * 21 / 10}
		}
		s.Endpoints = append(s.Endpoints, stats.EndpointStats{
			Route: r.route, Method: r.route[:len(r.route)-len(r.route[indexSpace(r.route):])],
			Total: tot, Success: tot - errs, Errors: errs,
			CurrentRPS: s.CurrentRPS * r.weight,
			Latency:    lat(1), Recent: lat(1.04),
		})
	}
	code := func(c int, n int64) stats.CodeCount { return stats.CodeCount{Code: c, Count: n} }
	kind := func(k stats.ErrorKind, n int64) stats.KindCount { return stats.KindCount{Kind: k, Count: n} }
	s.StatusCodes = []stats.CodeCount{code(200, s.Success*7/10), code(201, s.Success*3/10), code(404, 12),
		code(500, max(s.Errors-40, 0)), code(503, 28)}
	s.ErrorKinds = []stats.KindCount{kind(stats.KindTimeout, 9), kind(stats.KindStatus4xx, 12), kind(stats.KindStatus5xx, max(s.Errors-21, 0))}
	s.Journeys = stats.JourneyStats{
		Users: 20, Started: 1480, Completed: 1310, Declined: 131, Failed: 150, InProgress: 20,
		Steps: []stats.StepStats{
			{Journey: "checkout", Step: "users", Reached: 1480, Failed: 4, LastError: "timeout"},
			{Journey: "checkout", Step: "orders", Reached: 1476, Failed: 38, LastError: "500 Internal Server Error"},
			{Journey: "checkout", Step: "payments", Reached: 1438, Failed: 108, LastError: "503 Service Unavailable"},
		},
		Duration: stats.Percentiles{Count: 1310, P50: 420 * time.Millisecond, P99: 1830 * time.Millisecond,
			Max: 2900 * time.Millisecond},
	}
	ev := func(sec int, kind, text string) stats.Event {
		d := time.Duration(sec) * time.Second
		return stats.Event{Time: fixtureStart.Add(d), Elapsed: d, Kind: kind, Text: text}
	}
	s.Run = stats.RunInfo{
		Target: "http://127.0.0.1:18080", Mode: plan.ModeDemo.String(),
		Phase: "sustained high load", PhaseIndex: 3, PhaseCount: 4, Phases: demoPhases,
		PhaseElapsed: time.Duration(seconds-330) * time.Second, PhaseLength: 270 * time.Second,
		Duration: 600 * time.Second, Remaining: time.Duration(600-seconds) * time.Second,
		BaseRPS: 20, TargetRPS: targetAt(seconds - 1), AchievedRPS: targetAt(seconds - 1),
		Events: []stats.Event{
			ev(0, "mode", "demo: 4 phases over 10:00"),
			ev(90, "phase", "2/4 steady + journeys"),
			ev(140, "rate", "base rate 20 → 22 req/s"),
			ev(150, "rate", "base rate 22 → 20 req/s"),
			ev(200, "users", "journey users 15 → 20"),
			ev(270, "phase", "3/4 spike"),
			ev(300, "fault", "payments: errors 20%"),
			ev(320, "fault", "none"),
			ev(330, "phase", "4/4 sustained high load"),
			ev(345, "spike", "+100 req/s for 3s"),
		},
	}
	if seconds < 330 {
		s.Run.PhaseElapsed = 0
	}
	return s
}

func indexSpace(s string) int {
	for i, r := range s {
		if r == ' ' {
			return i
		}
	}
	return len(s)
}

// fakeEngine records the controls the dashboard calls.
type fakeEngine struct {
	mu    sync.Mutex
	calls []string
}

func (f *fakeEngine) rec(format string, a ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf(format, a...))
}

func (f *fakeEngine) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeEngine) Spike()                   { f.rec("Spike") }
func (f *fakeEngine) SetMode(m plan.Mode)      { f.rec("SetMode(%s)", m) }
func (f *fakeEngine) ScaleRate(factor float64) { f.rec("ScaleRate(%.4f)", factor) }
func (f *fakeEngine) AddUsers(delta int)       { f.rec("AddUsers(%d)", delta) }
func (f *fakeEngine) TogglePause()             { f.rec("TogglePause") }
func (f *fakeEngine) ResetStats()              { f.rec("ResetStats") }
func (f *fakeEngine) NextPhase()               { f.rec("NextPhase") }
func (f *fakeEngine) ToggleHold()              { f.rec("ToggleHold") }
func (f *fakeEngine) Note(kind, text string)   { f.rec("Note(%s, %s)", kind, text) }

// maxSnapshot is a closed-loop (max-mode) run against one fast route:
// about 42,000 req/s, tick tenths of a second
// after second seconds. Every tick changes the numbers; a tick of 0 brings a
// newly completed second to the series.
func maxSnapshot(seconds, tick int) stats.Snapshot {
	rng := rand.New(rand.NewPCG(uint64(seconds), uint64(tick)))
	el := time.Duration(seconds)*time.Second + time.Duration(tick)*100*time.Millisecond
	s := stats.Snapshot{
		Seq: uint64(seconds*10 + tick), Taken: fixtureStart.Add(el), Elapsed: el,
		InFlight: int64(45 + rng.IntN(6)),
	}
	for sec := 0; sec < seconds; sec++ {
		r := rand.New(rand.NewPCG(3, uint64(sec)))
		n := int64(41000 + r.IntN(2000))
		s.Series = append(s.Series, stats.Point{Second: int64(sec), Success: n,
			P50: time.Duration(1000+r.IntN(200)) * time.Microsecond, P99: time.Duration(3200+r.IntN(900)) * time.Microsecond})
		s.Total += n
	}
	s.Total += int64(tick) * 4200
	s.Success = s.Total
	if k := len(s.Series); k > 0 {
		s.CurrentRPS = float64(s.Series[k-1].Success)
	}
	if el > 0 {
		s.AverageRPS = float64(s.Total) / el.Seconds()
	}
	lat := func() stats.Percentiles {
		return stats.Percentiles{Count: s.Total, Mean: 1100 * time.Microsecond,
			P50: time.Duration(1000+rng.IntN(200)) * time.Microsecond, P90: time.Duration(2100+rng.IntN(400)) * time.Microsecond,
			P99: time.Duration(3200+rng.IntN(900)) * time.Microsecond, P999: 6 * time.Millisecond,
			Min: 90 * time.Microsecond, Max: time.Duration(9+rng.IntN(9)) * time.Millisecond}
	}
	s.Latency, s.Recent = lat(), lat()
	s.Endpoints = []stats.EndpointStats{{Route: "GET /x.json", Method: "GET", Total: s.Total, Success: s.Success,
		CurrentRPS: s.CurrentRPS, Latency: s.Latency, Recent: s.Recent}}
	s.StatusCodes = []stats.CodeCount{{Code: 200, Count: s.Total}}
	s.Run = stats.RunInfo{
		Target: "http://127.0.0.1:33533/x.json", Mode: plan.ModeMax.String(), Concurrency: 50,
		Duration: 10 * time.Minute, Remaining: 10*time.Minute - el,
		Events: []stats.Event{{Time: fixtureStart, Kind: "info", Text: "started: max mode, target http://127.0.0.1:33533/x.json"}},
	}
	return s
}
