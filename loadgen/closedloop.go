package loadgen

import (
	"context"
	"sync"
	"time"
)

// pausePoll is how often a paused closed-loop worker looks again.
const pausePoll = 20 * time.Millisecond

// closedLoop starts the max-throughput mode on wg: Concurrency workers,
// each sending its next request as soon as the previous one is answered,
// until the run ends. Latency is measured from each request's send.
func (e *Engine) closedLoop(runCtx, reqCtx context.Context, wg *sync.WaitGroup) {
	for i := range e.cfg.Concurrency {
		wg.Go(func() { e.closedWorker(runCtx, reqCtx, uint64(i)) })
	}
}

func (e *Engine) closedWorker(runCtx, reqCtx context.Context, i uint64) {
	s := e.newSender(100+i, nil)
	var poll *time.Timer
	for runCtx.Err() == nil {
		if e.ctl.isPaused() {
			if poll == nil {
				poll = time.NewTimer(pausePoll)
				defer poll.Stop()
			} else {
				poll.Reset(pausePoll)
			}
			select {
			case <-runCtx.Done():
			case <-poll.C:
			}
			continue
		}
		ep := e.pickEndpoint(s.rnd)
		out := e.send(reqCtx, s, call{req: e.scn.Endpoints[ep], route: e.routes[ep]})
		switch {
		case out.late:
			e.rec.DroppedUnsent(e.routes[ep], time.Now())
		case !out.sent:
			return // the run has ended
		}
	}
}
