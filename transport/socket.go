package transport

import (
	"errors"
	"io"
	"net"
	"syscall"
	"time"
)

// socket is H1's TCP connection, beneath any TLS. It reads with receive
// timestamps (rxReader) where the kernel gives them, and, before the
// first write of a request to a connection idle for a while, peeks
// (peeker) to find a connection the server closed (or sent something on)
// while it was idle: the write then fails with errStaleConn, before a
// byte is sent, and the request goes on another connection. See
// docs/design.md, "Stale connections".
type socket struct {
	net.Conn
	peek      *peeker   // nil where the connection cannot be peeked
	rx        *rxReader // nil where receive timestamps are unavailable
	read      bool      // a Read since the last Write: the next Write starts a request
	lastWrite time.Time // when the last request started
	// tlsAbove says TLS runs over the socket: bytes waiting on it while
	// idle may be TLS's own (a session ticket sent after the handshake),
	// so only a close makes it unusable.
	tlsAbove bool
}

// errStaleConn fails a write to a kept-alive connection the server had
// closed (or sent something on) while it was idle; nothing was sent.
var errStaleConn = errors.New("kept-alive connection closed by the server while idle")

// staleCheckAfter is how long a connection must have been idle (since its
// last request started) for the next request to peek at it first. Busy
// connections skip the system call: on them a close races the request
// anyway, and resendable covers it.
const staleCheckAfter = 10 * time.Millisecond

// maxResends bounds the times one request is sent again after its
// kept-alive connection died under it.
const maxResends = 4

func newSocket(c net.Conn, tlsAbove bool) *socket {
	raw := rawConn(c)
	return &socket{Conn: c, peek: newPeeker(raw), rx: newRxReader(raw), lastWrite: time.Now(), tlsAbove: tlsAbove}
}

func (s *socket) Read(b []byte) (int, error) {
	s.read = true
	if s.rx != nil {
		return s.rx.read(s.Conn, b)
	}
	return s.Conn.Read(b)
}

func (s *socket) Write(b []byte) (int, error) {
	if s.read {
		s.read = false
		now := time.Now()
		if s.peek != nil && now.Sub(s.lastWrite) >= staleCheckAfter && s.peek.unusable(!s.tlsAbove) {
			return 0, errStaleConn
		}
		s.lastWrite = now
		if s.rx != nil {
			s.rx.reset()
		}
	}
	return s.Conn.Write(b)
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
	if !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) {
		return false
	}
	switch method {
	case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE":
		return true
	}
	return false
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
