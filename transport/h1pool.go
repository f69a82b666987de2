package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// hostPool is H1's connections to one scheme and host: at most maxConns,
// open or being dialled; the one released last is reused first, so after
// a burst the extra connections go idle and close after the idle time
// (see docs/design.md, "Connection pools").
//
// It leaves the client's map once it has had no connection open or being
// dialled, and no request waiting for one, for the idle time: clean, which
// already runs while connections are idle, is also scheduled whenever
// open falls to 0, and evicts it then. Requests pay nothing for it. A
// request may have looked the pool up just before: clean marks it
// evicted under mu, only while open is 0 and no request waits, and only
// then takes it out of the map; get looks at the mark under mu before it
// takes a connection or a place, so no request ever uses an evicted pool
// (get fails with errEvicted, and H1.conn looks again), and none is left
// waiting in one.
type hostPool struct {
	c     *H1
	key   string // its key in c.hosts: host[:port], as hostKey spells it
	addr  string // what is dialled: with the scheme's port
	name  string // the TLS server name
	isTLS bool
	// proxy, when not empty, is the proxy the environment names for this
	// host: H1 cannot use it, and will not go around it.
	proxy string

	// cleanLooks counts the looks at its idle connections that found them
	// clean, up to trustAfter; wary is set for good by any sign that the
	// host sends what answers no request, or closes without a word
	// (conn.fresh).
	cleanLooks atomic.Int32
	wary       atomic.Bool

	mu         sync.Mutex
	idle       []*conn // a stack: the top was released last
	open       int     // connections open or being dialled
	waiters    []chan *conn
	cleaning   bool      // a clean is scheduled
	emptySince time.Time // when open last fell to 0
	evicted    bool      // out of c.hosts: get fails
}

// trustAfter is how many clean looks at a host's connections come before
// a fresh one goes without (conn.fresh).
const trustAfter = 64

// looked notes a look at one of h's idle connections that found it
// clean.
func (h *hostPool) looked() {
	if h.cleanLooks.Load() < trustAfter {
		h.cleanLooks.Add(1)
	}
}

// distrust notes that h sent bytes that answer no request, or closed a
// kept-alive connection without a word: its connections are looked at
// before every reuse from now on.
func (h *hostPool) distrust() { h.wary.Store(true) }

// trusted says whether h has earned reuse without a look.
func (h *hostPool) trusted() bool { return h.cleanLooks.Load() >= trustAfter && !h.wary.Load() }

// pool returns the pool for a scheme and authority.
func (c *H1) pool(isTLS bool, auth []byte) *hostPool {
	if z := ipv6Zone(auth); z >= 0 {
		auth = zoneDecoded(auth, z) // rare: allocates
	}
	return c.hosts.get(isTLS, auth, c.newPool)
}

// newPool makes a host's pool. It dials the host as its key spells it,
// which is the authority as written but for the case of its letters, with
// the scheme's port when none (or an empty one) is given; the Host header
// keeps the authority as written (appendRequest).
func (c *H1) newPool(key string, isTLS bool) *hostPool {
	h := &hostPool{c: c, key: key, isTLS: isTLS}
	if host, _, err := net.SplitHostPort(key); err == nil {
		h.addr, h.name = key, host
	} else {
		h.name = unbracket(key)
		h.addr = net.JoinHostPort(h.name, map[bool]string{false: "80", true: "443"}[isTLS])
	}
	scheme := map[bool]string{false: "http", true: "https"}[isTLS]
	if p, err := c.proxy(&http.Request{URL: &url.URL{Scheme: scheme, Host: key}}); err == nil && p != nil {
		h.proxy = p.Redacted()
	}
	return h
}

// conn returns a connection to a scheme and authority, and its pool.
func (c *H1) conn(ctx context.Context, isTLS bool, auth []byte, deadline time.Time, last **hostPool) (*hostPool, *conn, error) {
	for {
		h := *last
		if h == nil || h.c != c { // a Response may go to another client
			h = c.pool(isTLS, auth)
			*last = h
		}
		if h.proxy != "" {
			return nil, nil, fmt.Errorf("the proxy %s applies to %s, and the %s client cannot use proxies (%s can)", h.proxy, h.key, KindH1, KindNetHTTP)
		}
		cn, err := h.get(ctx, deadline)
		if err != errEvicted {
			return h, cn, err
		}
		// Evicted since the lookup: clean may not have taken it out of
		// the map yet.
		c.hosts.remove(isTLS, h.key, h)
		*last = nil
	}
}

// unbracket takes the brackets off an IPv6 literal.
func unbracket(host string) string {
	if len(host) > 1 && host[0] == '[' && host[len(host)-1] == ']' {
		return host[1 : len(host)-1]
	}
	return host
}

// errNoFreeConn fails a request that waited for a connection (all
// maxConns busy) until its deadline.
var errNoFreeConn = fmt.Errorf("no free connection before the deadline: %w", os.ErrDeadlineExceeded)

// errEvicted fails get on a pool evicted since it was looked up; H1.conn
// looks it up again.
var errEvicted = errors.New("host evicted")

// get returns an idle connection, a new one, or, when maxConns are open,
// the first one released before the deadline.
func (h *hostPool) get(ctx context.Context, deadline time.Time) (*conn, error) {
	h.mu.Lock()
	if h.evicted {
		h.mu.Unlock()
		return nil, errEvicted
	}
	if n := len(h.idle); n > 0 {
		cn := h.idle[n-1]
		h.idle[n-1] = nil
		h.idle = h.idle[:n-1]
		h.mu.Unlock()
		return cn, nil
	}
	if h.open < h.c.maxConns {
		h.open++
		h.mu.Unlock()
		return h.dial(ctx, deadline)
	}
	ch := make(chan *conn, 1)
	h.waiters = append(h.waiters, ch)
	h.mu.Unlock()
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	var err error
	select {
	case cn := <-ch:
		if cn == nil { // a connection closed: its place is ours
			return h.dial(ctx, deadline)
		}
		cn.waited = true
		return cn, nil
	case <-t.C:
		err = errNoFreeConn
	case <-ctx.Done():
		err = ctx.Err()
	}
	h.mu.Lock()
	if i := slices.Index(h.waiters, ch); i >= 0 {
		h.waiters = slices.Delete(h.waiters, i, i+1)
		h.mu.Unlock()
		return nil, err
	}
	h.mu.Unlock()
	// Handed a connection (or a place) as the wait ended: pass it on.
	if cn := <-ch; cn != nil {
		h.put(cn)
	} else {
		h.gone()
	}
	return nil, err
}

// dial opens a connection in a place get reserved. A dial whose deadline
// passed before it tried to connect (the caller came late: a starved
// machine) fails with ErrUnsent: nothing reached the server.
func (h *hostPool) dial(ctx context.Context, deadline time.Time) (*conn, error) {
	d := h.c.dialer
	d.Deadline = deadline
	var tried atomic.Bool
	d.ControlContext = func(context.Context, string, string, syscall.RawConn) error {
		tried.Store(true)
		return nil
	}
	c, err := d.DialContext(ctx, "tcp", h.addr)
	if err != nil {
		h.gone()
		var dnsErr *net.DNSError
		timeout := errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded)
		if !tried.Load() && timeout && !errors.As(err, &dnsErr) {
			err = fmt.Errorf("%w (%w)", ErrUnsent, err)
		}
		return nil, err
	}
	s := newSocket(c)
	cn := &conn{pool: h, sock: s, rw: s, buf: make([]byte, connBufSize)}
	if h.isTLS {
		conf := h.c.tls.Clone()
		conf.ServerName = h.name
		tlc := tls.Client(s, conf)
		tlc.SetDeadline(deadline)
		if err := tlc.HandshakeContext(ctx); err != nil {
			tlc.Close()
			h.gone()
			return nil, handshakeError(err)
		}
		cn.rw = tlc
	}
	return cn, nil
}

// handshakeError says, of a handshake answered in plain HTTP, that the
// port speaks plain HTTP, as net/http does.
func handshakeError(err error) error {
	var rh tls.RecordHeaderError
	if errors.As(err, &rh) && string(rh.RecordHeader[:]) == "HTTP/" {
		return fmt.Errorf("%w (%v)", errPlainAnswer, err)
	}
	return err
}

// put returns a connection after a request: to the first request
// waiting for one, or to the idle stack.
func (h *hostPool) put(cn *conn) {
	h.mu.Lock()
	if ch := h.firstWaiter(); ch != nil {
		h.mu.Unlock()
		ch <- cn
		return
	}
	h.idle = append(h.idle, cn)
	h.schedule()
	h.mu.Unlock()
}

// schedule makes sure a clean is coming, within the idle time. The
// caller holds h.mu.
func (h *hostPool) schedule() {
	if !h.cleaning {
		h.cleaning = true
		time.AfterFunc(h.c.idle, h.clean)
	}
}

// emptied notes that h's last connection closed. The caller holds h.mu.
func (h *hostPool) emptied(now time.Time) {
	h.emptySince = now
	h.schedule()
}

// discard closes a connection that cannot carry another request.
func (h *hostPool) discard(cn *conn) {
	cn.rw.Close()
	h.gone()
}

// gone gives up a connection's place: to the first request waiting for
// one, which dials.
func (h *hostPool) gone() {
	h.mu.Lock()
	if ch := h.firstWaiter(); ch != nil {
		h.mu.Unlock()
		ch <- nil
		return
	}
	h.open--
	if h.open == 0 {
		h.emptied(time.Now())
	}
	h.mu.Unlock()
}

// firstWaiter takes the first request waiting for a connection off the
// queue, or returns nil. The caller holds h.mu.
func (h *hostPool) firstWaiter() chan *conn {
	if len(h.waiters) == 0 {
		return nil
	}
	ch := h.waiters[0]
	h.waiters = slices.Delete(h.waiters, 0, 1)
	return ch
}

// clean closes the connections idle for the client's idle time, and
// comes back while any are idle; it evicts h once h has had none open,
// none being dialled and no request waiting for the idle time, and
// comes back until then.
func (h *hostPool) clean() {
	now := time.Now()
	h.mu.Lock()
	n := 0 // the bottom of the stack was released first
	for n < len(h.idle) && now.Sub(h.idle[n].lastUse) >= h.c.idle {
		n++
	}
	old := slices.Clone(h.idle[:n])
	rest := copy(h.idle, h.idle[n:])
	clear(h.idle[rest:])
	h.idle = h.idle[:rest]
	h.open -= n
	if n > 0 && h.open == 0 {
		h.emptySince = now
	}
	var next time.Duration // until the next clean; none when 0
	switch {
	case len(h.idle) > 0:
		next = max(h.c.idle-now.Sub(h.idle[0].lastUse), 10*time.Millisecond)
	case h.open == 0 && len(h.waiters) == 0:
		if left := h.c.idle - now.Sub(h.emptySince); left > 0 {
			next = max(left, 10*time.Millisecond)
		} else {
			h.evicted = true
		}
	}
	// Otherwise every connection is in use: put or gone schedules the
	// next clean.
	h.cleaning = next > 0
	if next > 0 {
		time.AfterFunc(next, h.clean)
	}
	evicted := h.evicted
	h.mu.Unlock()
	for _, cn := range old {
		cn.rw.Close()
	}
	if evicted {
		h.c.hosts.remove(h.isTLS, h.key, h)
	}
}

// closeIdle closes the idle connections.
func (h *hostPool) closeIdle() {
	h.mu.Lock()
	old := h.idle
	h.idle = nil
	h.open -= len(old)
	if len(old) > 0 && h.open == 0 {
		h.emptied(time.Now())
	}
	h.mu.Unlock()
	for _, cn := range old {
		cn.rw.Close()
	}
}
