//go:build linux

package loadgen

import (
	"os"
	"runtime"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// preciseSleeper sleeps to within tens of microseconds: on a timerfd
// waited on through the network poller. See "The precise sleep" in
// docs/design.md.
type preciseSleeper struct {
	f     *os.File
	raw   syscall.RawConn
	d     time.Duration // the sleep arm sets
	armed bool
	err   error
	wait  func(fd uintptr) bool // s.arm, bound once
}

// newPreciseSleeper returns nil when timerfd is unavailable; sleep then
// falls back to time.Sleep.
func newPreciseSleeper() *preciseSleeper {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil
	}
	s := &preciseSleeper{f: os.NewFile(uintptr(fd), "timerfd")}
	if s.raw, err = s.f.SyscallConn(); err != nil {
		s.f.Close()
		return nil
	}
	s.wait = s.arm
	return s
}

// sleep sleeps for d. exact says the wake-up is for a request's own due
// time: then a sleep of spinFrom or more ends spinTail early and spends
// the rest awake, so that an idle thread's slow wake-up does not land in
// the latency.
func (s *preciseSleeper) sleep(d time.Duration, exact bool) {
	if d <= 0 {
		return
	}
	if s == nil {
		time.Sleep(d)
		return
	}
	var until time.Time
	if exact && d >= spinFrom {
		until = time.Now().Add(d)
		d -= spinTail
	}
	s.d, s.armed, s.err = d, false, nil
	if err := s.raw.Read(s.wait); err != nil || s.err != nil {
		time.Sleep(d)
	}
	for !until.IsZero() && time.Now().Before(until) {
		runtime.Gosched()
	}
}

// arm is the poller's read callback: its first call sets the timer and
// asks to wait, the next says the wait is over. The poller watches the
// timerfd edge-triggered and the timer signals at every expiry, so
// nothing is read from it: one system call a sleep. The timer is set
// after the poller forgot any earlier readiness, so an expiry is never
// lost, however short the sleep.
func (s *preciseSleeper) arm(fd uintptr) bool {
	if s.armed {
		return true
	}
	s.armed = true
	// Raw: setting a timer never blocks, and a system call through the
	// runtime would wake its monitor thread (sysmon) from its idle sleep,
	// two more context switches for every wake-up.
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(int64(s.d))}
	if _, _, errno := unix.RawSyscall6(unix.SYS_TIMERFD_SETTIME, fd, 0, uintptr(unsafe.Pointer(&spec)), 0, 0, 0); errno != 0 {
		s.err = errno
	}
	return s.err != nil
}

// A sleep of spinFrom or more for an exact wake-up spends its last
// spinTail awake.
const (
	spinFrom = 900 * time.Microsecond
	spinTail = 60 * time.Microsecond
)

func (s *preciseSleeper) close() {
	if s != nil {
		s.f.Close()
	}
}
