package loadgen

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/trafficgen/trafficgen/plan"
)

const (
	// endGrace is how long after the end of the traffic the open model's
	// last requests, due by then, may still go out: the scheduler issues
	// requests in small batches, and a worker takes a moment to wake.
	// Whatever still waits then is not sent.
	endGrace = 10 * time.Millisecond
	// cancelGrace is how long the drain waits, once it has cancelled the
	// requests still in flight, for their senders to return: the client
	// ends a cancelled request at once.
	cancelGrace = 250 * time.Millisecond
)

// Run sends load until the plan ends or ctx is cancelled, then ends the
// traffic (nothing is sent from endGrace later on), waits for the requests
// in flight up to Timeout after the end, cancels any left, publishes a
// final snapshot and closes the Snapshots channel. It returns nil after a
// normal stop (including cancellation). Run may be called once. See
// "Stopping on time" in docs/design.md.
func (e *Engine) Run(ctx context.Context) error {
	if !e.ran.CompareAndSwap(false, true) {
		return errors.New("engine: Run called twice")
	}
	defer close(e.snap)
	start := time.Now()
	e.begin(start)

	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	// Requests get their own context, so that the run's end lets those in
	// flight finish (up to the drain's deadline) instead of cutting them off.
	reqCtx, cancelReqs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelReqs()

	var issuers sync.WaitGroup // the scheduler, or the closed loop's workers
	e.users = newUserPool(e, reqCtx)
	if e.cfg.Mode == plan.ModeMax {
		e.closedLoop(runCtx, reqCtx, &issuers)
	} else {
		issuers.Go(func() { e.schedule(reqCtx, start) })
	}

	tick := time.NewTicker(e.cfg.SnapshotInterval)
	defer tick.Stop()
	why := e.runToEnd(runCtx, tick)
	end := e.stop(why, stopRun)
	e.drain(end, tick, cancelReqs, func() {
		issuers.Wait() // the scheduler has returned: no worker starts after it
		e.pool.wait()
		e.users.wait()
	})
	e.publish(e.snapshot(time.Now(), true))
	return nil
}

// begin starts the run's clocks at now: the recorder's and the plan's.
func (e *Engine) begin(now time.Time) {
	e.rec.Reset(now)
	e.ctl.mu.Lock()
	e.ctl.planStart = now
	e.ctl.mu.Unlock()
	e.rec.Event(now, "info", fmt.Sprintf("started: %s mode, %s client, target %s", e.ctl.plan.Mode, e.clientName, e.shown))
	if e.clientWhy != "" {
		e.rec.Event(now, "info", fmt.Sprintf("client %s: %s", e.clientName, e.clientWhy))
	}
	if e.cfg.Mode == plan.ModeKnee {
		e.knee.start(now)
	}
}

// runToEnd publishes a snapshot every tick and keeps the journey users at
// the plan's count until the plan's timeline is over or runCtx ends, and
// says which.
func (e *Engine) runToEnd(runCtx context.Context, tick *time.Ticker) string {
	// The plan's end has a timer of its own, so that the run ends on time
	// rather than at the next tick.
	end := time.NewTimer(time.Hour)
	defer end.Stop()
	now := time.Now()
	for {
		if d, ok := e.ctl.untilEnd(now); ok {
			end.Reset(d)
		} else {
			end.Stop()
		}
		select {
		case <-runCtx.Done():
			return "stopped"
		case <-end.C:
		case <-tick.C:
		}
		now = time.Now()
		if e.ctl.finished(now) {
			return "duration reached"
		}
		e.users.scale(e.ctl.users(now))
		e.knee.tick(now)
		e.publish(e.snapshot(now, false))
	}
}

// stop ends the run's traffic now, and returns when: the open model's
// rate falls to zero, the closed loop stops, journeys are abandoned after
// their current step. The open model's last requests, due by then, go
// out within endGrace; then nothing more is sent (Engine.send reads the
// clock before it looks at ended, so every request it let through was
// sent before endedAt).
func (e *Engine) stop(why string, stopRun context.CancelFunc) time.Time {
	end := time.Now()
	e.ctl.endTraffic(end)
	stopRun()
	e.users.end()
	e.rec.Event(end, "info", fmt.Sprintf("%s: draining the requests in flight (at most %s)", why, e.cfg.Timeout))
	time.Sleep(endGrace)
	e.ended.Store(true)
	e.endedAt = time.Now()
	close(e.endedSet)
	return end
}

// drain waits for the senders (wait returns when they all have), at most
// until Timeout after the end of the traffic, publishing snapshots
// meanwhile so that a dashboard shows the drain. Every request has passed
// its own deadline by then; those still in flight are cancelled (and
// recorded as timeouts: Engine.send), and their senders get cancelGrace
// to record them.
func (e *Engine) drain(end time.Time, tick *time.Ticker, cancelReqs context.CancelFunc, wait func()) {
	done := make(chan struct{})
	go func() {
		wait()
		close(done)
	}()
	deadline := time.NewTimer(time.Until(end.Add(e.cfg.Timeout)))
	defer deadline.Stop()
	for {
		select {
		case <-done:
			return
		case now := <-tick.C:
			e.publish(e.snapshot(now, false))
		case <-deadline.C:
			cancelReqs()
			grace := time.NewTimer(cancelGrace)
			defer grace.Stop()
			select {
			case <-done:
			case <-grace.C:
				e.rec.Event(time.Now(), "error", "requests still in flight when the drain ended were abandoned")
			}
			return
		}
	}
}
