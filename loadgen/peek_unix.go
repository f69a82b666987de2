//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package loadgen

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// peeker looks, without blocking or consuming anything, at whether an
// idle kept-alive TCP connection can carry a request.
type peeker struct {
	raw    syscall.RawConn
	fn     func(fd uintptr) bool // p.try, bound once: no allocation per peek
	isDead bool
}

// newPeeker returns nil without a raw connection (see rawConn).
func newPeeker(raw syscall.RawConn) *peeker {
	if raw == nil {
		return nil
	}
	p := &peeker{raw: raw}
	p.fn = p.try
	return p
}

// unusable reports whether the peer closed (or reset) the connection, or
// sent something while it was idle: a peek finds the end of the stream,
// data, or an error other than "no data yet". Data on an idle connection
// answers no request of ours: a 408 Request Timeout or a TLS close_notify
// sent before the close, which would otherwise be read as the answer to
// the next request (which the server never saw).
func (p *peeker) unusable() bool {
	p.isDead = false
	if err := p.raw.Read(p.fn); err != nil {
		return true
	}
	return p.isDead
}

func (p *peeker) try(fd uintptr) bool {
	var b [1]byte
	_, _, err := unix.Recvfrom(int(fd), b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
	p.isDead = err != unix.EAGAIN && err != unix.EINTR // nil: data, or the end of the stream
	return true                                        // never wait for readiness
}
