//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package loadgen

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// peeker looks, without blocking or consuming anything, at whether the
// other end of a TCP connection has closed it.
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

// closed reports whether the peer closed (or reset) the connection: a
// peek finds the end of the stream, or an error other than "no data yet".
// Data waiting (an unexpected answer) is not a close.
func (p *peeker) closed() bool {
	p.isDead = false
	if err := p.raw.Read(p.fn); err != nil {
		return true
	}
	return p.isDead
}

func (p *peeker) try(fd uintptr) bool {
	var b [1]byte
	n, _, err := unix.Recvfrom(int(fd), b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
	p.isDead = n == 0 && err == nil || err != nil && err != unix.EAGAIN && err != unix.EINTR
	return true // never wait for readiness
}
