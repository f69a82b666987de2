//go:build !linux

package loadgen

import "time"

// preciseSleeper is Linux's: elsewhere the sleeper sleeps on a Go timer.
type preciseSleeper struct{}

func newPreciseSleeper() *preciseSleeper { return nil }

func (s *preciseSleeper) sleep(d time.Duration, exact bool) {}
func (s *preciseSleeper) interrupt()                        {}
func (s *preciseSleeper) close()                            {}
