//go:build linux

package loadgen

import (
	"testing"
	"time"
)

// TestPreciseSleepNeverEarly: a request must not be sent before it is
// due, so a precise sleep may end late but never early, whether it is
// short (all on the timerfd) or long enough to end awake (spinTail).
func TestPreciseSleepNeverEarly(t *testing.T) {
	ps := newPreciseSleeper()
	if ps == nil {
		t.Skip("no timerfd")
	}
	defer ps.close()
	for _, d := range []time.Duration{
		50 * time.Microsecond, spinFrom - time.Microsecond, spinFrom, spinFrom + spinTail, 1500 * time.Microsecond, 3 * time.Millisecond,
	} {
		for range 20 {
			start := time.Now()
			ps.sleep(d)
			if got := time.Since(start); got < d {
				t.Fatalf("sleep(%v) returned after %v", d, got)
			}
		}
	}
}
