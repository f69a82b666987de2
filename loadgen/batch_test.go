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
// its wake-ups follow the window rather than the rate; each request is
// timed from its own due time, so its wait shows in the latency, and is
// never more than the window. Requests further apart than the window each
// get a wake-up of their own, and wait for nothing. Whatever the window,
// the count is the integral of the rate, up to the plan's end.
func TestRequestsDueTogetherShareAWakeUp(t *testing.T) {
	const run = 2 * time.Second
	get, err := scenario.FromAdHoc(scenario.AdHoc{URLs: []string{"http://gateway.test/x"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		rps float64
		// every is the least time between two wake-ups; wait the most
		// a request waits for its batch
		every, wait time.Duration
		shared      bool
	}{
		{rps: 20000, every: minWindow, wait: minWindow, shared: true},
		{rps: 5000, every: minWindow, wait: minWindow, shared: true},
		{rps: 1000, every: maxWindow, wait: maxWindow, shared: true},
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
				// The histogram's resolution, and a microsecond.
				if s.Latency.Max > tc.wait+tc.wait/500+time.Microsecond {
					t.Errorf("latency max %v, more than the %v a request may wait for its batch", s.Latency.Max, tc.wait)
				}
			})
		})
	}
}

func TestBatchWindow(t *testing.T) {
	for _, tc := range []struct {
		rate float64
		want time.Duration
	}{
		{0, minWindow}, {100, maxWindow}, {500, maxWindow}, {1000, maxWindow},
		{1500, 2 * time.Second / 1500}, {2000, minWindow}, {20000, minWindow},
	} {
		if got := window(tc.rate); got != tc.want {
			t.Errorf("window(%v) = %v, want %v", tc.rate, got, tc.want)
		}
	}
}
