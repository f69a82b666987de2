//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package transport

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// peeker looks, without blocking or consuming anything, at whether an
// idle kept-alive TCP connection can carry a request.
type peeker struct {
	raw   syscall.RawConn
	fn    func(fd uintptr) // p.try, bound once: no allocation per peek
	state peekState
	b     [1]byte
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

// look peeks at the connection: nothing waiting, bytes waiting, or the
// end of the stream (or an error).
func (p *peeker) look() peekState {
	p.state = peekEmpty
	if err := p.raw.Control(p.fn); err != nil {
		return peekClosed
	}
	return p.state
}

func (p *peeker) try(fd uintptr) {
	n, err := recvPeek(fd, &p.b)
	switch {
	case err == unix.EAGAIN || err == unix.EINTR:
		p.state = peekEmpty
	case err == nil && n > 0:
		p.state = peekData
	default:
		p.state = peekClosed
	}
}
