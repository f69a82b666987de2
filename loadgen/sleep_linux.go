//go:build linux

package loadgen

import (
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// preciseSleeper sleeps to within tens of microseconds: on a timerfd read
// through the network poller, the last spinTail awake. See "The precise
// sleep" in docs/design.md.
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
