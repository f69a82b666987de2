package loadgen

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/scenario"
	"github.com/trafficgen/trafficgen/transport"
)

// instantClient answers every request at once with a 200 and counts the
// requests sent at each instant of the (fake) clock.
type instantClient struct {
	mu    sync.Mutex
	sends map[time.Time]int
}

func (c *instantClient) Send(ctx context.Context, req *transport.Request, resp *transport.Response) error {
	c.mu.Lock()
	c.sends[time.Now()]++
	c.mu.Unlock()
	resp.Status = 200
	return nil
}

func (c *instantClient) CloseIdleConnections() {}

// Requests due within one batch window share the scheduler's wake-up, so
// its wake-ups follow the window rather than the rate; the batch goes out
// at its first request's due time, the others early and each timed from
// its send, so no request waits for its batch. Requests further apart
// than the window each get a wake-up of their own. Whatever the window,
// the count is the integral of the rate, up to the plan's end.
func TestRequestsDueTogetherShareAWakeUp(t *testing.T) {
	const run = 2 * time.Second
	get, err := scenario.FromAdHoc(scenario.AdHoc{URLs: []string{"http://gateway.test/x"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		rps float64
		// every is the least time between two wake-ups
		every  time.Duration
		shared bool
	}{
		{rps: 20000, every: batchWindow, shared: true},
		{rps: 5000, every: batchWindow, shared: true},
		{rps: 1000, every: batchWindow, shared: true},
		{rps: 200, every: 5 * time.Millisecond},
	} {
		t.Run(fmt.Sprint(tc.rps), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cl := &instantClient{sends: map[time.Time]int{}}
				_, s := runEngine(t, Config{
					Target: "http://gateway.test", Mode: plan.ModeSteady, RPS: tc.rps, Duration: run,
					Client: cl, Scenario: get, Seed: 1,
				})
				if want := int64(tc.rps * run.Seconds()); s.Total != want || s.Dropped != 0 {
					t.Fatalf("sent %d, dropped %d; want %d and none dropped", s.Total, s.Dropped, want)
				}
				// One more wake-up may come between the last window and
				// the end.
				if most := int(run/tc.every) + 1; len(cl.sends) > most {
					t.Errorf("requests went out at %d instants; at most %d for one every %v", len(cl.sends), most, tc.every)
				}
				if tc.shared != (int64(len(cl.sends)) < s.Total) {
					t.Errorf("%d requests went out at %d instants: want shared wake-ups %v", s.Total, len(cl.sends), tc.shared)
				}
				// The answers are instant: a request that waited for its
				// batch would show it.
				if s.Latency.Max > time.Microsecond {
					t.Errorf("latency max %v: a request waited for its batch", s.Latency.Max)
				}
			})
		})
	}
}
