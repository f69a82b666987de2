//go:build linux

package loadgen

import (
	"testing"
	"time"
)

// TestPreciseSleepNeverEarly: a request must not be sent before it is
// due, so a precise sleep may end late but never early, whether it is
// short, long enough to end awake (spinTail), or a batch's, which never
// spins; and one sleep's expiry must not end the next early.
func TestPreciseSleepNeverEarly(t *testing.T) {
	ps := newPreciseSleeper()
	if ps == nil {
		t.Skip("no timerfd")
	}
	defer ps.close()
	for _, exact := range []bool{true, false} {
		for _, d := range []time.Duration{
			time.Microsecond, 50 * time.Microsecond, spinFrom - time.Microsecond, spinFrom, spinFrom + spinTail, 1500 * time.Microsecond, 3 * time.Millisecond,
		} {
			for range 20 {
				start := time.Now()
				ps.sleep(d, exact)
				if got := time.Since(start); got < d {
					t.Fatalf("sleep(%v, %v) returned after %v", d, exact, got)
				}
			}
		}
	}
}

// TestPreciseSleepInterrupted: a live control or the run's end cuts a
// sleep short at once, whether it comes during the sleep or just before
// it (while the scheduler steps).
func TestPreciseSleepInterrupted(t *testing.T) {
	ps := newPreciseSleeper()
	if ps == nil {
		t.Skip("no timerfd")
	}
	defer ps.close()
	ps.interrupt()
	start := time.Now()
	ps.sleep(time.Hour, true)
	if d := time.Since(start); d > time.Minute {
		t.Fatalf("an interrupt just before the sleep was lost: slept %v", d)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		ps.sleep(time.Hour, false)
	}()
	time.Sleep(10 * time.Millisecond)
	ps.interrupt()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("an interrupt during the sleep did not end it")
	}
}
