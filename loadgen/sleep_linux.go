//go:build linux

package loadgen

import (
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// preciseSleeper sleeps to within tens of microseconds. A Go timer fires
// up to about a millisecond late when the process is otherwise idle (the
// runtime's netpoller waits in epoll with a millisecond timeout), and at
// 200 req/s that millisecond would be added to every request's latency,
// since latency runs from the due time. A timerfd read through the
// netpoller wakes on the nanosecond deadline instead, without holding a P
// while it waits.
//
// Waking an idle thread from epoll still takes tens of microseconds (more
// at the tail), and that too lands in the latency. So a sleep of spinFrom
// or more ends spinTail early on the timerfd and spends the rest awake,
// yielding to any other goroutine until the deadline. Below about 1,100
// req/s every request's dispatch ends with such a sleep (the scheduler's
// Go timer stops preciseTail early), and the spin costs at most
// spinTail/spinFrom, under 7 %, of a core. With GOMAXPROCS=1 the runtime
// does not poll the network while the spinner is the only goroutine
// ready, so a socket that became readable meanwhile is seen up to
// spinTail later; a response's latency ends at its kernel receive time
// (rxstamp_linux.go), so that does not change it. At 200 req/s against
// a fixed 20 ms server (BENCHMARKS.md, history 17) the reported p50 /
// p90 / p99 went from 0.36 / 0.40 / 0.71 ms above the server's own to
// 0.32 / 0.37 / 0.42; CPU per request at 1,000 req/s rose by a quarter.
type preciseSleeper struct {
	fd  int
	f   *os.File
	buf [8]byte
}

// newPreciseSleeper returns nil when timerfd is unavailable; sleep then
// falls back to time.Sleep.
func newPreciseSleeper() *preciseSleeper {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil
	}
	return &preciseSleeper{fd: fd, f: os.NewFile(uintptr(fd), "timerfd")}
}

func (s *preciseSleeper) sleep(d time.Duration) {
	if d <= 0 {
		return
	}
	if s == nil {
		time.Sleep(d)
		return
	}
	var until time.Time
	if d >= spinFrom {
		until = time.Now().Add(d)
		d -= spinTail
	}
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(int64(d))}
	if err := unix.TimerfdSettime(s.fd, 0, &spec, nil); err != nil {
		time.Sleep(d)
	} else if _, err := s.f.Read(s.buf[:]); err != nil {
		time.Sleep(d)
	}
	for !until.IsZero() && time.Now().Before(until) {
		runtime.Gosched()
	}
}

// A sleep of spinFrom or more spends its last spinTail awake.
const (
	spinFrom = 900 * time.Microsecond
	spinTail = 60 * time.Microsecond
)

func (s *preciseSleeper) close() {
	if s != nil {
		s.f.Close()
	}
}
