package loadgen

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/trafficgen/trafficgen/stats"
	"github.com/trafficgen/trafficgen/transport"
)

// userPool runs the journey virtual users (the closed model): each runs
// journeys in a loop with think time between them. scale grows or shrinks
// the pool; a user asked to stop finishes its journey first, unless the run
// itself ends.
type userPool struct {
	e   *Engine
	ctx context.Context // requests' context

	mu     sync.Mutex
	stops  []chan struct{}
	nextID uint64
	wg     sync.WaitGroup
	ended  chan struct{} // closed when the run stops: abandon journeys
	once   sync.Once
}

func newUserPool(e *Engine, reqCtx context.Context) *userPool {
	return &userPool{e: e, ctx: reqCtx, ended: make(chan struct{})}
}

// scale starts or stops users until n run. scale(0) at the end of the run
// also tells running users to abandon their journeys.
func (p *userPool) scale(n int) {
	if len(p.e.scn.Journeys) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.stops) < n {
		stop := make(chan struct{})
		p.stops = append(p.stops, stop)
		p.nextID++
		id := p.nextID
		p.wg.Go(func() { p.user(id, stop) })
	}
	for len(p.stops) > n {
		last := len(p.stops) - 1
		close(p.stops[last])
		p.stops = p.stops[:last]
	}
}

// end stops every user at once, abandoning journeys in progress.
func (p *userPool) end() {
	p.once.Do(func() { close(p.ended) })
	p.scale(0)
}

func (p *userPool) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.stops)
}

func (p *userPool) wait() { p.wg.Wait() }

// user is one virtual user's loop.
func (p *userPool) user(id uint64, stop <-chan struct{}) {
	e := p.e
	s := e.newSender(1_000_000+id, map[string]string{})
	// Users start spread over one think time, not all at once.
	if !p.pause(time.Duration(s.rnd.Int64N(int64(e.think.Max)+1)), stop) {
		return
	}
	for {
		select {
		case <-stop:
			return
		case <-p.ended:
			return
		default:
		}
		if !p.journey(e.pickJourney(s.rnd), s) {
			return
		}
		if !p.pause(e.think.Pick(s.rnd), stop) {
			return
		}
	}
}

// pause waits for d and reports whether the user should go on.
func (p *userPool) pause(d time.Duration, stop <-chan struct{}) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-stop:
		return false
	case <-p.ended:
		return false
	case <-t.C:
		return true
	}
}

// journey runs journey j's steps in order. Each step is timed from when it
// was sent; the journey from its start. It returns false when the run ended
// during the journey (which is then left unfinished).
func (p *userPool) journey(j int, s *sender) bool {
	e := p.e
	jr := e.scn.Journeys[j]
	e.rec.JourneyStarted()
	start := time.Now()
	declined := false
	for i, step := range jr.Steps {
		select {
		case <-p.ended:
			return false
		default:
		}
		if !step.Runs(s.env) {
			continue
		}
		e.rec.JourneyStep(e.stepBase[j] + i)
		out := e.send(p.ctx, s, call{req: step, route: e.stepRoutes[j][i], strict: true})
		if out.late {
			e.rec.DroppedUnsent(e.stepRoutes[j][i], time.Now())
			step.Fail(s.env)
			e.rec.JourneyFailed(e.stepBase[j]+i, transport.ErrUnsent.Error())
			return true
		}
		if !out.sent {
			return false // the run ended
		}
		declined = declined || out.declined
		if stepFailed(out.ex) {
			step.Fail(s.env)
			e.rec.JourneyFailed(e.stepBase[j]+i, failReason(out))
			return true
		}
	}
	e.rec.JourneyCompleted(time.Since(start), declined)
	return true
}

// failReason says why a journey step failed, for the journey failure log.
func failReason(out outcome) string {
	ex := out.ex
	switch {
	case ex.kind == stats.KindCapture && out.captureErr != nil:
		return out.captureErr.Error()
	case ex.kind == stats.KindCheck:
		return "check failed: " + ex.err.Error()
	case ex.code != 0:
		return fmt.Sprintf("HTTP %d", ex.code)
	case ex.err != nil:
		return ex.kind.String() + ": " + ex.err.Error()
	}
	return ex.kind.String()
}
