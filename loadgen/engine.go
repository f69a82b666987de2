// Package loadgen is the load engine: the open-model scheduler and its
// in-flight cap, the workers, the closed loop, journeys of virtual users,
// and live controls, all sending through one path (Engine.send). It knows
// nothing about terminals: it publishes stats.Snapshots on a channel, and
// the same engine feeds the dashboard or the headless printer. How it
// works, and why, is in docs/design.md.
package loadgen

import (
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/trafficgen/trafficgen/internal/newest"
	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/scenario"
	"github.com/trafficgen/trafficgen/stats"
	"github.com/trafficgen/trafficgen/transport"
)

// Config describes a run. Zero values take the documented defaults.
type Config struct {
	// Target is the base URL; scenario paths are appended to it (so a path
	// prefix such as http://host/v2 works as a base path).
	Target string
	// Mode is the rate plan.
	Mode plan.Mode
	// RPS is the base rate (default 20).
	RPS float64
	// Duration is the run length; zero runs until the context ends.
	// DurationSet says it was given explicitly (demo mode scales to it).
	Duration    time.Duration
	DurationSet bool
	// Users is the number of journey virtual users (default 10); UsersSet
	// says it was given explicitly (steady, ramp-up and spike run journeys
	// only then).
	Users    int
	UsersSet bool
	// SpikeMultiplier and SpikeDuration size a live spike (defaults 5 and
	// 3 s): it adds SpikeMultiplier × the base rate for SpikeDuration.
	SpikeMultiplier float64
	SpikeDuration   time.Duration
	// MaxInFlight caps outstanding open-model requests (sent, or waiting
	// for a worker); a request due while the cap is full is dropped and
	// counted. 0, the default, is the larger of 1,000 and 100 ms of the
	// target rate, rising with the rate at once and falling with it a
	// request timeout later (inFlightCap, stickyCap).
	MaxInFlight int
	// Timeout bounds each request, from its due time in the open model
	// and its send otherwise (default 10 s), and the drain after the
	// run's end.
	Timeout time.Duration
	// Think overrides the scenario's think time between journeys when
	// Max > 0.
	Think scenario.Range
	// SnapshotInterval is how often a Snapshot is published (default
	// 100 ms).
	SnapshotInterval time.Duration
	// Concurrency > 0 with plan.ModeMax runs the closed-loop max-throughput
	// mode: that many workers send back to back.
	Concurrency int
	// Scenario is what to send; nil means the built-in gateway scenario.
	Scenario *scenario.Scenario
	// Client sends the requests; nil means a transport built from
	// HTTPClient and the fields below it.
	Client transport.Client
	// HTTPClient picks the client when Client is nil: ClientH1 ("h1",
	// HTTP/1.1, the least CPU per request) or ClientNetHTTP ("nethttp",
	// Go's net/http: HTTP/2 and proxies); "" picks h1 unless HTTP2 or a
	// proxy from the environment needs net/http.
	HTTPClient string
	// TLS configures TLS for https targets; nil verifies against the
	// system's roots.
	TLS *tls.Config
	// HTTP2 asks for HTTP/2: negotiated by ALPN over TLS, and with prior
	// knowledge (h2c) for an http:// target.
	HTTP2 bool
	// MaxRedirects is how many redirects a request follows: 0 means
	// DefaultMaxRedirects, NoRedirects none.
	MaxRedirects int
	// Shapes are the JSON shapes to compare the routes' answers with, by
	// route template, as a report keeps them (stats.Report.Shapes); a
	// route without one learns its shape from its first answers.
	Shapes map[string][]string
	// Recorder receives the results; nil means a new one.
	Recorder *stats.Recorder
	// Seed fixes the engine's randomness (0 = random).
	Seed uint64
	// Knee configures the knee finder (plan.ModeKnee, or a switch to it);
	// zero values take plan.DefaultKnee's.
	Knee plan.KneeConfig
	// KneeSLO, when set, judges each knee step in place of Knee.SLO: it
	// gets the step's window (stats.Window.Snapshot) and returns what the
	// window breaks, in words; none passes the step. The CI gate's
	// thresholds plug in here. KneeSLOText is that objective in words.
	KneeSLO     func(window *stats.Snapshot) []string
	KneeSLOText string
}

func (c *Config) defaults() error {
	if c.RPS == 0 && c.Mode != plan.ModeMax {
		c.RPS = 20
	}
	if c.Users == 0 && !c.UsersSet {
		c.Users = 10
	}
	if c.SpikeMultiplier == 0 {
		c.SpikeMultiplier = 5
	}
	if c.SpikeDuration == 0 {
		c.SpikeDuration = 3 * time.Second
	}
	if c.Timeout == 0 {
		c.Timeout = 10 * time.Second
	}
	if c.SnapshotInterval == 0 {
		c.SnapshotInterval = 100 * time.Millisecond
	}
	switch {
	case c.RPS < 0:
		return fmt.Errorf("rps must not be negative, got %g", c.RPS)
	case c.Users < 0:
		return fmt.Errorf("users must not be negative, got %d", c.Users)
	case c.MaxInFlight < 0:
		return fmt.Errorf("max in-flight must not be negative, got %d", c.MaxInFlight)
	case c.Mode == plan.ModeMax && c.Concurrency < 1:
		return errors.New("max-throughput mode needs a concurrency of at least 1")
	case c.Duration < 0:
		return fmt.Errorf("duration must not be negative, got %v", c.Duration)
	}
	if _, err := url.Parse(c.Target); err != nil {
		return fmt.Errorf("target: %w", err)
	}
	// Checked in every mode: a dashboard key can start the knee finder.
	return c.Knee.WithDefaults().Validate()
}

// Engine runs one load test. Build it with New, start it with Run; the
// control methods (Spike, SetMode, ...) may be called from any goroutine
// while it runs, and never block.
type Engine struct {
	cfg   Config
	shown string // where the requests go, user info masked (shownTarget)
	rec   *stats.Recorder
	scn   *scenario.Scenario
	run   *scenario.Run
	cl    *client
	ctl   *control
	knee  kneeFinder
	// clientName is the HTTP client in use (chooseClient), and clientWhy
	// why, when it is not the one asked for.
	clientName, clientWhy string
	snap                  chan stats.Snapshot

	// endpoint i of the scenario records under route id routes[i]
	routes     []int
	cumWeights []float64
	// journey j's step s records under stepRoutes[j][s] and is step
	// stepBase[j]+s of the recorder's journey steps
	stepRoutes [][]int
	stepBase   []int
	// routeChecks are each route's response checks and shape, by route id
	routeChecks []*routeChecks

	think    scenario.Range
	inFlight atomic.Int64 // open-model requests outstanding
	// appliedCap is the in-flight cap the scheduler applied last while
	// the rate was above 0 (0 before it starts)
	appliedCap atomic.Int64
	pool       workerPool // the open-model workers
	users      *userPool
	// probe says whether the CPU is saturated (the pool's sizer); the
	// scheduler starts one unless a test has set it
	probe contention

	// ended is set at the run's end: from then on nothing is sent
	// (Engine.send). endedAt is when; it may be read once endedSet is
	// closed.
	ended    atomic.Bool
	endedAt  time.Time
	endedSet chan struct{}

	last      atomic.Pointer[stats.Snapshot]
	phaseSeen atomic.Int64 // the mode and phase last logged, mode<<16 | phase+1
	ran       atomic.Bool
}

// New checks cfg and builds an engine. Nothing is sent until Run.
func New(cfg Config) (*Engine, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	scn := cfg.Scenario
	if scn == nil {
		var err error
		if scn, err = scenario.Default(scenario.Options{}); err != nil {
			return nil, fmt.Errorf("built-in scenario: %w", err)
		}
	}
	if cfg.Mode != plan.ModeMax && cfg.RPS > 0 && len(scn.Endpoints) == 0 && len(scn.Journeys) == 0 {
		return nil, errors.New("scenario has no endpoints and no journeys")
	}
	rec := cfg.Recorder
	if rec == nil {
		rec = stats.New()
	}
	cl, clientName, clientWhy, err := newClient(cfg, scn, rec)
	if err != nil {
		return nil, err
	}
	e := &Engine{
		cfg: cfg, shown: shownTarget(cfg.Target, scn), rec: rec, scn: scn, run: scn.NewRun(),
		cl: cl, clientName: clientName, clientWhy: clientWhy,
		snap:     make(chan stats.Snapshot, 1),
		endedSet: make(chan struct{}),
	}
	e.think = scn.Think
	if cfg.Think.Max > 0 {
		e.think = cfg.Think
	}
	var total float64
	for _, ep := range scn.Endpoints {
		e.routes = append(e.routes, rec.Register(ep.Method, ep.Route))
		total += ep.Weight
		e.cumWeights = append(e.cumWeights, total)
	}
	for _, j := range scn.Journeys {
		ids := make([]int, len(j.Steps))
		names := make([]string, len(j.Steps))
		for i, st := range j.Steps {
			ids[i] = rec.Register(st.Method, st.Route)
			names[i] = st.Name
		}
		e.stepRoutes = append(e.stepRoutes, ids)
		base := rec.RegisterJourney(j.Name, names)
		e.stepBase = append(e.stepBase, base)
		for i := 1; i < len(j.Steps); i++ { // get-or-create: one runs, never both
			if a, b := j.Steps[i-1], j.Steps[i]; a.IfSet() != "" && a.IfSet() == b.IfUnset() || a.IfUnset() != "" && a.IfUnset() == b.IfSet() {
				rec.JourneyAlternative(base + i)
			}
		}
	}
	if err := e.setUpChecks(cfg.Shapes); err != nil {
		return nil, err
	}
	pc := plan.Config{RPS: cfg.RPS, Duration: cfg.Duration, DurationSet: cfg.DurationSet, Users: cfg.Users, UsersSet: cfg.UsersSet, Knee: cfg.Knee}
	if len(scn.Journeys) == 0 {
		pc.Users, pc.UsersSet = 0, true
	}
	e.ctl = newControl(cfg.Mode, pc, cfg.SpikeMultiplier, cfg.SpikeDuration, time.Now())
	e.knee.e = e
	return e, nil
}

// Snapshots returns the channel on which the engine publishes a Snapshot
// every SnapshotInterval. It holds at most one: an unread snapshot is
// replaced by a newer one, so a slow reader never stalls the engine. The
// channel is closed when Run returns, after the final snapshot.
func (e *Engine) Snapshots() <-chan stats.Snapshot { return e.snap }

// ClientName names the HTTP client the engine sends with: "h1",
// "nethttp", or "custom" for Config.Client.
func (e *Engine) ClientName() string { return e.clientName }

// Recorder returns the engine's recorder.
func (e *Engine) Recorder() *stats.Recorder { return e.rec }

// Final returns the last snapshot published (after Run, the final one).
func (e *Engine) Final() stats.Snapshot {
	if s := e.last.Load(); s != nil {
		return *s
	}
	return e.snapshot(time.Now(), false)
}

// publish offers s to the reader, replacing an unread older snapshot.
func (e *Engine) publish(s stats.Snapshot) {
	e.last.Store(&s)
	newest.Offer(e.snap, s)
}

// snapshot takes a recorder snapshot and adds the engine's state.
func (e *Engine) snapshot(now time.Time, done bool) stats.Snapshot {
	cs := e.ctl.state(now)
	e.rec.Target(now, cs.target)
	s := e.rec.Snapshot(now)
	r := &s.Run
	r.Target = e.shown
	r.Mode = cs.mode.String()
	r.PhaseIndex, r.PhaseCount = cs.phase, len(cs.plan.Phases)
	for _, ph := range cs.plan.Phases {
		r.Phases = append(r.Phases, stats.PhaseInfo{Name: ph.Name, Length: ph.Length})
	}
	if cs.phase < len(cs.plan.Phases) {
		r.Phase = cs.plan.Phases[cs.phase].Name
		r.PhaseLength = cs.plan.Phases[cs.phase].Length
	}
	r.PhaseElapsed = cs.phaseElapsed
	r.Duration = cs.plan.Length()
	if r.Duration > 0 {
		r.Remaining = max(r.Duration-cs.planTime, 0)
	}
	r.BaseRPS, r.TargetRPS = cs.baseRPS, cs.target
	r.Spiking, r.SpikeLeft, r.SpikeRate = cs.spikeLeft > 0, cs.spikeLeft, cs.spikeRate
	r.Paused, r.Held = cs.paused, cs.held
	if cs.mode == plan.ModeMax {
		r.Concurrency = e.cfg.Concurrency
	} else if r.MaxInFlight = int(e.appliedCap.Load()); r.MaxInFlight == 0 {
		r.MaxInFlight = inFlightCap(e.cfg.MaxInFlight, cs.target)
	}
	r.Done = done
	if p := cs.plan; p.SpikeEvery > 0 && !cs.paused {
		r.NextSpike = p.SpikeEvery - cs.planTime%p.SpikeEvery
		if cs.planTime >= p.SpikeEvery && cs.planTime%p.SpikeEvery < p.SpikeLength {
			r.NextSpike = 0 // in a burst
		}
	}
	r.Knee = e.knee.info(now)
	e.kneeRunInfo(r, cs.planTime)
	// A phased plan's phase changes go to the event log as they happen
	// (the knee finder logs its steps itself).
	if key := int64(cs.mode)<<16 | int64(cs.phase+1); len(cs.plan.Phases) > 1 && cs.mode != plan.ModeKnee && e.phaseSeen.Swap(key) != key {
		e.rec.Event(now, "phase", fmt.Sprintf("%d/%d %s", cs.phase+1, len(cs.plan.Phases), r.Phase))
	}
	if e.users != nil {
		s.Journeys.Users = e.users.count()
	}
	return s
}

// Spike adds SpikeMultiplier × the base rate for SpikeDuration, from now.
func (e *Engine) Spike() {
	now := time.Now()
	add, l := e.ctl.spike(now)
	e.rec.Event(now, "spike", fmt.Sprintf("spike: +%.0f req/s for %s", add, l))
}

// SetMode switches the rate plan live; the new mode's timeline starts now
// (with its full length) and stats carry on. plan.ModeMax cannot be switched to.
func (e *Engine) SetMode(m plan.Mode) {
	if m == plan.ModeMax || e.cfg.Mode == plan.ModeMax {
		e.Note("error", "max-throughput runs cannot switch mode")
		return
	}
	now := time.Now()
	e.ctl.setMode(m, now)
	e.rec.Event(now, "mode", "mode: "+m.String())
	if m == plan.ModeKnee {
		e.knee.start(now)
	} else {
		e.knee.stop()
	}
}

// ScaleRate multiplies the base rate by factor (the + and - keys use 1.1
// and 1/1.1); the rate plan keeps its shape.
func (e *Engine) ScaleRate(factor float64) {
	if factor <= 0 {
		return
	}
	if e.kneeMode() {
		e.Note("error", "the knee finder sets the rate: + and - wait for another mode")
		return
	}
	r := e.ctl.scaleRate(factor)
	e.rec.Event(time.Now(), "rate", fmt.Sprintf("base rate: %.1f req/s", r))
}

// AddUsers adds (or, negative, removes) journey virtual users.
func (e *Engine) AddUsers(delta int) {
	if len(e.scn.Journeys) == 0 {
		e.Note("error", "this scenario has no journeys")
		return
	}
	now := time.Now()
	n := e.ctl.addUsers(delta, now)
	e.rec.Event(now, "users", fmt.Sprintf("journey users: %d", n))
}

// TogglePause pauses or resumes all traffic; the plan clock stands still
// while paused.
func (e *Engine) TogglePause() {
	now := time.Now()
	if e.ctl.togglePause(now) {
		e.rec.Event(now, "pause", "paused")
	} else {
		e.rec.Event(now, "resume", "resumed")
	}
}

// ResetStats clears the statistics; the run, its plan and clock go on.
func (e *Engine) ResetStats() {
	now := time.Now()
	e.rec.Reset(now)
	e.ctl.touch()
	e.rec.Event(now, "reset", "stats reset")
}

// NextPhase jumps to the start of the plan's next phase.
func (e *Engine) NextPhase() {
	now := time.Now()
	if e.kneeMode() {
		e.Note("error", "the knee finder moves on when a step is judged")
		return
	}
	// The next snapshot logs the phase change.
	if _, err := e.ctl.nextPhase(now); err != nil {
		e.rec.Event(now, "phase", "next phase: "+err.Error())
	}
}

// ToggleHold stops the plan clock (the current phase lasts until released)
// or restarts it.
func (e *Engine) ToggleHold() {
	now := time.Now()
	if e.kneeMode() {
		e.Note("error", "the knee finder holds by itself once it has found the knee")
		return
	}
	if e.ctl.toggleHold(now) {
		e.rec.Event(now, "hold", "phase held")
	} else {
		e.rec.Event(now, "hold", "phase released")
	}
}

// Note adds an entry to the event log.
func (e *Engine) Note(kind, text string) { e.rec.Event(time.Now(), kind, text) }

// Report builds the run's JSON report; config is recorded as given.
func (e *Engine) Report(config map[string]any) (*stats.Report, error) {
	final := e.Final()
	rep, err := e.rec.Report(final.Taken, config)
	if err == nil {
		rep.Knee = final.Run.Knee.Report()
	}
	return rep, err
}

// kneeMode says whether the knee finder sets the rate now.
func (e *Engine) kneeMode() bool {
	return e.ctl.clock(time.Now()).mode == plan.ModeKnee
}

// pickEndpoint picks an endpoint index by weight.
func (e *Engine) pickEndpoint(r *rand.Rand) int {
	n := len(e.cumWeights)
	if n == 1 {
		return 0
	}
	x := r.Float64() * e.cumWeights[n-1]
	lo, hi := 0, n-1
	for lo < hi {
		mid := (lo + hi) / 2
		if e.cumWeights[mid] > x {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

func (e *Engine) newRand(stream uint64) *rand.Rand {
	seed := e.cfg.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	return rand.New(rand.NewPCG(seed, stream))
}

// pickJourney picks a journey by weight.
func (e *Engine) pickJourney(r *rand.Rand) int {
	js := e.scn.Journeys
	if len(js) == 1 {
		return 0
	}
	var total float64
	for _, j := range js {
		total += j.Weight
	}
	x := r.Float64() * total
	for i, j := range js {
		if x < j.Weight {
			return i
		}
		x -= j.Weight
	}
	return len(js) - 1
}

// record counts the exchange of a request on route, timed from start: its
// due time in the open model, its send time otherwise. It is the one place
// results reach the recorder (Engine.send calls it).
func (e *Engine) record(route int, ex exchange, start, end time.Time) {
	// Each redirect followed is a request the server answered: counted
	// under the route with its 3xx, timed from the one before it.
	for _, r := range ex.redirects {
		e.rec.Sent(start)
		e.rec.Record(stats.Result{Route: route, Code: r.Status, Latency: r.At.Sub(start), End: r.At})
		start = r.At
	}
	e.rec.Record(stats.Result{Route: route, Code: ex.code, Kind: ex.kind, Latency: end.Sub(start), End: end, Resent: ex.resent, Err: ex.err,
		Checked: ex.checked, CheckFailed: ex.checkFailed})
}
