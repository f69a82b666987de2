package transport

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"
	"time"
)

// socket is H1's TCP connection, beneath any TLS. It reads with receive
// timestamps (rxReader) where the kernel gives them, and can be looked at
// without reading (peeker): before a request goes on a kept-alive
// connection, conn.idleCheck finds one the server closed, or sent
// something on, while it was idle. See docs/design.md, "Stale
// connections".
type socket struct {
	net.Conn
	peek *peeker   // nil where the connection cannot be peeked
	rx   *rxReader // nil where receive timestamps are unavailable
}

// peekState is what a peek at a connection found.
type peekState int

const (
	peekEmpty  peekState = iota // nothing to read: alive
	peekData                    // bytes waiting
	peekClosed                  // the end of the stream, or an error
)

// errStaleConn fails a request on a kept-alive connection the server had
// closed, or sent something on, while it was idle; nothing was sent.
var errStaleConn = errors.New("kept-alive connection closed by the server, or talking, while idle")

// idleTLSWait is how long the check of an idle TLS connection with bytes
// waiting gives them to make a whole record: they have arrived, so a
// record sent whole is read at once.
const idleTLSWait = time.Millisecond

// A request's write goes in slices of writeSlice from slicedWriteFrom
// bytes on, on a plain connection: between them it looks for an answer
// that came before the server read the whole request.
const (
	slicedWriteFrom = 64 << 10
	writeSlice      = 10 * time.Millisecond
)

// maxResends bounds the times one request is sent again after its
// kept-alive connection died under it.
const maxResends = 4

func newSocket(c net.Conn) *socket {
	raw := rawConn(c)
	return &socket{Conn: c, peek: newPeeker(raw), rx: newRxReader(raw)}
}

func (s *socket) Read(b []byte) (int, error) {
	if s.rx != nil {
		return s.rx.read(s.Conn, b)
	}
	return s.Conn.Read(b)
}

func (s *socket) Write(b []byte) (int, error) {
	if s.rx != nil {
		return s.rx.write(s.Conn, b)
	}
	return s.Conn.Write(b)
}

// freshFor is how soon after its last answer a connection is reused
// without a look (conn.fresh); a variable for the tests.
var freshFor = 100 * time.Microsecond

// fresh says whether cn may carry the next request without a look: a
// plain connection to a host that has earned it (hostPool.trusted),
// whose last answer was read less than freshFor ago by a read that left
// nothing in the kernel, no bytes and no close. A look could find only
// what came since; it saves a system call a request in a closed loop
// (docs/design.md, "Stale connections").
func (cn *conn) fresh(now time.Time) bool {
	return cn.drained && cn.rw == net.Conn(cn.sock) && now.Sub(cn.lastUse) < freshFor &&
		cn.pool != nil && cn.pool.trusted()
}

// idleCheck says whether cn, kept alive and idle, may carry the next
// request: errStaleConn when the server has closed it (the kernel knows
// of the close), or sent something on it, which answers no request of
// ours and would be read as the next one's answer: an unsolicited
// answer, bytes after a wrongly framed one, a 408 before the close. Under
// TLS, bytes waiting may be TLS's own (a session ticket), so they are
// read, briefly, through TLS: only data, a close_notify or an error make
// the connection unusable. The peek runs under Control, not Read: the
// read deadline the last request left must not make a live connection
// look dead.
func (cn *conn) idleCheck() error {
	p := cn.sock.peek
	if p == nil {
		return nil
	}
	switch p.look() {
	case peekEmpty:
		if cn.pool != nil {
			cn.pool.looked()
		}
		return nil
	case peekClosed:
		cn.distrust()
		return errStaleConn
	}
	if cn.rw != net.Conn(cn.sock) {
		if err := cn.tlsIdleRead(); err == nil || cn.w == 0 {
			return err // TLS's own messages, or a close_notify
		}
	}
	cn.distrust()
	if cn.pool != nil && cn.pool.c.note != nil {
		cn.pool.c.note(unsolicited(cn.pool.key))
	}
	return errStaleConn
}

// distrust marks cn's host as one whose connections need a look before
// every reuse.
func (cn *conn) distrust() {
	if cn.pool != nil {
		cn.pool.distrust()
	}
}

// unsolicited is the note on bytes a server sent that answer no request.
func unsolicited(host string) string {
	return "bytes that answer no request came from " + host + ": their connection was closed, and no request took them"
}

// tlsIdleRead reads what waits on an idle TLS connection: TLS's own
// messages are taken in and leave it usable; anything else does not.
// A read deadline that passes leaves a tls.Conn usable.
func (cn *conn) tlsIdleRead() error {
	cn.r, cn.w = 0, 0 // nothing unparsed: it is idle
	if err := cn.rw.SetReadDeadline(time.Now().Add(idleTLSWait)); err != nil {
		return errStaleConn
	}
	n, err := cn.rw.Read(cn.buf)
	cn.w = n // what came, for the caller to tell data from a close
	var ne net.Error
	if n > 0 || !errors.As(err, &ne) || !ne.Timeout() {
		return errStaleConn
	}
	return nil
}

// writeRequest writes a request on cn and says whether it wrote it whole.
// A server may answer before it has read a large request (413 Content
// Too Large) and then read no more of it: a large request on a plain
// connection is written in slices of time, and when an answer waits
// after one, the rest is not written, so that the answer is read at once
// instead of at the deadline. (Under TLS a write that timed out cannot go
// on: there the write takes until the server reads or the deadline.) A
// cancelled ctx ends it within a slice.
func (cn *conn) writeRequest(ctx context.Context, wire []byte, deadline time.Time) (whole bool, err error) {
	if len(wire) < slicedWriteFrom || cn.rw != net.Conn(cn.sock) || cn.sock.peek == nil {
		n, err := cn.rw.Write(wire)
		if err != nil && n == 0 && cn.unlooked && diedUnder(err) {
			// A reset that came with the last answer, which the kernel
			// does not count as left to read (conn.fresh): nothing was
			// sent, as when a look finds it.
			cn.distrust()
			return false, errStaleConn
		}
		return err == nil, err
	}
	defer cn.rw.SetWriteDeadline(deadline)
	for {
		until := time.Now().Add(writeSlice)
		if until.After(deadline) {
			until = deadline
		}
		if err := cn.rw.SetWriteDeadline(until); err != nil {
			return false, err
		}
		n, err := cn.rw.Write(wire)
		wire = wire[n:]
		var ne net.Error
		switch {
		case err == nil:
			return true, nil
		case !errors.As(err, &ne) || !ne.Timeout() || !until.Before(deadline):
			return false, err
		case ctx.Err() != nil:
			return false, ctx.Err()
		case cn.answerWaiting():
			return false, nil
		}
	}
}

// answerWaiting says whether bytes wait to be read on cn: after a write
// that failed or stopped, the server may have answered.
func (cn *conn) answerWaiting() bool {
	return cn.sock.peek != nil && cn.sock.peek.look() == peekData
}

// resendable says whether a request may be sent again after its
// kept-alive connection failed with err before a byte of the answer
// came: an orderly close, a reset or a broken pipe, for a method that
// may be repeated. Such a failure looks the same whether the server
// closed the connection while it was idle (it never saw the request) or
// after reading the request; net/http resends in that case too. Each
// resend is counted (Response.Resent), so nothing is guessed into the
// totals, and the decision depends on no clock.
func resendable(method string, err error) bool {
	if !diedUnder(err) {
		return false
	}
	switch method {
	case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE":
		return true
	}
	return false
}

// diedUnder says whether err is a connection's end under a request: an
// orderly close, a reset or a broken pipe.
func diedUnder(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// rawConn returns c's raw socket, for the peek and the receive
// timestamps, or nil when c has none.
func rawConn(c net.Conn) syscall.RawConn {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return raw
}
