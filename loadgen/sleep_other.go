//go:build !linux

package loadgen

import "time"

// preciseSleeper falls back to time.Sleep where timerfd is not available.
type preciseSleeper struct{}

func newPreciseSleeper() *preciseSleeper { return nil }

func (s *preciseSleeper) sleep(d time.Duration, exact bool) {
	if d > 0 {
		time.Sleep(d)
	}
}

func (s *preciseSleeper) close() {}
