package loadgen

import "time"

// sleeper waits between the scheduler's steps, cut short by a live
// control (control.wake) or the run's end. With a network client it
// sleeps precisely (preciseSleeper), since latency runs from the due
// time; tests' in-process clients run on a fake clock, on a Go timer.
type sleeper struct {
	ps    *preciseSleeper // nil: a Go timer
	timer *time.Timer
	wake  <-chan struct{}
	done  <-chan struct{}
	// stop ends the goroutine that cuts a precise sleep short (cut);
	// stopped is closed when it has returned.
	stop, stopped chan struct{}
}

// newSleeper returns a sleeper that a receive on wake cuts short and
// that done, closed at the run's end, ends.
func newSleeper(precise bool, wake, done <-chan struct{}) *sleeper {
	sl := &sleeper{wake: wake, done: done}
	if precise {
		sl.ps = newPreciseSleeper()
	}
	if sl.ps == nil {
		sl.timer = time.NewTimer(time.Hour)
		sl.timer.Stop()
		return sl
	}
	sl.stop, sl.stopped = make(chan struct{}), make(chan struct{})
	go sl.cut()
	return sl
}

// cut cuts the precise sleeps short at a live control and at the run's
// end, from a goroutine of its own: the timerfd cannot wait on a channel.
func (sl *sleeper) cut() {
	defer close(sl.stopped)
	for {
		select {
		case <-sl.wake:
			sl.ps.interrupt()
		case <-sl.done:
			sl.ps.interrupt()
			return
		case <-sl.stop:
			return
		}
	}
}

// sleep waits for p.d, or less; it returns false once the run has ended.
func (sl *sleeper) sleep(p pause) bool {
	if sl.ps != nil {
		sl.ps.sleep(p.d, p.exact)
	} else {
		sl.timer.Reset(p.d)
		select {
		case <-sl.done:
		case <-sl.wake:
		case <-sl.timer.C:
		}
	}
	select {
	case <-sl.done:
		return false
	default:
		return true
	}
}

func (sl *sleeper) close() {
	if sl.ps == nil {
		sl.timer.Stop()
		return
	}
	close(sl.stop)
	<-sl.stopped
	sl.ps.close()
}
