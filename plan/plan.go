// Package plan holds the load modes and their rate plans: each mode is a
// pure function of time (the rate and the journey users at plan time t), so
// a rate change, a spike or a mode switch is exact. The engine follows a
// plan; the dashboard reads mode names from here without importing the engine.
package plan

import "time"

// Phase is one segment of a rate plan: the rate moves linearly from From to
// To over Length (a constant rate when they are equal). A Length of zero
// means the phase never ends.
type Phase struct {
	Name     string
	Length   time.Duration
	From, To float64
	// Users is the number of journey virtual users during the phase.
	Users int
}

// Plan is a rate function of time: a mode's timeline as pure data. The
// rate at plan time t is RateAt(t); nothing in a Plan changes after
// New, so it is safe to share.
type Plan struct {
	Mode   Mode
	Phases []Phase
	// Poisson arrivals (realistic mode) instead of evenly spaced ones.
	Poisson bool
	// Periodic spikes (spike mode): from every SpikeEvery, for SpikeLength,
	// the rate is SpikeRate.
	SpikeEvery, SpikeLength time.Duration
	SpikeRate               float64
}

// Config is what a plan is built from.
type Config struct {
	// RPS is the base rate.
	RPS float64
	// Duration is the run length; zero means until stopped.
	Duration time.Duration
	// DurationSet says the user gave Duration explicitly (demo mode scales
	// its phases to it only then).
	DurationSet bool
	// Users is the journey user count; UsersSet says it was given
	// explicitly (steady, ramp-up and spike run journeys only then).
	Users    int
	UsersSet bool
	// Knee configures the knee finder (ModeKnee); zero values take the
	// defaults.
	Knee KneeConfig
}

// The demo's story at the defaults (RPS 20, 200 s).
const (
	demoBaseRPS = 20.0
	demoLength  = 200 * time.Second
	// rampDefault is the ramp-up length when Duration is zero.
	rampDefault = 60 * time.Second
	// Spike mode: every spikeEvery a spikeLength spike at spikeFactor×RPS.
	spikeEvery  = 15 * time.Second
	spikeLength = 3 * time.Second
	spikeFactor = 5.0
)

// New builds the rate plan of mode m.
//
//   - steady: RPS for Duration.
//   - ramp-up: linear from 1 to RPS over Duration (over 60 s when Duration
//     is zero, then RPS until stopped).
//   - spike: RPS, and from every 15 s a 3 s spike at 5×RPS.
//   - realistic: RPS with Poisson arrivals, with CONCURRENT_USERS journeys.
//   - demo: ramp 5→20 req/s (30 s), steady 20 req/s with 15 journey users
//     (60 s), spike 100 req/s (20 s, the users carry on), sustained 30 req/s
//     with 20 users (90 s). Rates scale by RPS/20; an explicit Duration
//     scales the 200 s in proportion. With Duration zero the last phase runs
//     until stopped.
//   - knee: the knee finder's first step (KneePlan); the engine lays out
//     each next step once it has judged the one before.
//
// Journeys run in realistic and demo mode, and in the others but knee only
// when the user count was given explicitly.
func New(m Mode, c Config) Plan {
	users := 0
	if c.UsersSet || m == ModeRealistic {
		users = c.Users
	}
	p := Plan{Mode: m}
	switch m {
	case ModeRampUp:
		length := c.Duration
		if length == 0 {
			length = rampDefault
		}
		p.Phases = []Phase{{Name: "ramp-up", Length: length, From: min(1, c.RPS), To: c.RPS, Users: users}}
		if c.Duration == 0 {
			p.Phases = append(p.Phases, Phase{Name: "steady", From: c.RPS, To: c.RPS, Users: users})
		}
	case ModeSpike:
		p.Phases = []Phase{{Name: "spike", Length: c.Duration, From: c.RPS, To: c.RPS, Users: users}}
		p.SpikeEvery, p.SpikeLength, p.SpikeRate = spikeEvery, spikeLength, spikeFactor*c.RPS
	case ModeDemo:
		k := c.RPS / demoBaseRPS
		scale := 1.0
		if c.DurationSet && c.Duration > 0 {
			scale = float64(c.Duration) / float64(demoLength)
		}
		d := func(s float64) time.Duration { return time.Duration(s * scale * float64(time.Second)) }
		p.Phases = []Phase{
			{Name: "ramp-up", Length: d(30), From: 5 * k, To: 20 * k},
			{Name: "steady + journeys", Length: d(60), From: 20 * k, To: 20 * k, Users: 15},
			{Name: "spike", Length: d(20), From: 100 * k, To: 100 * k, Users: 15},
			{Name: "sustained high load", Length: d(90), From: 30 * k, To: 30 * k, Users: 20},
		}
		if c.DurationSet && c.Duration == 0 {
			p.Phases[3].Length = 0
		}
	case ModeMax:
		p.Phases = []Phase{{Name: "max throughput", Length: c.Duration, Users: users}}
	case ModeKnee:
		// Open-model traffic alone, so that the rate it finds is the rate.
		start := NewKnee(c.Knee).Rate()
		return KneePlan(c, nil, Phase{Name: StepName(1, StepClimb, start), From: start, To: start}, false)
	default: // steady, realistic
		name := "steady"
		if m == ModeRealistic {
			name = "realistic"
			p.Poisson = true
		}
		p.Phases = []Phase{{Name: name, Length: c.Duration, From: c.RPS, To: c.RPS, Users: users}}
	}
	return p
}

// Length is the plan's total length, or zero when it never ends.
func (p Plan) Length() time.Duration {
	var total time.Duration
	for _, ph := range p.Phases {
		if ph.Length == 0 {
			return 0
		}
		total += ph.Length
	}
	return total
}

// PhaseAt returns the index of the phase at plan time t and when it
// started. Past the end of a finite plan it returns the last phase.
func (p Plan) PhaseAt(t time.Duration) (int, time.Duration) {
	var start time.Duration
	for i, ph := range p.Phases {
		if ph.Length == 0 || t < start+ph.Length || i == len(p.Phases)-1 {
			return i, start
		}
		start += ph.Length
	}
	return 0, 0
}

// RateAt returns the offered rate, in requests per second, at plan time t.
// It is zero before the start and after the end of a finite plan.
func (p Plan) RateAt(t time.Duration) float64 {
	if t < 0 || len(p.Phases) == 0 {
		return 0
	}
	if l := p.Length(); l > 0 && t >= l {
		return 0
	}
	i, start := p.PhaseAt(t)
	ph := p.Phases[i]
	rate := ph.From
	if ph.Length > 0 && ph.To != ph.From {
		rate += (ph.To - ph.From) * float64(t-start) / float64(ph.Length)
	}
	if p.SpikeEvery > 0 && t >= p.SpikeEvery && t%p.SpikeEvery < p.SpikeLength {
		rate = max(rate, p.SpikeRate)
	}
	return rate
}

// UsersAt returns the number of journey users the plan asks for at t.
func (p Plan) UsersAt(t time.Duration) int {
	if len(p.Phases) == 0 {
		return 0
	}
	i, _ := p.PhaseAt(t)
	return p.Phases[i].Users
}

// NextPhaseStart returns the start of the phase after the one at t, and
// false when t is in the last phase.
func (p Plan) NextPhaseStart(t time.Duration) (time.Duration, bool) {
	i, start := p.PhaseAt(t)
	if i >= len(p.Phases)-1 {
		return 0, false
	}
	return start + p.Phases[i].Length, true
}
