//go:build linux

package transport

import (
	"errors"
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// rxReader reads a TCP connection with recvmsg and keeps the kernel's
// receive timestamp (SO_TIMESTAMPNS) of the last data read: the moment
// the bytes reached this host, not the moment this process woke up to
// read them (Response.Arrived), so a caller that ends a request's
// latency there does not count its own wake-up as the server's time (see
// docs/design.md, "Receive timestamps"). Everything it needs is
// allocated once per connection.
type rxReader struct {
	raw syscall.RawConn
	fn  func(fd uintptr) bool // r.try, bound once

	msg unix.Msghdr
	iov unix.Iovec
	oob [64]byte // after msg and iov: 8-byte aligned, as control messages need

	n   int
	err error
	at  int64 // wall-clock ns of the last data read; 0 = none since reset
	// left is what the kernel held for the socket after the last read
	// (TCP_INQ): unread bytes, or 1 when only a close is left; -1 when
	// unknown.
	left int32

	wfn  func(fd uintptr) bool // r.tryWrite, bound once
	wb   []byte                // what is left to write
	werr error

	// fd is tried at once, outside the netpoller, by a lazy request's
	// write and first read (tryW, tryR): its owner alone closes a plain
	// connection while it is in use (a TLS handshake's cancel closes its
	// socket at any moment: TLS is never lazy). Later reads go through
	// the poller, which checks the deadline: a stream that never lets a
	// read wait still ends at it.
	fd         int
	tryW, tryR bool
	// found: the last first try of a read found something; first: the
	// netpoller's next try is a read's first.
	found, first bool
	// Lazy deadlines (lazy): the request's deadline, given to the poller
	// only when a call must wait, which few do in a busy loop.
	lazyOn    bool
	want, set time.Time
	setKnown  bool        // set is the poller's deadline
	stopped   atomic.Bool // interrupted: the poller's deadline is past
}

// newRxReader enables receive timestamps on raw's socket, or returns nil
// where that fails or there is no raw connection (the connection is then
// read as usual).
func newRxReader(raw syscall.RawConn) *rxReader {
	if raw == nil {
		return nil
	}
	var serr error
	sysfd := -1
	if err := raw.Control(func(fd uintptr) {
		sysfd = int(fd)
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
		// Without TCP_INQ (before Linux 4.18) left stays unknown.
		unix.SetsockoptInt(int(fd), unix.SOL_TCP, unix.TCP_INQ, 1)
	}); err != nil || serr != nil {
		return nil
	}
	r := &rxReader{raw: raw, left: -1, fd: sysfd}
	r.fn, r.wfn = r.try, r.tryWrite
	r.msg.Iov = &r.iov
	r.msg.SetIovlen(1)
	r.msg.Control = &r.oob[0]
	return r
}

// read reads into b as net.Conn.Read does (waiting in the netpoller, with
// the connection's deadlines), recording the receive time of what it got.
func (r *rxReader) read(c net.Conn, b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	r.iov.Base = &b[0]
	r.iov.SetLen(len(b))
	r.n, r.err = 0, nil
	var err error
	// A request's first read tried at once takes an answer that came
	// while the worker yielded; where the last one found nothing (answers
	// come later than that: a low rate), the netpoller's own first try is
	// the only one.
	direct := r.tryR && r.found && !r.stopped.Load()
	r.tryR = false
	if !direct || !r.try(uintptr(r.fd)) {
		if err = r.ensure(c); err == nil {
			r.first = true
			err = r.raw.Read(r.fn)
			for r.early(c, err) {
				err = r.raw.Read(r.fn)
			}
		}
	}
	r.iov.Base = nil // do not keep b alive
	if err == nil {
		err = r.err
	}
	switch {
	case err != nil:
		// RawConn.Read wraps its own errors (a deadline, a closed
		// connection) in an OpError; unwrap them to read as net's do.
		var oe *net.OpError
		if errors.As(err, &oe) {
			err = oe.Err
		}
		if errno, ok := err.(syscall.Errno); ok {
			err = os.NewSyscallError("recvmsg", errno)
		}
		return 0, &net.OpError{Op: "read", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
	case r.n == 0:
		return 0, io.EOF
	}
	return r.n, nil
}

// try is one recvmsg; it returns false to wait for the socket to be
// readable. The socket is non-blocking, so the call never blocks: made
// raw, it does not wake the runtime's monitor thread (docs/design.md,
// "Dispatch in batches").
func (r *rxReader) try(fd uintptr) bool {
	for {
		r.msg.SetControllen(len(r.oob))
		r.msg.Flags = 0
		n, _, errno := unix.RawSyscall(unix.SYS_RECVMSG, fd, uintptr(unsafe.Pointer(&r.msg)), 0)
		switch errno {
		case 0:
			r.n = int(n)
			if n > 0 {
				r.control()
			}
			raceAcquireIO(fd)
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			if r.first {
				r.first, r.found = false, false
			}
			return false
		default:
			r.err = errno
		}
		if r.first {
			r.first, r.found = false, true
		}
		return true
	}
}

// write writes b as net.Conn.Write does (waiting in the netpoller while
// the socket's buffer is full, with the connection's deadlines), with
// raw system calls, as try reads.
func (r *rxReader) write(c net.Conn, b []byte) (int, error) {
	r.wb, r.werr = b, nil
	var err error
	direct := r.tryW && !r.stopped.Load()
	r.tryW = false
	if !direct || !r.tryWrite(uintptr(r.fd)) {
		if err = r.ensure(c); err == nil {
			err = r.raw.Write(r.wfn)
			for r.early(c, err) {
				err = r.raw.Write(r.wfn)
			}
		}
	}
	n := len(b) - len(r.wb)
	r.wb = nil // do not keep b alive
	if err == nil {
		err = r.werr
	}
	if err == nil {
		return n, nil
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		err = oe.Err
	}
	if errno, ok := err.(syscall.Errno); ok {
		err = os.NewSyscallError("write", errno)
	}
	return n, &net.OpError{Op: "write", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
}

// tryWrite sends what is left of r.wb; it returns false to wait for the
// socket to be writable. MSG_NOSIGNAL: a closed peer is EPIPE, not a
// signal.
func (r *rxReader) tryWrite(fd uintptr) bool {
	raceReleaseIO(fd)
	for len(r.wb) > 0 {
		n, _, errno := unix.RawSyscall6(unix.SYS_SENDTO, fd, uintptr(unsafe.Pointer(&r.wb[0])), uintptr(len(r.wb)),
			unix.MSG_NOSIGNAL|unix.MSG_DONTWAIT, 0, 0)
		switch errno {
		case 0:
			r.wb = r.wb[n:]
		case unix.EINTR:
		case unix.EAGAIN:
			return false
		default:
			r.werr = errno
			return true
		}
	}
	return true
}

// control takes the control messages of a read: the receive time
// (SCM_TIMESTAMPNS) and what the kernel held after it (TCP_CM_INQ).
func (r *rxReader) control() {
	r.left = -1
	oob := r.oob[:r.msg.Controllen]
	for len(oob) >= unix.SizeofCmsghdr {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
		if h.Len < unix.SizeofCmsghdr || int(h.Len) > len(oob) {
			return
		}
		data := oob[unix.CmsgLen(0):h.Len]
		switch {
		case h.Level == unix.SOL_SOCKET && h.Type == unix.SCM_TIMESTAMPNS && len(data) >= int(unsafe.Sizeof(unix.Timespec{})):
			r.at = (*unix.Timespec)(unsafe.Pointer(&data[0])).Nano()
		case h.Level == unix.SOL_TCP && h.Type == unix.TCP_CM_INQ && len(data) >= 4:
			r.left = *(*int32)(unsafe.Pointer(&data[0]))
		}
		oob = oob[min(unix.CmsgSpace(int(h.Len)-unix.CmsgLen(0)), len(oob)):]
	}
}

// lazy makes t the deadline of the request about to go on a plain
// connection the caller owns, the poller's only once a read or write must
// wait. Its first read is tried at once, and its write too when write is
// set: the request's first attempt, on a kept-alive connection, which its
// caller sent before t; a resend or a redirect's hop goes through the
// poller, which does not write past t. An interrupt (stop) fails the
// request's calls from then on.
func (r *rxReader) lazy(t time.Time, write bool) {
	if r.stopped.Swap(false) {
		r.setKnown = false // the interrupt's past deadline stays
	}
	r.lazyOn, r.want, r.tryR, r.tryW = true, t, true, write
}

// eager says that the deadline was given to the poller as t: nothing is
// tried outside it.
func (r *rxReader) eager(t time.Time) {
	r.lazyOn, r.set, r.setKnown, r.tryR, r.tryW = false, t, true, false, false
}

// stop marks an interrupt, before it sets the poller's deadline in the
// past (any goroutine).
func (r *rxReader) stop() { r.stopped.Store(true) }

// ensure gives the poller a deadline no later than the request's before
// a call waits. One a past request left that is no later stays: moving
// it is a timer update per wait, and a wait it ends too soon is resumed
// (early).
func (r *rxReader) ensure(c net.Conn) error {
	switch {
	case !r.lazyOn:
		return nil
	case r.stopped.Load():
		return os.ErrDeadlineExceeded
	case r.setKnown && !r.set.IsZero() && (r.want.IsZero() || !r.want.Before(r.set)):
		return nil
	}
	return r.move(c)
}

// move gives the poller the request's deadline.
func (r *rxReader) move(c net.Conn) error {
	if err := c.SetDeadline(r.want); err != nil {
		return err
	}
	r.set, r.setKnown = r.want, true
	if r.stopped.Load() { // the interrupt's deadline came first
		c.SetDeadline(aLongTimeAgo)
		return os.ErrDeadlineExceeded
	}
	return nil
}

// early says whether err is the timeout of a past request's deadline
// that ensure left, before the request's own: the poller then has the
// request's, and the call goes on.
func (r *rxReader) early(c net.Conn, err error) bool {
	return err != nil && r.lazyOn && r.setKnown && !r.set.Equal(r.want) && !r.stopped.Load() &&
		errors.Is(err, os.ErrDeadlineExceeded) && r.move(c) == nil
}

// reset forgets the last receive time (a new request starts).
func (r *rxReader) reset() { r.at, r.left = 0, -1 }

// drained says whether the last read left nothing in the kernel: no
// bytes, and no close (TCP_INQ counts a close as a byte).
func (r *rxReader) drained() bool { return r != nil && r.left == 0 }

// arrivedBy converts the last receive time to a time.Time on now's clock,
// or returns the zero time when there is none (or it is implausible: the
// wall clock stepped).
func (r *rxReader) arrivedBy(now time.Time) time.Time {
	if r == nil || r.at == 0 {
		return time.Time{}
	}
	d := now.UnixNano() - r.at
	if d < 0 || d > int64(time.Minute) {
		return time.Time{}
	}
	return now.Add(-time.Duration(d))
}
