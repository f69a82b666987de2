package loadgen

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/trafficgen/trafficgen/scenario"
	"github.com/trafficgen/trafficgen/stats"
)

// H1Client is trafficgen's own HTTP/1.1 client, the default: HTTP/1.1
// over TCP or TLS, no proxies (ChooseClient picks net/http when one
// applies), at about half the CPU per request of fasthttp's client outside
// the system calls (BENCHMARKS.md). A request is rendered straight into
// its connection's write buffer and sent with one write; the answer is
// parsed in the connection's read buffer for what the engine needs (the
// status, the framing of the body, Connection and Location) and its body
// is kept (up to BodyLimit, for captures) or skipped there, so a request
// allocates nothing.
//
// It counts as exactly as the other clients: a kept-alive connection the
// server closed while idle is found before a request is written to it
// (trackedConn), a request sent again after its connection died before a
// byte of the answer is counted as resent (staleRetry), and a response's
// latency ends at its kernel receive time (rxReader).
//
// Connections are kept per scheme and host (hostKey: Example.com and
// example.com:80 are one host), at most maxConns each; the one released
// last is reused first, so after a burst its extra connections go idle
// and close after idleConnTimeout. A host without connections for that
// long is forgotten.
type H1Client struct {
	timeout  time.Duration
	maxConns int
	idle     time.Duration
	dialer   net.Dialer
	tlsConf  *tls.Config
	conns    connSet

	hosts hostMap[h1Host]
}

// NewH1Client returns trafficgen's HTTP/1.1 client for up to maxConns
// concurrent requests per host, with the given whole-request timeout.
func NewH1Client(maxConns int, timeout time.Duration) *H1Client {
	return newH1Client(maxConns, timeout, idleConnTimeout)
}

// newH1Client is NewH1Client with the keep-alive idle time (tests use a
// short one).
func newH1Client(maxConns int, timeout, idle time.Duration) *H1Client {
	return &H1Client{
		timeout: timeout, maxConns: max(maxConns, 1), idle: idle,
		dialer:  net.Dialer{Timeout: min(timeout, 10*time.Second), KeepAlive: 30 * time.Second},
		tlsConf: &tls.Config{ClientSessionCache: tls.NewLRUClientSessionCache(0)},
	}
}

// h1Host is one scheme and host's connections.
//
// It leaves the client's map once it has had no connection open or
// being dialled, and no request waiting for one, for the client's idle
// time: clean, which already runs while connections are idle, is also
// scheduled whenever open falls to 0, and evicts it then. Requests pay
// nothing for it. A request may have looked h up just before: clean
// marks h evicted under h.mu, only while open is 0 and no request waits,
// and only then takes it out of the map; get looks at the mark under
// h.mu before it takes a connection or a place, so no request ever uses
// an evicted host (get fails with errEvicted, and conn looks again), and
// none is left waiting in one.
type h1Host struct {
	c     *H1Client
	key   string // its key in c.hosts: host[:port], as hostKey spells it
	addr  string // what is dialled: with the scheme's port
	name  string // the TLS server name
	isTLS bool

	mu         sync.Mutex
	idle       []*h1Conn // a stack: the top was released last
	open       int       // connections open or being dialled
	waiters    []chan *h1Conn
	cleaning   bool      // a clean is scheduled
	emptySince time.Time // when open last fell to 0
	evicted    bool      // out of c.hosts: get fails
}

// host returns the connections for a scheme and authority.
func (c *H1Client) host(isTLS bool, auth []byte) *h1Host {
	if z := ipv6Zone(auth); z >= 0 {
		auth = zoneDecoded(auth, z) // rare: allocates
	}
	return c.hosts.get(isTLS, auth, c.newHost)
}

// newHost makes a host's pool. It dials the host as its key spells it,
// which is the authority as written but for the case of its letters, with
// the scheme's port when none (or an empty one) is given; the Host header
// keeps the authority as written (send).
func (c *H1Client) newHost(key string, isTLS bool) *h1Host {
	h := &h1Host{c: c, key: key, isTLS: isTLS}
	if host, _, err := net.SplitHostPort(key); err == nil {
		h.addr, h.name = key, host
	} else {
		h.name = unbracket(key)
		h.addr = net.JoinHostPort(h.name, map[bool]string{false: "80", true: "443"}[isTLS])
	}
	return h
}

// conn returns a connection to a scheme and authority, and its host.
func (c *H1Client) conn(ctx context.Context, isTLS bool, auth []byte, deadline time.Time) (*h1Host, *h1Conn, error) {
	for {
		h := c.host(isTLS, auth)
		cn, err := h.get(ctx, deadline)
		if err != errEvicted {
			return h, cn, err
		}
		// Evicted since the lookup: clean may not have taken it out of
		// the map yet.
		c.hosts.remove(isTLS, h.key, h)
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
var errNoFreeConn = fmt.Errorf("no free connection before the timeout: %w", os.ErrDeadlineExceeded)

// errEvicted fails get on a host evicted since it was looked up; conn
// looks it up again.
var errEvicted = errors.New("host evicted")

// get returns an idle connection, a new one, or, when maxConns are open,
// the first one released before the deadline.
func (h *h1Host) get(ctx context.Context, deadline time.Time) (*h1Conn, error) {
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
	ch := make(chan *h1Conn, 1)
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

// dial opens a connection in a place get reserved.
func (h *h1Host) dial(ctx context.Context, deadline time.Time) (*h1Conn, error) {
	d := h.c.dialer
	d.Deadline = deadline
	c, err := d.DialContext(ctx, "tcp", h.addr)
	if err != nil {
		h.gone()
		return nil, err
	}
	tc := h.c.conns.track(c)
	tc.tlsAbove = h.isTLS
	cn := &h1Conn{host: h, tc: tc, rw: tc, buf: make([]byte, connBufSize)}
	if h.isTLS {
		conf := h.c.tlsConf.Clone()
		conf.ServerName = h.name
		tlc := tls.Client(tc, conf)
		tlc.SetDeadline(deadline)
		if err := tlc.HandshakeContext(ctx); err != nil {
			tlc.Close()
			h.gone()
			return nil, err
		}
		cn.rw = tlc
	}
	return cn, nil
}

// put returns a connection after a request: to the first request
// waiting for one, or to the idle stack.
func (h *h1Host) put(cn *h1Conn) {
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
func (h *h1Host) schedule() {
	if !h.cleaning {
		h.cleaning = true
		time.AfterFunc(h.c.idle, h.clean)
	}
}

// emptied notes that h's last connection closed. The caller holds h.mu.
func (h *h1Host) emptied(now time.Time) {
	h.emptySince = now
	h.schedule()
}

// discard closes a connection that cannot carry another request.
func (h *h1Host) discard(cn *h1Conn) {
	cn.rw.Close()
	h.gone()
}

// gone gives up a connection's place: to the first request waiting for
// one, which dials.
func (h *h1Host) gone() {
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
func (h *h1Host) firstWaiter() chan *h1Conn {
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
func (h *h1Host) clean() {
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
func (h *h1Host) closeIdle() {
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

// CloseIdleConnections closes the keep-alive connections not in use.
func (c *H1Client) CloseIdleConnections() { c.hosts.each((*h1Host).closeIdle) }

// Abort closes every connection, failing the requests on them at once:
// the engine's drain calls it when the drain timeout is over.
func (c *H1Client) Abort() { c.conns.closeAll() }

// h1Scratch is a worker's reusable request and buffers.
type h1Scratch struct {
	req    h1Request
	wire   []byte
	sink   bodySink
	loc    []byte
	header http.Header // when not nil, the answer's headers (Do)
	whole  bool        // keep the whole body, not BodyLimit (Do)
}

// h1Result is one request's answer.
type h1Result struct {
	code    int
	body    []byte // kept when asked, up to BodyLimit: valid until the next request
	resent  int
	arrived time.Time
}

// send sends r (r.url absolute) within the client's timeout (or ctx's
// deadline, when sooner), following up to MaxRedirects redirects, and
// reads the answer, keeping its body when keep is set.
func (c *H1Client) send(ctx context.Context, sc *h1Scratch, keep bool) (h1Result, error) {
	var res h1Result
	if err := ctx.Err(); err != nil {
		return res, err
	}
	start := time.Now()
	deadline := start.Add(c.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	r := &sc.req
	if !validToken(r.method) {
		return res, fmt.Errorf("invalid method %q", truncate(r.method, 40))
	}
	unsent := 0
	for n := 0; ; n++ {
		isTLS, userinfo, auth, target, err := splitURL(r.url)
		if err != nil {
			return res, err
		}
		if userinfo != nil && !r.auth {
			r.addHeader("Authorization", basicAuth(userinfo)) // once: it sets r.auth
		}
		sc.wire = r.wire(sc.wire[:0], auth, target) // Host: auth as written
		h, cn, err := c.conn(ctx, isTLS, auth, deadline)
		if err != nil {
			return res, err
		}
		sc.sink = bodySink{keeping: keep, whole: sc.whole, kept: sc.sink.kept[:0]}
		clear(sc.header) // the last answer's headers, not a redirect's
		cn.header = sc.header
		head, reuse, err := cn.exchange(sc.wire, deadline, bytes.Equal(r.method, []byte("HEAD")), &sc.sink)
		cn.header = nil
		if err != nil {
			h.discard(cn)
			switch {
			case errors.Is(err, errStaleConn) && unsent <= c.maxConns:
				// Found dead (or talking) before a byte was written: the
				// next idle connection may be too, and after those a new
				// one is dialled.
				unsent++
				n--
				continue
			case !cn.got && cn.used && res.resent < maxStale && staleRetry(r.method, err, false, time.Since(cn.tc.lastWrite)):
				// A kept-alive connection died under the request: written,
				// so the server may have read it.
				res.resent++
				n--
				continue
			}
			if head.code >= 200 {
				res.code = head.code // the status arrived, the body broke off
			}
			return res, err
		}
		cn.used = true
		now := time.Now()
		res.arrived = cn.tc.rx.arrivedBy(now)
		cn.lastUse = now
		redirect := head.code >= 300 && head.code <= 399 && head.code != 304 && len(head.location) > 0
		if redirect {
			sc.loc = append(sc.loc[:0], head.location...) // cn's, which goes back to the pool
		}
		if reuse {
			h.put(cn)
		} else {
			h.discard(cn)
		}
		if !redirect {
			res.code = head.code // a redirect's is not the answer's, nor a later error's
			if keep {
				res.body = sc.sink.kept
			}
			return res, nil
		}
		if n >= MaxRedirects {
			return res, errTooManyRedirects
		}
		if err := sc.redirect(head.code); err != nil {
			return res, err
		}
	}
}

// redirect points sc.req at a redirect's Location (sc.loc, resolved
// against the request's URL). A 301, 302 or 303 turns any method but GET
// and HEAD into a GET without a body, as net/http does.
func (sc *h1Scratch) redirect(code int) error {
	r := &sc.req
	base, err := url.Parse(string(r.url))
	if err != nil {
		return err
	}
	ref, err := url.Parse(string(sc.loc))
	if err != nil {
		return fmt.Errorf("redirect to %q: %w", sc.loc, err)
	}
	next := base.ResolveReference(ref)
	next.Fragment = ""
	if next.Host != base.Host {
		// The first host's Host header and credentials are not sent to
		// another (net/http drops these too).
		r.host = nil
		for _, name := range []string{"Authorization", "Www-Authenticate", "Cookie", "Cookie2"} {
			r.dropHeader(name)
		}
		r.auth = false
	}
	r.url = append(r.url[:0], next.String()...)
	if m := string(r.method); (code == 301 || code == 302 || code == 303) && m != "GET" && m != "HEAD" {
		r.method = append(r.method[:0], "GET"...)
		r.body, r.noBody = nil, true
		r.dropHeader("Content-Type")
	}
	return nil
}

func basicAuth(userinfo []byte) []byte {
	u, err := url.PathUnescape(string(userinfo))
	if err != nil {
		u = string(userinfo)
	}
	return []byte("Basic " + base64.StdEncoding.EncodeToString([]byte(u)))
}

// exchange writes a request and reads its answer on cn.
func (cn *h1Conn) exchange(wire []byte, deadline time.Time, head bool, sink *bodySink) (h1Head, bool, error) {
	cn.got = false
	if err := cn.rw.SetDeadline(deadline); err != nil {
		return h1Head{}, false, err
	}
	if _, err := cn.rw.Write(wire); err != nil {
		return h1Head{}, false, err
	}
	if cn.tc.rx != nil {
		// Let the goroutines already runnable go first: on a busy CPU
		// the answer has usually arrived by the time this one runs
		// again, and the first read gets it, where reading at once
		// finds nothing (a wasted recvmsg), parks in the netpoller and
		// is woken again. Against nginx that took the reads per request
		// from 2.0 to 1.0–1.3 and the closed loop's rate up by about an
		// eighth (BENCHMARKS.md). With nothing else runnable it returns
		// at once. Only where the kernel stamps the answer's arrival
		// (rxReader): the read's lateness is then not in the latency.
		runtime.Gosched()
	}
	return cn.readResponse(head, sink)
}

// doH1 is client.do over H1Client.
func (c *client) doH1(ctx context.Context, hc *H1Client, req *scenario.Request, env *scenario.Env, sc *scratch) exchange {
	c.abortOnce.Do(func() { context.AfterFunc(ctx, hc.Abort) })
	if sc.h1 == nil {
		sc.h1 = new(h1Scratch)
	}
	r := &sc.h1.req
	r.url = append(r.url[:0], c.base...)
	r.url = req.Path.Append(r.url, env)
	if rest := r.url[len(c.base):]; bytes.HasPrefix(rest, []byte("http://")) || bytes.HasPrefix(rest, []byte("https://")) {
		r.url = append(r.url[:0], rest...) // an absolute URL in the scenario wins over the target
	}
	r.method = append(r.method[:0], req.Method...)
	r.hdrs, r.host, r.ua, r.auth = r.hdrs[:0], nil, false, false
	for _, h := range c.headers {
		if !overridden(h.Name, req.Headers) {
			sc.hdr = h.Value.Append(sc.hdr[:0], env)
			r.addHeader(h.Name, sc.hdr)
		}
	}
	for _, h := range req.Headers {
		sc.hdr = h.Value.Append(sc.hdr[:0], env)
		r.addHeader(h.Name, sc.hdr)
	}
	r.body, r.noBody = nil, req.Body == nil
	if req.Body != nil {
		sc.body = req.Body.Append(sc.body[:0], env)
		r.body = sc.body
	}
	res, err := hc.send(ctx, sc.h1, req.ReadsBody())
	if err != nil {
		ex := exchange{code: res.code, kind: classify(err), err: err, resent: res.resent}
		if res.code != 0 && stats.KindForStatus(res.code) != stats.KindNone {
			ex.kind = stats.KindForStatus(res.code) // the status arrived, its body broke off
		}
		return ex
	}
	return exchange{code: res.code, kind: stats.KindForStatus(res.code), body: res.body, resent: res.resent, arrived: res.arrived}
}

// overridden says whether a request header of the same name replaces a
// scenario-wide one.
func overridden(name string, hs []scenario.Header) bool {
	for _, h := range hs {
		if equalFold(h.Name, name) {
			return true
		}
	}
	return false
}

// Do sends an *http.Request, for callers outside the engine; it buffers
// the whole body. Redirects are followed as in net/http; the request's
// context is looked at before the request is sent (a request under way
// runs to its answer or the client's timeout).
func (c *H1Client) Do(hr *http.Request) (*http.Response, error) {
	sc := h1Scratch{header: http.Header{}, whole: true}
	r := &sc.req
	r.method = []byte(hr.Method)
	if hr.Method == "" {
		r.method = []byte("GET")
	}
	r.url = []byte(hr.URL.String())
	for k, vs := range hr.Header {
		for _, v := range vs {
			r.addHeader(k, []byte(v))
		}
	}
	if hr.Host != "" {
		r.host = []byte(hr.Host)
	}
	r.noBody = hr.Body == nil || hr.Body == http.NoBody
	if hr.Body != nil {
		b, err := io.ReadAll(hr.Body)
		hr.Body.Close()
		if err != nil {
			return nil, err
		}
		r.body, r.noBody = b, r.noBody && len(b) == 0
	}
	res, err := c.send(hr.Context(), &sc, true)
	if err != nil {
		return nil, &url.Error{Op: hr.Method, URL: hr.URL.String(), Err: err}
	}
	return &http.Response{
		Status: fmt.Sprintf("%d %s", res.code, http.StatusText(res.code)), StatusCode: res.code,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: sc.header, Request: hr,
		Body:          io.NopCloser(bytes.NewReader(res.body)),
		ContentLength: int64(len(res.body)),
	}, nil
}
