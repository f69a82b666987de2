//go:build linux

package loadgen

import (
	"os"
	"runtime"
	"sync/atomic"
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
	fd    int
	raw   syscall.RawConn
	d     time.Duration // the sleep arm sets
	armed bool
	err   error
	// stopped says this sleep was cut short: it ends without the spin
	stopped bool
	wait    func(fd uintptr) bool // s.arm, bound once
	// cut says interrupt was called: the sleep under way, or the next,
	// ends at once.
	cut atomic.Bool
}

// newPreciseSleeper returns nil when timerfd is unavailable; the sleeper
// then sleeps on a Go timer.
func newPreciseSleeper() *preciseSleeper {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil
	}
	s := &preciseSleeper{f: os.NewFile(uintptr(fd), "timerfd"), fd: fd}
	if s.raw, err = s.f.SyscallConn(); err != nil {
		s.f.Close()
		return nil
	}
	s.wait = s.arm
	return s
}

// sleep sleeps for d, or until interrupt. exact says the wake-up is for a
// request's own due time: then a sleep of spinFrom or more ends spinTail
// early and spends the rest awake, so that an idle thread's slow wake-up
// does not land in the latency.
func (s *preciseSleeper) sleep(d time.Duration, exact bool) {
	if d <= 0 {
		return
	}
	var until time.Time
	if exact && d >= spinFrom {
		until = time.Now().Add(d)
		d -= spinTail
	}
	s.d, s.armed, s.err, s.stopped = d, false, nil, false
	if err := s.raw.Read(s.wait); err != nil || s.err != nil {
		time.Sleep(d)
	}
	for !until.IsZero() && !s.stopped && !s.cut.Load() && time.Now().Before(until) {
		runtime.Gosched()
	}
}

// interrupt ends the sleep under way at once, or the next one if none
// is. Any goroutine may call it.
func (s *preciseSleeper) interrupt() {
	s.cut.Store(true)
	s.settime(1) // fires now; a timer set to zero would be disarmed
}

// arm is the poller's read callback: its first call sets the timer and
// asks to wait, the next says the wait is over. The poller watches the
// timerfd edge-triggered and the timer signals at every expiry, so
// nothing is read from it: one system call a sleep. The timer is set
// after the poller forgot any earlier readiness, so an expiry is never
// lost, however short the sleep; an interrupt from before the timer was
// set, whose expiry the new setting replaced, is seen in cut.
func (s *preciseSleeper) arm(fd uintptr) bool {
	if s.armed {
		return true
	}
	s.armed = true
	s.err = s.settime(s.d)
	s.stopped = s.cut.Swap(false)
	return s.err != nil || s.stopped
}

// settime sets the timer to expire in d. Raw: setting a timer never
// blocks, and a system call through the runtime would wake its monitor
// thread (sysmon) from its idle sleep, two more context switches for
// every wake-up.
func (s *preciseSleeper) settime(d time.Duration) error {
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(int64(d))}
	if _, _, errno := unix.RawSyscall6(unix.SYS_TIMERFD_SETTIME, uintptr(s.fd), 0, uintptr(unsafe.Pointer(&spec)), 0, 0, 0); errno != 0 {
		return errno
	}
	return nil
}

// A sleep of spinFrom or more for an exact wake-up spends its last
// spinTail awake.
const (
	spinFrom = 900 * time.Microsecond
	spinTail = 60 * time.Microsecond
)

func (s *preciseSleeper) close() { s.f.Close() }
