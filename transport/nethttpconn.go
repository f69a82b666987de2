package transport

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"syscall"
	"time"
)

// idleChecked is a plain connection NetHTTP dials for HTTP/1.1, checked
// between requests as H1 checks its own (conn.idleCheck): a request
// handed a kept-alive connection waits until net/http's reader has looked
// at it (settle), its first write fails with nothing written when the
// kernel knows of a close or bytes waiting (net/http then uses another
// connection; not counted as resent: sentAny), and bytes read while idle
// answer no request and are not handed on. A request whose head went out
// before its connection failed is let finish as if written, so net/http
// reads an early answer as H1 does. TLS connections are dialled through it
// and left alone: what comes on them is ciphertext. Why each:
// docs/design.md, "Stale connections and resends".
type idleChecked struct {
	net.Conn
	raw    syscall.RawConn // nil where the socket cannot be read directly
	readFn func(uintptr) bool
	rb     []byte // the buffer of the Read in progress, for tryRead
	rn     int
	rerr   error
	peek   *peeker
	addr   string
	note   func(string) // nil: no notes

	mu      sync.Mutex
	settled *sync.Cond // signalled when reading or closed becomes true
	seq     uint64     // the requests given the connection so far
	sent    int        // bytes of request seq written
	armed   bool       // request seq has not written yet
	started bool       // request seq has begun to write
	reused  bool       // request seq is not the connection's first
	idle    bool       // the last answer was read whole and nothing written since
	reading bool       // net/http's reader waits in Read
	closed  bool
	broken  bool // bytes or the end of the stream came while idle
	sinking bool // the connection failed under a request's rest
	noted   bool // bytes that answer no request were noted
	// first holds the first bytes of request seq's answer, nfirst of
	// them, until they show it is HTTP/1.x.
	first  [len(statusPrefix)]byte
	nfirst int
}

// settleWait bounds settle: the reader is runnable, only not yet run.
const settleWait = 100 * time.Millisecond

// dialIdleChecked wraps the connections dial makes; note, when not nil,
// hears of bytes that answer no request.
func dialIdleChecked(dial func(ctx context.Context, network, addr string) (net.Conn, error), note func(string)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		raw := rawConn(c)
		ic := &idleChecked{Conn: c, raw: raw, peek: newPeeker(raw), addr: addr, note: note}
		ic.readFn = ic.tryRead
		ic.settled = sync.NewCond(&ic.mu)
		return ic, nil
	}
}

// given notes that a request was given the connection, reused or new,
// and returns its number on it. A reused connection is handed over once
// net/http's reader has settled.
func (c *idleChecked) given(reused bool) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if reused {
		c.settle()
	}
	c.seq++
	c.sent, c.nfirst, c.armed, c.started, c.reused = 0, 0, true, false, reused
	return c.seq
}

// settle waits, up to settleWait, until net/http's reader waits in Read
// (it holds no byte it has not looked at) or has closed the connection.
// The caller holds c.mu.
func (c *idleChecked) settle() {
	if c.reading || c.closed {
		return
	}
	late := false
	t := time.AfterFunc(settleWait, func() {
		c.mu.Lock()
		late = true
		c.settled.Broadcast()
		c.mu.Unlock()
	})
	defer t.Stop()
	for !c.reading && !c.closed && !late {
		c.settled.Wait()
	}
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
// line, and a TLS alert has none. Where it can, it takes the bytes from
// the socket under c.mu (tryRead), so that what came before a request's
// first write is told apart from its answer: bytes taken after the
// write's look at the socket came after it.
func (c *idleChecked) Read(b []byte) (int, error) {
	c.mu.Lock()
	c.reading = true
	c.settled.Broadcast()
	c.mu.Unlock()
	c.rb = b
	defer func() { c.rb = nil }()
	if c.raw != nil {
		if err := c.raw.Read(c.readFn); err != nil {
			c.mu.Lock()
			defer c.mu.Unlock()
			return c.took(0, err)
		}
		return c.rn, c.rerr
	}
	n, err := c.Conn.Read(b)
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.took(n, err)
}

// tryRead reads what the socket holds into c.rb, under c.mu; it returns
// false to wait for more.
func (c *idleChecked) tryRead(fd uintptr) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, err := syscall.Read(int(fd), c.rb)
	switch {
	case err == syscall.EAGAIN || err == syscall.EINTR:
		return false
	case err != nil:
		n = 0
	case n == 0 && len(c.rb) > 0:
		err = io.EOF
	}
	c.rn, c.rerr = c.took(n, err)
	return true
}

// took judges what a read took from the socket, b[:n] of c.rb or of the
// caller's buffer, and returns what Read hands on. The caller holds c.mu.
func (c *idleChecked) took(n int, err error) (int, error) {
	c.reading = false
	switch {
	case c.idle || c.broken, n > 0 && c.reused && !c.started:
		c.broken = true
		if n > 0 {
			c.unsolicited()
		}
		return 0, errStaleConn
	case n > 0 && c.seq > 0 && c.nfirst < len(c.first):
		c.nfirst += copy(c.first[c.nfirst:], c.rb[:n])
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
		// net/http gave the connection to this request after the last
		// answer was read whole: bytes waiting now answer nothing.
		c.armed = false
		if st := c.peekIfReused(); st != peekEmpty {
			c.broken = true
			if st == peekData {
				c.unsolicited()
			}
		}
		c.idle = false
	}
	c.started = true // an answer may come before Write returns
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

// peekIfReused peeks at a connection that carried a request before.
// The caller holds c.mu.
func (c *idleChecked) peekIfReused() peekState {
	if !c.reused || c.peek == nil {
		return peekEmpty
	}
	return c.peek.look()
}

// unsolicited notes, once, bytes that answer no request. The caller
// holds c.mu.
func (c *idleChecked) unsolicited() {
	if c.note != nil && !c.noted {
		c.noted = true
		c.note(unsolicited(c.addr))
	}
}

func (c *idleChecked) Close() error {
	c.mu.Lock()
	c.closed = true
	c.settled.Broadcast()
	c.mu.Unlock()
	return c.Conn.Close()
}
