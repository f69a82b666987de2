//go:build linux

package loadgen

import (
	"os"
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
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(int64(d))}
	if err := unix.TimerfdSettime(s.fd, 0, &spec, nil); err != nil {
		time.Sleep(d)
		return
	}
	if _, err := s.f.Read(s.buf[:]); err != nil {
		time.Sleep(d)
	}
}

func (s *preciseSleeper) close() {
	if s != nil {
		s.f.Close()
	}
}
