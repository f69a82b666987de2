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
	for range 8 * runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for time.Now().Before(stop) { // preempted only every 10 ms
			}
		})
	}
	wg.Wait()
	q.read()
	if !q.busy() {
		t.Fatal("not busy after 100 ms of 8 spinning goroutines per CPU")
	}
	for range 50 {
		time.Sleep(20 * time.Millisecond)
		if q.read(); !q.busy() {
			return
		}
	}
	t.Fatal("still busy after a second of rest")
}

// While the CPU is saturated the pool starts no worker beyond busyFloor:
// the job waits for one to finish. With the CPU free it starts one.
func TestPoolHoldsItsSizeWhileCPUBound(t *testing.T) {
	p := workerPool{rq: &runQueue{}}
	now := time.Now()
	for range busyFloor {
		w, _ := p.dispatch(job{due: now})
		if w == nil {
			t.Fatal("no worker started below the floor")
		}
		starting := true
		p.next(w, &starting, true) // started: took a backlog job
	}
	p.rq.isBusy.Store(true)
	if w, _ := p.dispatch(job{due: time.Now()}); w != nil {
		t.Fatalf("started worker %d while the CPU is saturated", p.size())
	}
	p.rq.isBusy.Store(false)
	if w, _ := p.dispatch(job{due: time.Now()}); w == nil {
		t.Fatal("no worker started for a waiting job with the CPU free")
	}
	if len(p.backlog)-p.head != 2 {
		t.Fatalf("%d jobs wait, want 2", len(p.backlog)-p.head)
	}
}
