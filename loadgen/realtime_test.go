//go:build realtime

package loadgen

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trafficgen/trafficgen/plan"
)

// The tests in files tagged realtime run on the real clock and judge the
// real CPU: CI runs them on their own, serially (.ci/run), so that nothing
// else competes for the machine while they do.

// Goroutines that all want a CPU at once saturate the probe; once they
// are done it goes quiet again.
func TestRealtimeCPUProbeSeesASaturatedCPU(t *testing.T) {
	q := newCPUProbe()
	var wg sync.WaitGroup
	stop := time.Now().Add(100 * time.Millisecond)
	for range 100 * runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for now := time.Now(); now.Before(stop); now = time.Now() {
				for time.Since(now) < 20*time.Microsecond { // a request's worth of work
				}
				runtime.Gosched() // to the back of a queue of 100
			}
		})
	}
	wg.Wait()
	q.read()
	if !q.saturated() {
		t.Fatal("not saturated after 100 ms of 100 goroutines per CPU taking turns")
	}
	for range 50 {
		time.Sleep(20 * time.Millisecond)
		if q.read(); !q.saturated() {
			return
		}
	}
	t.Fatal("still saturated after a second of rest")
}

// Many goroutines that mostly sleep (a slow server's workers, each waking
// every 100 ms: 5,000 wake-ups a second) do not saturate the probe, even
// on a CPU something else keeps busy so that their wake-ups wait: too few
// waits are sampled to say the pool would gain nothing from another
// worker.
func TestRealtimeCPUProbeIgnoresSleepers(t *testing.T) {
	q := newCPUProbe()
	var wg sync.WaitGroup
	const spread = 100 * time.Millisecond // the sleepers start over this long
	stop := time.Now().Add(spread + 300*time.Millisecond)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for time.Now().Before(stop) { // a CPU hog, preempted every 10 ms
			}
		})
	}
	for i := range 500 {
		wg.Go(func() {
			time.Sleep(time.Duration(i) * spread / 500) // spread, as a server's answers are
			for time.Now().Before(stop) {
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
	// Judge the steady state, from once all have started.
	time.Sleep(spread)
	q.read()
	saturated := 0
	for time.Now().Before(stop) {
		time.Sleep(probeEvery)
		if q.read(); q.saturated() {
			saturated++
		}
	}
	wg.Wait()
	if saturated > 1 {
		t.Fatalf("saturated in %d of 12 looks while 500 goroutines slept", saturated)
	}
}

// Over real loopback sockets at 1,000 req/s for 5 s: the count follows
// the plan (the integral of the rate), none is dropped, and the server saw
// each. TestSteadyRateIsExact is the same on the fake clock.
func TestRealtimeSteadyRateOverLoopback(t *testing.T) {
	var mu sync.Mutex
	seen := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen++
		mu.Unlock()
		w.Write([]byte(`{"id":1}`))
	}))
	defer srv.Close()
	_, s := runEngine(t, Config{Target: srv.URL, Mode: plan.ModeSteady, RPS: 1000, Duration: 5 * time.Second, Users: 0, UsersSet: true})
	mu.Lock()
	defer mu.Unlock()
	if s.Total < 4950 || s.Total > 5050 || s.Dropped != 0 || int64(seen) != s.Total {
		t.Fatalf("sent %d (dropped %d, server saw %d), want 5000±1%% and none dropped", s.Total, s.Dropped, seen)
	}
}

// A rate far above what the machine can send. The run stays
// responsive (snapshots keep coming), dropped climbs, goroutines and memory
// stay bounded, and cancelling stops it within the timeout.
func TestRealtimeOverload(t *testing.T) {
	var saw atomic.Int64
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		saw.Add(1)
		time.Sleep(5 * time.Millisecond)
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()

	const limit, timeout = 200, 2 * time.Second
	const rate = 1_000_000.0
	e, err := New(Config{
		Mode: plan.ModeSteady, RPS: rate, Timeout: timeout, MaxInFlight: limit,
		Scenario: adhoc(t, "http://"+ln.Addr().String()+"/x"),
	})
	if err != nil {
		t.Fatal(err)
	}
	base := runtime.NumGoroutine()
	var (
		maxG    int
		maxHeap uint64
		maxGap  time.Duration
		snaps   int
		dropped []int64
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		last := time.Now()
		var ms runtime.MemStats
		for s := range e.Snapshots() {
			now := time.Now()
			maxGap = max(maxGap, now.Sub(last))
			last = now
			snaps++
			if snaps%5 == 0 {
				runtime.ReadMemStats(&ms)
				maxHeap = max(maxHeap, ms.HeapInuse)
				maxG = max(maxG, runtime.NumGoroutine())
				dropped = append(dropped, s.Dropped)
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	e.Run(ctx)
	<-done
	s := e.Final()
	if took := s.Elapsed; took > 2*time.Second+timeout+500*time.Millisecond {
		t.Errorf("run took %v after cancel at 2s: not stopped within the %v timeout", took, timeout)
	}
	if maxGap > 500*time.Millisecond || snaps < 10 {
		t.Errorf("%d snapshots, longest gap %v: the engine stalled", snaps, maxGap)
	}
	// Per request in flight: a worker, a connection's two goroutines and the
	// test server's one; the connection pool may hold a few more. Without
	// the cap it would be one per request due: a million.
	if maxG > base+5*limit {
		t.Errorf("goroutines reached %d (started with %d, cap %d)", maxG, base, limit)
	}
	if maxHeap > 256<<20 {
		t.Errorf("heap in use reached %d MB", maxHeap>>20)
	}
	for i := 1; i < len(dropped); i++ {
		if dropped[i] <= dropped[i-1] {
			t.Errorf("dropped did not climb: %v", dropped)
			break
		}
	}
	if s.Dropped < int64(rate/2) {
		t.Errorf("dropped %d of %.0f due", s.Dropped, 2*rate)
	}
	t.Logf("overload: sent %d, dropped %d, %d snapshots (gap ≤ %v), goroutines ≤ %d, heap ≤ %d MB",
		s.Total, s.Dropped, snaps, maxGap, maxG, maxHeap>>20)
	nothingLost(t, s, waitSaw(&saw, s.Total))
}
