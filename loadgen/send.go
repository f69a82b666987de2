package loadgen

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/trafficgen/trafficgen/scenario"
	"github.com/trafficgen/trafficgen/stats"
)

// errPastDeadline is the error of a request that ended after its
// deadline without the client calling it a timeout.
var errPastDeadline = errors.New("no answer by the request's deadline")

// sender is one goroutine's means of sending scenario requests: its
// randomness, its template environment (the values it has captured) and
// its reusable buffers.
type sender struct {
	rnd *rand.Rand
	env *scenario.Env
	sc  scratch
}

// newSender returns a sender on random stream stream, with vars as its
// own variables (journeys keep captured ids there).
func (e *Engine) newSender(stream uint64, vars map[string]string) *sender {
	rnd := e.newRand(stream)
	return &sender{rnd: rnd, env: e.run.NewEnv(rnd, vars)}
}

// call is one scenario request to send and record.
type call struct {
	req   *scenario.Request
	route int
	// due is when an open-model request fell due: its latency and its
	// deadline run from then, or from its send when that is earlier (its
	// batch went out at the first one's due time). Zero times it from
	// the send.
	due time.Time
	// strict fails the request when a capture fails: a journey's next
	// steps need the values. Elsewhere a miss only leaves the id pools as
	// they were.
	strict bool
}

// outcome is what became of a call.
type outcome struct {
	// sent is false when the run had ended, or the request's deadline had
	// passed, before it could be sent; nothing was recorded then.
	sent bool
	// late: not sent either, its deadline having passed on its way to a
	// connection (a starved machine); nothing recorded, and the caller
	// counts it as dropped.
	late    bool
	ex      exchange
	at, end time.Time // sent at; answered, or given up, at
	// declined and captureErr are what applying the response's captures
	// said (scenario.Request.Apply).
	declined   bool
	captureErr error
}

// send is the one path by which the open loop, the closed loop and
// journeys send a request: it sends c unless the run has ended or c's
// deadline (its start plus the timeout) has passed, applies the
// response's captures, and records the result from c's start. A request
// that ends after its deadline is recorded as a timeout at the deadline,
// so no latency exceeds the timeout.
func (e *Engine) send(ctx context.Context, s *sender, c call) outcome {
	// The clock is read before the end is checked: a request let through
	// was sent before the run's end (Engine.stop).
	now := time.Now()
	start := c.due
	if start.IsZero() || now.Before(start) {
		start = now
	}
	deadline := start.Add(e.cfg.Timeout)
	if e.ended.Load() || !now.Before(deadline) {
		return outcome{}
	}
	e.rec.Sent(now)
	s.sc.sample = e.shapeSample(c.route, now)
	ex := e.cl.do(ctx, c.req, s.env, &s.sc, now, deadline)
	if ex.unsent {
		e.rec.Unsent(now)
		return outcome{late: true}
	}
	end := ex.doneAt(now)
	switch {
	case end.After(deadline):
		ex, end = pastDeadline(ex), deadline
	case ex.kind != stats.KindNone && ctx.Err() != nil:
		// Cut off by the end of the drain, a moment before its deadline.
		ex = pastDeadline(ex)
	}
	out := outcome{sent: true, at: now, end: end}
	if ex.kind == stats.KindNone {
		out.declined, out.captureErr = c.req.Apply(ex.body, s.env)
		if out.captureErr != nil && c.strict {
			ex.kind = stats.KindCapture
		}
	}
	e.checkAnswer(c, &ex, &s.sc, end)
	e.record(c.route, ex, start, end)
	e.keep(c.route, &s.sc, ex, start, end)
	out.ex = ex
	return out
}

// pastDeadline is ex, which ended at or after its request's deadline, as
// the timeout it is: the client gave up late (its own wake-up), was cut
// off by the end of the drain, or had its answer too late.
func pastDeadline(ex exchange) exchange {
	err := ex.err
	if ex.kind != stats.KindTimeout || err == nil {
		err = errPastDeadline
	}
	return exchange{kind: stats.KindTimeout, err: err, resent: ex.resent}
}
