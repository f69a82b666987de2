//go:build linux

package main

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// stampListener accepts connections that note when each request arrived:
// the kernel's receive timestamp (SO_TIMESTAMPNS) of the last read that
// returned bytes. On loopback the kernel stamps a segment as the sender's
// write hands it over, so the stamp is before the server's thread wakes,
// before it reads and before its handler runs: the test server's second
// truth, from the request's arrival to the response written, counts the
// server's own wake-up, which the handler's timing cannot see.
//
// The option is set on the listening socket too, from which Linux copies
// it to each accepted one: set only after the accept, the first request
// on a connection (often in the socket already) would go unstamped. A
// read without a stamp leaves its request out of the arrival truth.
type stampListener struct{ net.Listener }

func newStampListener(l net.Listener) stampListener {
	if sc, ok := l.(syscall.Conn); ok {
		if raw, err := sc.SyscallConn(); err == nil {
			raw.Control(func(fd uintptr) {
				unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
			})
		}
	}
	return stampListener{l}
}

func (l stampListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return c, nil
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return c, nil
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
	}); err != nil || serr != nil {
		return c, nil // no stamps: the handler's truth only
	}
	return &stampConn{TCPConn: tc, raw: raw}, nil
}

// stampConn reads with recvmsg and keeps the receive time of the last
// read that returned bytes. net/http reads a request's head before it
// calls the handler and sends no request before the last one's answer, so
// in the handler that is the request's arrival.
type stampConn struct {
	*net.TCPConn
	raw  syscall.RawConn
	oob  [64]byte
	last atomic.Int64 // unix nanoseconds; 0 = none yet
}

func (c *stampConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	var n int
	var err error
	rerr := c.raw.Read(func(fd uintptr) bool {
		var oobn int
		n, oobn, _, _, err = unix.Recvmsg(int(fd), p, c.oob[:], 0)
		if err == unix.EAGAIN {
			return false // wait in the netpoller, deadlines honoured
		}
		if err == nil && n > 0 {
			c.last.Store(stamp(c.oob[:oobn]))
		}
		return true
	})
	switch {
	case rerr != nil:
		return 0, rerr
	case err != nil:
		return 0, &net.OpError{Op: "read", Net: "tcp", Addr: c.RemoteAddr(), Err: err}
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

// stamp returns the SCM_TIMESTAMPNS time in oob, in unix nanoseconds, or
// 0 (a read without one must not leave an earlier request's time).
func stamp(oob []byte) int64 {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return 0
	}
	for _, m := range msgs {
		if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SCM_TIMESTAMPNS && len(m.Data) >= 16 {
			sec := int64(binary.NativeEndian.Uint64(m.Data[0:]))
			nsec := int64(binary.NativeEndian.Uint64(m.Data[8:]))
			return sec*1e9 + nsec
		}
	}
	return 0
}

type connKey struct{}

// withConn is the server's ConnContext: it puts the connection in each
// request's context for arrivalOf.
func withConn(ctx context.Context, c net.Conn) context.Context {
	return context.WithValue(ctx, connKey{}, c)
}

// arrivalOf returns when the request of ctx arrived, if its connection
// stamps its reads.
func arrivalOf(ctx context.Context) (time.Time, bool) {
	c, ok := ctx.Value(connKey{}).(*stampConn)
	if !ok {
		return time.Time{}, false
	}
	ns := c.last.Load()
	if ns == 0 {
		return time.Time{}, false
	}
	return time.Unix(0, ns), true
}
