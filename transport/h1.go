package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"time"
)

// H1 is trafficgen's own HTTP/1.1 client: HTTP/1.1 over TCP or TLS, no
// proxies. A request is written into its connection's buffer and sent
// with one write; the answer is parsed in the connection's read buffer
// for what the caller needs (status, framing, Location, the fields it
// asked for) and its body kept (up to Request.BodyLimit) or skipped
// there, so a Send allocates nothing.
//
// It counts exactly: a kept-alive connection the server closed, or sent
// bytes on that answer no request, while it was idle is found before a
// request is written to it (conn.idleCheck), a request written to a
// connection that then died before a byte of its answer is sent again and
// counted (resendable), and an answer's arrival is its kernel receive
// time (rxReader). Connections are pooled per scheme and
// host (hostPool). docs/design.md, "The transport", gives the reasons.
type H1 struct {
	timeout      time.Duration
	maxConns     int
	idle         time.Duration
	maxRedirects int
	dialer       net.Dialer
	tls          *tls.Config
	proxy        func(*http.Request) (*url.URL, error)
	note         func(string) // nil: no notes

	hosts   hostMap
	watches watchSet
}

func newH1(o Options) *H1 {
	c := &H1{
		timeout: o.Timeout, maxConns: o.MaxConnsPerHost, idle: o.IdleTimeout, maxRedirects: o.MaxRedirects,
		dialer: net.Dialer{Timeout: min(o.Timeout, 10*time.Second), KeepAlive: 30 * time.Second},
		tls:    &tls.Config{},
		proxy:  o.Proxy,
		note:   o.Note,
	}
	if c.maxConns <= 0 {
		c.maxConns = int(^uint(0) >> 1)
	}
	if o.TLS != nil {
		c.tls = o.TLS.Clone()
		// It speaks HTTP/1.1 whatever the configuration offers.
		c.tls.NextProtos = slices.DeleteFunc(c.tls.NextProtos, func(p string) bool { return p != "http/1.1" })
	}
	if c.tls.ClientSessionCache == nil {
		c.tls.ClientSessionCache = tls.NewLRUClientSessionCache(0)
	}
	return c
}

// Send implements Client.
func (c *H1) Send(ctx context.Context, req *Request, resp *Response) error {
	cs := resp.begin()
	if err := ctx.Err(); err != nil {
		return asError(err)
	}
	w := c.watches.enter(ctx, &cs.watch)
	cs.now = sendTime(req)
	err := follow(ctx, c, deadline(ctx, req, cs.now, c.timeout), c.maxRedirects, req, resp, cs)
	c.watches.leave(w, &cs.watch)
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) && ctx.Err() != nil {
		err = ctx.Err() // the watch's past deadline, or ctx's own
	}
	return asError(err)
}

// CloseIdleConnections implements Client.
func (c *H1) CloseIdleConnections() { c.hosts.each((*hostPool).closeIdle) }

// UsesSockets says that requests go over this process's sockets.
func (c *H1) UsesSockets() bool { return true }

// hop sends r once, on a kept-alive connection when one is idle.
func (c *H1) hop(ctx context.Context, deadline time.Time, r *Request, resp *Response, cs *callerState) error {
	o := &cs.origin
	if err := o.split(r.URL); err != nil {
		return err
	}
	isTLS, userinfo, auth, target := o.isTLS, o.userinfo, o.auth, o.target
	var err error
	if cs.wire, err = appendRequest(cs.wire[:0], r, auth, target, userinfo); err != nil {
		return err
	}
	a := kept{bodyLimit: r.BodyLimit, errorLimit: r.ErrorBodyLimit, names: r.KeepHeaders, header: &resp.Header, location: &cs.location}
	unsent := 0
	for {
		h, cn, err := c.conn(ctx, isTLS, auth, deadline, &o.pool)
		if err != nil {
			return err
		}
		a.body = resp.Body[:0]
		resp.Header.Reset()
		hd, reuse, err := c.roundTrip(ctx, cn, cs, deadline, r.Method == "HEAD", &a)
		resp.Body = a.body
		if err != nil {
			h.discard(cn)
			if !cn.got && cn.used && diedUnder(err) {
				cn.distrust() // a kept-alive connection died under the request
			}
			switch {
			case errors.Is(err, errStaleConn) && unsent <= c.maxConns:
				// Found closed (or talking) before a byte was written:
				// the next idle connection may be too, and after those
				// a new one is dialled.
				unsent++
				continue
			case !cn.got && cn.used && resp.Resent < maxResends && resendable(r.Method, err):
				// A kept-alive connection died under the request after
				// it was written: the server may have read it.
				resp.Resent++
				continue
			}
			if hd.code >= 200 {
				resp.Status = hd.code // the status arrived, the body broke off
			}
			return closedEarly(err)
		}
		cn.used = true
		now := time.Now()
		resp.Arrived = cn.sock.rx.arrivedBy(now)
		resp.Status = hd.code
		cn.lastUse, cn.drained = now, cn.sock.rx.drained()
		if reuse {
			h.put(cn)
		} else {
			h.discard(cn)
		}
		return nil
	}
}

// roundTrip writes a request on cn and reads its answer, with cn known to
// the caller's watch meanwhile so that a cancelled context can end it.
func (c *H1) roundTrip(ctx context.Context, cn *conn, cs *callerState, deadline time.Time, isHead bool, a *kept) (framing, bool, error) {
	cn.got = false
	at := cs.now
	cs.now = time.Time{} // the Send's start is its first attempt's only
	first := !at.IsZero()
	waited := cn.waited
	cn.waited = false
	if cn.used && !first {
		at = time.Now()
	}
	cn.unlooked = cn.used && cn.fresh(at)
	if cn.used && !cn.unlooked {
		if err := cn.idleCheck(); err != nil {
			return framing{}, false, err
		}
	}
	if rx := cn.sock.rx; rx != nil && cn.rw == net.Conn(cn.sock) && len(cs.wire) < slicedWriteFrom {
		// No timer a request where none has to wait; the write goes at
		// once where the caller has just checked the deadline.
		rx.lazy(deadline, first && cn.used && !waited)
	} else {
		if err := cn.rw.SetDeadline(deadline); err != nil {
			return framing{}, false, err
		}
		if rx != nil {
			rx.eager(deadline)
		}
	}
	cs.watch.use(cn)
	defer cs.watch.use(nil)
	if err := ctx.Err(); err != nil {
		return framing{}, false, err
	}
	if cn.sock.rx != nil {
		cn.sock.rx.reset()
	}
	whole, err := cn.writeRequest(ctx, cs.wire, deadline)
	if err != nil && !cn.answerWaiting() {
		return framing{}, false, err
	}
	if cn.sock.rx != nil && whole {
		// Let the goroutines already runnable go first: on a busy CPU the
		// answer has usually arrived when this one runs again, and one
		// read gets it (docs/design.md, "Receive timestamps").
		runtime.Gosched()
	}
	// An answer that came before the request was all written (the server
	// read no more, or reset the connection after answering) is the
	// request's, as net/http takes it; the connection then goes.
	h, reuse, rerr := cn.readResponse(isHead, a)
	if rerr != nil && err != nil {
		rerr = err
	}
	return h, reuse && whole, rerr
}
