package loadgen

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/stats"
)

// kneeFinder runs the knee finder on the engine: it marks each step's
// window once the step has settled, judges the step on that window at its
// end, and lays the next step (or the hold) out on the plan. The search
// itself is plan.Knee; how a step is judged, and why, is in "The knee
// finder" in docs/design.md. The run loop calls tick with every snapshot;
// the methods hold a short mutex and never block.
type kneeFinder struct {
	e *Engine

	mu     sync.Mutex
	active bool // the plan is the knee finder's
	search *plan.Knee
	taken  []plan.Phase // the judged steps' phases, as long as each ran
	steps  []kneeStep   // the judged steps
	cur    kneeStep     // the step under way, or the hold
	win    *stats.Window
	// touched is the control's count of live controls at the step's
	// start: one more by the judgement, or a spike seen during the step
	// (spiked), and the step is taken again.
	touched uint64
	spiked  bool
	knee    int  // index in steps of the highest sustained rate, -1
	broke   bool // a step has broken the objective
}

// kneeStep is one step with its times: on the wall clock, and its start
// on the plan clock.
type kneeStep struct {
	stats.KneeStep
	start, end time.Time
	planStart  time.Duration
}

// notJudged says why a step was taken again rather than judged.
const notJudged = "a spike, pause, user change or stats reset fell in it"

// maxKneeSteps is how many judged steps the finder keeps (and every
// snapshot copies): a search with the defaults takes a few dozen, and a
// presenter who keeps a step from being judged only adds more.
const maxKneeSteps = 200

// start begins a search at now, which the plan clock reads as zero (the
// run's start or a switch to knee mode).
func (k *kneeFinder) start(now time.Time) {
	touched := k.e.ctl.clock(now).touched
	k.mu.Lock()
	defer k.mu.Unlock()
	k.active, k.search = true, plan.NewKnee(k.e.cfg.Knee)
	k.taken, k.steps, k.win, k.knee, k.broke = nil, nil, nil, -1, false
	k.cur = k.newStep(1, now, 0)
	k.touched = touched
	k.e.rec.Event(now, "knee", fmt.Sprintf("knee finder: from %s req/s, %s", plan.RateText(k.cur.Rate), k.sloText()))
}

// stop ends the search (the mode was switched away).
func (k *kneeFinder) stop() {
	k.mu.Lock()
	k.active = false
	k.mu.Unlock()
}

func (k *kneeFinder) newStep(n int, now time.Time, planAt time.Duration) kneeStep {
	return kneeStep{KneeStep: stats.KneeStep{N: n, Kind: k.search.Kind(), Rate: k.search.Rate()}, start: now, planStart: planAt}
}

// tick moves the search on at now: it marks the step's window once the
// step has settled, and judges it once the step is over.
func (k *kneeFinder) tick(now time.Time) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.active || k.search.State() == plan.KneeHolding {
		return
	}
	cs := k.e.ctl.clock(now)
	if cs.mode != plan.ModeKnee {
		k.active = false
		return
	}
	if cs.stopped {
		return // paused: the step waits, and is taken again (touched)
	}
	k.spiked = k.spiked || cs.spiking
	cfg := k.search.Config()
	ran := cs.t - k.cur.planStart
	if k.win == nil && ran >= cfg.Settle {
		k.win = k.e.rec.Mark(now)
	}
	if ran < cfg.Step {
		return
	}
	k.judge(now, cs.t, cs.touched)
}

// judge judges the step under way on its window at now (plan time pt),
// and starts the next step. The caller holds mu.
func (k *kneeFinder) judge(now time.Time, pt time.Duration, touched uint64) {
	cfg := k.search.Config()
	ws := k.win.Snapshot(now)
	st := k.cur
	st.end = now
	st.Achieved = ws.AverageRPS
	st.Total, st.Errors, st.Dropped = ws.Total, ws.Errors, ws.Dropped
	st.P50, st.P99 = ws.Latency.P50, ws.Latency.P99
	holding := false
	// A window cut short (the step's settle time passed between two
	// ticks, late) says too little to judge on.
	if touched != k.touched || k.spiked || ws.Elapsed < (cfg.Step-cfg.Settle)/2 {
		st.Skipped, st.Why = true, notJudged
		if touched == k.touched && !k.spiked {
			st.Why = "its window was cut short"
		}
	} else {
		f := plan.StepFigures{Target: st.Rate, Elapsed: ws.Elapsed,
			Total: ws.Total, Errors: ws.Errors, Dropped: ws.Dropped, P50: st.P50, P99: st.P99}
		why := k.check(&ws, f)
		st.Pass, st.Why = len(why) == 0, strings.Join(why, "; ")
		holding = k.search.Advance(st.Pass, f)
		k.broke = k.broke || !st.Pass
	}
	k.steps = append(k.steps, st)
	k.taken = append(k.taken, plan.Phase{Name: plan.StepName(st.N, st.Kind, st.Rate), Length: pt - st.planStart, From: st.Rate, To: st.Rate})
	if len(k.steps) > maxKneeSteps {
		k.steps = slices.Delete(k.steps, 0, 1)
		// The plan clock still runs from the first step: its time goes
		// to the next.
		k.taken[1].Length += k.taken[0].Length
		k.taken = slices.Delete(k.taken, 0, 1)
	}
	k.knee = k.sustained()
	k.e.rec.Event(now, "knee", kneeEventText(st.KneeStep))
	k.cur = k.newStep(st.N+1, now, pt)
	k.win, k.touched, k.spiked = nil, touched, false
	if holding {
		k.e.rec.Event(now, "knee", "knee: "+stats.KneeHeadline(k.infoLocked(now)))
	}
	k.e.ctl.setPlan(plan.KneePlan(k.e.ctl.pc, k.taken,
		plan.Phase{Name: plan.StepName(k.cur.N, k.cur.Kind, k.cur.Rate), From: k.cur.Rate, To: k.cur.Rate}, holding))
}

// check returns what of the objective a step's window breaks, ws as a
// snapshot and f as figures: Config.KneeSLO's verdict on ws when it is
// set, else the search's own on f.
func (k *kneeFinder) check(ws *stats.Snapshot, f plan.StepFigures) []string {
	if slo := k.e.cfg.KneeSLO; slo != nil {
		return slo(ws)
	}
	return k.search.Check(f)
}

// sloText is the objective steps are judged on, in words.
func (k *kneeFinder) sloText() string {
	if k.e.cfg.KneeSLO != nil {
		return k.e.cfg.KneeSLOText
	}
	return k.search.SLOText()
}

// sustained is the index of the latest step that passed at the search's
// good rate, -1 for none. The caller holds mu.
func (k *kneeFinder) sustained() int {
	good := k.search.Good()
	for i := len(k.steps) - 1; i >= 0; i-- {
		if st := k.steps[i]; st.Pass && good > 0 && st.Rate == good {
			return i
		}
	}
	return -1
}

// info is the search's state for a snapshot at now, its times on the
// recorder's clock; nil when the plan is not the knee finder's.
func (k *kneeFinder) info(now time.Time) *stats.KneeInfo {
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.active {
		return nil
	}
	return k.infoLocked(now)
}

func (k *kneeFinder) infoLocked(now time.Time) *stats.KneeInfo {
	origin := k.e.rec.Start()
	cfg := k.search.Config()
	in := &stats.KneeInfo{
		State: k.search.State().String(), Knee: k.knee, Broke: k.broke,
		SLO: k.sloText(), Note: k.search.Note(),
		Settle: cfg.Settle, Length: cfg.Step,
		Steps: make([]stats.KneeStep, len(k.steps)),
	}
	for i, st := range k.steps {
		in.Steps[i] = st.KneeStep
		in.Steps[i].Start, in.Steps[i].End = st.start.Sub(origin), st.end.Sub(origin)
	}
	in.Current = k.cur.KneeStep
	in.Current.Start = k.cur.start.Sub(origin)
	if pt := k.e.ctl.clock(now).t; pt >= k.cur.planStart {
		in.Elapsed = pt - k.cur.planStart
	}
	if k.search.State() == plan.KneeHolding {
		in.Length, in.Settle = 0, 0
	}
	return in
}

// kneeRunInfo sets what a knee-mode snapshot says of the run: the base
// rate is the step's, and the run's length is the plan's once the search
// holds (its end is known then); while it searches, the given run length,
// or none, since the plan then ends a step or two ahead.
func (e *Engine) kneeRunInfo(r *stats.RunInfo, planTime time.Duration) {
	if r.Knee == nil {
		return
	}
	r.BaseRPS = r.Knee.Current.Rate
	if r.Knee.Holding() {
		return
	}
	r.Duration, r.Remaining = 0, 0
	if e.cfg.DurationSet && e.cfg.Duration > 0 {
		r.Duration, r.Remaining = e.cfg.Duration, max(e.cfg.Duration-planTime, 0)
	}
}

// kneeEventText is a judged step for the event log.
func kneeEventText(st stats.KneeStep) string {
	head := fmt.Sprintf("knee step %d %s %s req/s", st.N, st.Kind, plan.RateText(st.Rate))
	switch {
	case st.Skipped:
		return head + ": taken again (" + st.Why + ")"
	case st.Pass:
		return fmt.Sprintf("%s passed: p99 %s, errors %.1f%%", head, stats.Dur(st.P99), 100*st.ErrorRatio())
	}
	return head + " broke: " + st.Why
}
