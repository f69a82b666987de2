package transport

import (
	"context"
	"errors"
	"net"
	"sync"
	"syscall"
)

// idleChecked is a plain connection NetHTTP dials for HTTP/1.1, checked
// between requests as H1 checks its own (conn.idleCheck). net/http notices
// a server's close, or bytes no request asked for, on an idle connection
// in a goroutine of its own; until that goroutine has run, a request may
// be written to the connection and fail with a reset (a POST, which is
// not sent again), or read the bytes as its answer. Here a request's
// first write on a connection whose last answer was read whole fails,
// with nothing written, when the kernel knows of a close or bytes, or
// bytes came while it was idle; net/http then sends the request on
// another connection, as it does whenever nothing was written, and it is
// not counted as resent (sentAny). Bytes that come while idle are not
// handed on: they answer no request.
//
// A request whose head went out and whose connection then failed under
// the rest (the server answered early and reset it) is let finish as if
// written, so that net/http reads the answer that came, as H1 does
// (H1.roundTrip), instead of reporting the reset.
type idleChecked struct {
	net.Conn
	peek *peeker

	mu      sync.Mutex
	seq     uint64 // the requests given the connection so far
	sent    int    // bytes of request seq written
	armed   bool   // request seq has not written yet
	idle    bool   // the last answer was read whole and nothing written since
	broken  bool   // bytes or the end of the stream came while idle
	sinking bool   // the connection failed under a request's rest
	// first holds the first bytes of request seq's answer, nfirst of
	// them, until they show it is HTTP/1.x.
	first  [len(statusPrefix)]byte
	nfirst int
}

// dialIdleChecked wraps the connections dial makes.
func dialIdleChecked(dial func(ctx context.Context, network, addr string) (net.Conn, error)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &idleChecked{Conn: c, peek: newPeeker(rawConn(c))}, nil
	}
}

// given notes that a request was given the connection, and returns its
// number on it.
func (c *idleChecked) given() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	c.sent, c.nfirst, c.armed = 0, 0, true
	return c.seq
}

// answered notes that request seq's answer was read whole: unless
// another request has been given the connection since, it is idle.
func (c *idleChecked) answered(seq uint64) {
	c.mu.Lock()
	if c.seq == seq {
		c.idle = true
	}
	c.mu.Unlock()
}

// sentAny says whether any of request seq was written.
func (c *idleChecked) sentAny(seq uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seq != seq || c.sent > 0
}

// Read reads an answer, and fails at once, as H1 does (conn.statusStart),
// when its first bytes cannot begin one: net/http would wait for a whole
// line, and a TLS alert has none.
func (c *idleChecked) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.idle || c.broken:
		c.broken = true
		return 0, errStaleConn
	case n > 0 && c.seq > 0 && c.nfirst < len(c.first):
		c.nfirst += copy(c.first[c.nfirst:], b[:n])
		if err := notHTTP(c.first[:c.nfirst]); err != nil {
			c.broken = true
			return 0, err
		}
	}
	return n, err
}

func (c *idleChecked) Write(b []byte) (int, error) {
	c.mu.Lock()
	if c.armed {
		c.armed = false
		if c.idle && (c.broken || c.peek != nil && c.peek.look() != peekEmpty) {
			c.broken = true
		}
		c.idle = false
	}
	broken, sinking, sent := c.broken, c.sinking, c.sent
	c.mu.Unlock()
	switch {
	case broken:
		return 0, errStaleConn
	case sinking:
		return len(b), nil
	}
	n, err := c.Conn.Write(b)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sent += n
	if err != nil && c.seq > 0 && sent+n > 0 && (errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)) {
		c.sinking = true
		return len(b), nil
	}
	return n, err
}
