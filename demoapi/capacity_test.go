package demoapi

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// load sends rate req/s to GET /api/users/1 for d, each request on its own
// goroutine as a server would serve them, and returns each request's
// status and time taken, in arrival order.
func load(t *testing.T, api *API, rate float64, d time.Duration) (codes []int, took []time.Duration) {
	t.Helper()
	n := int(rate * d.Seconds())
	codes, took = make([]int, n), make([]time.Duration, n)
	var wg sync.WaitGroup
	gap := time.Duration(float64(time.Second) / rate)
	for i := range n {
		wg.Go(func() {
			start := time.Now()
			codes[i] = call(t, api, "GET", "/api/users/1", "", testKey).code
			took[i] = time.Since(start)
		})
		time.Sleep(gap)
	}
	wg.Wait()
	return codes, took
}

// TestCapacityQueue: under the capacity a request waits only its service
// latency; past it a queue forms and latency grows with it, request by
// request; past the queue limit the excess is shed at once with 503s.
func TestCapacityQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := New(Options{LatencyScale: 1, Seed: 7, Capacity: 80, QueueLimit: time.Second})
		codes, took := load(t, api, 50, 2*time.Second)
		for i := range codes {
			if codes[i] != 200 || took[i] > 100*time.Millisecond {
				t.Fatalf("under capacity, request %d: %d after %v; want 200 within users' 100 ms", i, codes[i], took[i])
			}
		}

		// 160 req/s against 80: each second 80 more requests queue, a
		// second's work, so a request's wait rises by a second each second
		// until it would pass the one-second limit.
		codes, took = load(t, api, 160, 3*time.Second)
		at := func(sec float64) time.Duration { return took[int(sec*160)] }
		for _, c := range []struct {
			sec    float64
			lo, hi time.Duration
		}{{0, 0, 100 * time.Millisecond}, {0.5, 500 * time.Millisecond, 600 * time.Millisecond}, {0.9, 900 * time.Millisecond, time.Second}} {
			if got := at(c.sec); got < c.lo || got > c.hi {
				t.Errorf("request at %.1f s took %v, want %v–%v", c.sec, got, c.lo, c.hi)
			}
		}
		shed := 0
		for i, code := range codes {
			switch {
			case code == 503:
				shed++
				if took[i] != 0 {
					t.Fatalf("request %d shed after %v, want at once", i, took[i])
				}
			case code != 200:
				t.Fatalf("request %d: %d", i, code)
			case took[i] > time.Second+100*time.Millisecond:
				t.Fatalf("request %d waited %v, past the queue limit", i, took[i])
			}
		}
		// Past 1 s the server takes 80 of the 160 a second: about 160 shed.
		if shed < 150 || shed > 170 {
			t.Errorf("%d of %d shed, want about 160", shed, len(codes))
		}
		if r := call(t, api, "GET", "/health", "", ""); r.code != 200 {
			t.Errorf("health over capacity: %d; health checks never queue", r.code)
		}
		time.Sleep(2 * time.Second)
		if w := api.QueueWait(); w != 0 {
			t.Errorf("queue wait %v after the load stopped, want 0", w)
		}
	})
}

// TestCapacityScales: faster services (a smaller latency scale) handle
// proportionally more, and no capacity means no queue.
func TestCapacityScales(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for _, opts := range []Options{
			{LatencyScale: 0.1, Seed: 7, Capacity: 80},
			{LatencyScale: 1, Seed: 7},
		} {
			api := New(opts)
			codes, took := load(t, api, 400, time.Second)
			if !slices.Equal(slices.Compact(slices.Clone(codes)), []int{200}) {
				t.Errorf("%+v: codes %v, want only 200", opts, slices.Compact(codes))
			}
			if m := slices.Max(took); m > time.Duration(100*opts.LatencyScale*float64(time.Millisecond)) {
				t.Errorf("%+v: slowest %v, want only the service latency", opts, m)
			}
		}
	})
}

// TestCapacityFor: the demo's capacity scales with its base rate.
func TestCapacityFor(t *testing.T) {
	if got := CapacityFor(20); got != DefaultCapacity {
		t.Errorf("CapacityFor(20) = %v", got)
	}
	if got := CapacityFor(200); got != 10*DefaultCapacity {
		t.Errorf("CapacityFor(200) = %v", got)
	}
	if got := CapacityFor(0); got != 0 {
		t.Errorf("CapacityFor(0) = %v, want no limit", got)
	}
}

// TestInjectedErrorsFailFast: an injected error answers at once, before any
// latency, so the first fault shows on screen within a snapshot or two.
func TestInjectedErrorsFailFast(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := New(Options{LatencyScale: 1, Seed: 3})
		api.SetFault(Payments, Fault{Kind: FaultErrors, Percent: 100})
		r, d := timed(t, api, "GET", "/api/payments/1", "")
		if r.code != 500 || d != 0 {
			t.Errorf("injected error: %d after %v, want 500 at once", r.code, d)
		}
	})
}

// TestStory: what the dashboard says for each step of the fault cycle.
func TestStory(t *testing.T) {
	api := New(Options{})
	var got []string
	for range 4 {
		got = append(got, Story(All, api.CycleFault(All)))
	}
	want := []string{
		"errors: all services fail 50% of requests (500)",
		"slow: all services 5× slower",
		"outage: all services down (503)",
		"recovered: all services healthy",
	}
	if !slices.Equal(got, want) {
		t.Errorf("stories:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if s := Story(Payments, Fault{Kind: FaultErrors, Percent: 20}); s != "errors: payments service fails 20% of requests (500)" {
		t.Errorf("payments: %q", s)
	}
}
