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
}

type peekState int

const (
	peekEmpty  peekState = iota // nothing to read: alive
	peekData                    // bytes waiting
	peekClosed                  // the end of the stream, or an error
)

// newPeeker returns nil without a raw connection (see rawConn).
func newPeeker(raw syscall.RawConn) *peeker {
	if raw == nil {
		return nil
	}
	p := &peeker{raw: raw}
	p.fn = p.try
	return p
}

// unusable reports whether the peer closed (or reset) the connection, or,
// when data counts, sent something while it was idle: a peek finds the
// end of the stream, an error other than "no data yet", or data. Data on
// an idle plain HTTP connection answers no request of ours: a 408 Request
// Timeout sent before the close, which would otherwise be read as the
// answer to the next request (which the server never saw). The peek runs
// under Control, not Read: an expired read deadline (the last request's,
// or a cancelled one's) must not make a live connection look dead.
func (p *peeker) unusable(dataCounts bool) bool {
	p.state = peekEmpty
	if err := p.raw.Control(p.fn); err != nil {
		return true
	}
	return p.state == peekClosed || dataCounts && p.state == peekData
}

func (p *peeker) try(fd uintptr) {
	var b [1]byte
	n, _, err := unix.Recvfrom(int(fd), b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
	switch {
	case err == unix.EAGAIN || err == unix.EINTR:
		p.state = peekEmpty
	case err == nil && n > 0:
		p.state = peekData
	default:
		p.state = peekClosed
	}
}
