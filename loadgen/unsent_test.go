package loadgen

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/trafficgen/trafficgen/plan"
	"github.com/trafficgen/trafficgen/scenario"
	"github.com/trafficgen/trafficgen/transport"
)

// unsentClient fails every fourth request as the H1 client fails one
// whose deadline passed before it tried to connect (transport.ErrUnsent),
// and answers the others with a 200 after a millisecond.
type unsentClient struct{ n, unsent atomic.Int64 }

func (c *unsentClient) Send(ctx context.Context, req *transport.Request, resp *transport.Response) error {
	if c.n.Add(1)%4 == 0 {
		c.unsent.Add(1)
		return &transport.Error{Failure: transport.FailTimeout, Err: fmt.Errorf("%w (dial tcp: i/o timeout)", transport.ErrUnsent)}
	}
	time.Sleep(time.Millisecond)
	resp.Status = 200
	return nil
}

func (c *unsentClient) CloseIdleConnections() {}

// A request that never reached the server (its deadline passed on the
// way to a connection, on a starved machine) is counted as dropped, not
// sent, not as a timeout the server would be blamed for: in the open
// loop and in the closed loop.
func TestUnsentRequestsAreDropped(t *testing.T) {
	get, err := scenario.FromAdHoc(scenario.AdHoc{URLs: []string{"http://gateway.test/x"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"open loop", Config{Mode: plan.ModeSteady, RPS: 100, Duration: 2 * time.Second}},
		{"closed loop", Config{Mode: plan.ModeMax, Concurrency: 2, Duration: 100 * time.Millisecond}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cl := &unsentClient{}
				cfg := tc.cfg
				cfg.Target, cfg.Client, cfg.Scenario, cfg.Seed = "http://gateway.test", cl, get, 1
				_, s := runEngine(t, cfg)
				unsent := cl.unsent.Load()
				if unsent == 0 || s.Dropped != unsent || s.Run.DroppedUnsent != unsent ||
					s.Total != cl.n.Load()-unsent || s.Errors != 0 || s.InFlight != 0 {
					t.Errorf("%d sent, %d of them unsent: total %d, errors %d, dropped %d (unsent %d), in flight %d; want the unsent dropped, the rest answered",
						cl.n.Load(), unsent, s.Total, s.Errors, s.Dropped, s.Run.DroppedUnsent, s.InFlight)
				}
			})
		})
	}
}
