package loadgen

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

// Goroutines that all want a CPU at once make the run queue busy; once
// they are done it goes quiet again.
func TestRunQueueSeesASaturatedCPU(t *testing.T) {
	q := newRunQueue()
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
	if !q.busy() {
		t.Fatal("not busy after 100 ms of 100 goroutines per CPU taking turns")
	}
	for range 50 {
		time.Sleep(20 * time.Millisecond)
		if q.read(); !q.busy() {
			return
		}
	}
	t.Fatal("still busy after a second of rest")
}

// Many goroutines that mostly sleep (a slow server's workers, each
// waking every 100 ms: 5,000 wake-ups a second) do not make the run queue
// busy, even on a CPU something else keeps busy, so that their wake-ups
// wait: too few waits are sampled to say the pool would gain nothing
// from another worker.
func TestRunQueueIgnoresSleepers(t *testing.T) {
	q := newRunQueue()
	var wg sync.WaitGroup
	stop := time.Now().Add(300 * time.Millisecond)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for time.Now().Before(stop) { // a CPU hog, preempted every 10 ms
			}
		})
	}
	for i := range 500 {
		wg.Go(func() {
			time.Sleep(time.Duration(i) * 200 * time.Microsecond) // spread, as a server's answers are
			for time.Now().Before(stop) {
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
	busy := 0
	for time.Now().Before(stop) {
		time.Sleep(runQueueEvery)
		if q.read(); q.busy() {
			busy++
		}
	}
	wg.Wait()
	if busy > 1 {
		t.Fatalf("busy in %d of 12 looks while 500 goroutines slept", busy)
	}
}
