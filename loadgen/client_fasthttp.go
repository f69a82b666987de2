package loadgen

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/trafficgen/trafficgen/scenario"
	"github.com/trafficgen/trafficgen/stats"
)

// FastClient sends requests with github.com/valyala/fasthttp: HTTP/1.1
// only, no proxies, but a third of the CPU per request of net/http (see
// BENCHMARKS.md). It streams response bodies, and retries only as
// net/http does (retryIfErr). The engine drives it directly, reusing one request and
// response per worker, so a request allocates nothing; Do adapts it to
// the Doer interface for other callers.
//
// Like H1Client it keeps a pool per scheme and host (hostKey), and
// forgets a host without connections for its idle time (fastHost).
type FastClient struct {
	timeout time.Duration
	idle    time.Duration // between a host's sweeps: the idle time, at least 10 ms
	newHost func(key string, tls bool) *fastHost

	hosts hostMap[fastHost]

	conns connSet
}

// NewFastClient returns a fasthttp client for up to maxConns concurrent
// requests per host, with the given whole-request timeout.
func NewFastClient(maxConns int, timeout time.Duration) *FastClient {
	return newFastClient(maxConns, timeout, idleConnTimeout)
}

// newFastClient is NewFastClient with the keep-alive idle time: a host's
// connection cleaner goroutine lives until that long after its last
// connection closes, and the host is forgotten after that long without
// connections (tests use a short one).
func newFastClient(maxConns int, timeout, idle time.Duration) *FastClient {
	fc := &FastClient{timeout: timeout, idle: max(idle, 10*time.Millisecond)}
	d := &net.Dialer{Timeout: min(timeout, 10*time.Second), KeepAlive: 30 * time.Second}
	dial := func(isTLS bool) fasthttp.DialFunc {
		return func(addr string) (net.Conn, error) {
			c, err := d.Dial("tcp", addr)
			if err != nil {
				return nil, err
			}
			tc := fc.conns.track(c)
			tc.tlsAbove = isTLS
			return tc, nil
		}
	}
	// One HostClient per scheme and host, as fasthttp.Client keeps, but
	// without its map-cleaner goroutine (which outlives the client by
	// 10 s): each host's sweep is a timer. It dials the host as its key
	// spells it, with the scheme's port when none is given; the Host
	// header is the URL's host, as fasthttp spells it.
	fc.newHost = func(key string, isTLS bool) *fastHost {
		h := &fastHost{fc: fc, key: key, isTLS: isTLS, hc: fasthttp.HostClient{
			Addr:                fasthttp.AddMissingPort(key, isTLS),
			IsTLS:               isTLS,
			Name:                "trafficgen",
			MaxConns:            maxConns,
			MaxConnWaitTimeout:  timeout,
			MaxIdleConnDuration: idle,
			// The connection released last is reused first (fasthttp's
			// default is the oldest): at a low rate after a burst one
			// connection carries the requests and the burst's others close
			// after idle, as the worker pool's LIFO stack intends.
			ConnPoolStrategy:              fasthttp.LIFO,
			ReadBufferSize:                4 << 10, // headers must fit; bodies stream through
			WriteBufferSize:               4 << 10,
			StreamResponseBody:            true,
			MaxIdemponentCallAttempts:     1, // send retries, see staleRetry
			DisableHeaderNamesNormalizing: true,
			DisablePathNormalizing:        true,
			TLSConfig:                     &tls.Config{},
			Dial:                          dial(isTLS),
		}}
		time.AfterFunc(fc.idle, h.sweep)
		return h
	}
	return fc
}

// use returns the host for uri's scheme and host, counting a request in
// it until done.
func (fc *FastClient) use(uri *fasthttp.URI) (*fastHost, error) {
	var isTLS bool
	switch string(uri.Scheme()) {
	case "http":
	case "https":
		isTLS = true
	default:
		return nil, fmt.Errorf("unsupported protocol %q", uri.Scheme())
	}
	for {
		h := fc.hosts.get(isTLS, uri.Host(), fc.newHost)
		if h.state.Add(fastUse)&fastEvicted == 0 {
			return h, nil
		}
		// Evicted since the lookup: sweep may not have taken it out of
		// the map yet.
		fc.hosts.remove(isTLS, h.key, h)
	}
}

// fastHost is one scheme and host's fasthttp.HostClient.
//
// It leaves the client's map once it has had no connection open or being
// dialled (hc.ConnsCount, which counts both) and no request in it for the
// client's idle time: sweep looks every idle time, and evicts it when it
// found it so at its last look too and no request came between. A request
// counts itself in state from its lookup (use) until DoDeadline returns
// (done); a connection it keeps after that for a streamed body is in
// ConnsCount until the body is closed. sweep marks h evicted with a
// compare-and-swap on state, which succeeds only if no request has come
// since it looked, and use's add returns state with the mark: a request
// either counted itself first (and the swap fails) or sees the mark and
// looks again, so no request uses an evicted host.
type fastHost struct {
	hc    fasthttp.HostClient
	fc    *FastClient
	key   string // its key in fc.hosts
	isTLS bool

	// state: in bits 0-30 the requests in the host now, bit 31 evicted,
	// above them the requests so far (wrapping).
	state atomic.Uint64

	// sweep's own, from one sweep to the next
	swept uint64 // state's count of requests so far, at the last sweep
	empty bool   // no request nor connection at the last sweep
}

// fastHost.state's parts.
const (
	fastInUse   = 1<<31 - 1
	fastEvicted = 1 << 31
	fastUse     = 1<<32 | 1 // a request more, in the host now
)

// done ends a request's use of h, after DoDeadline.
func (h *fastHost) done() { h.state.Add(^uint64(0)) }

// sweep evicts h once it has been unused for the idle time (see
// fastHost), or comes back after the idle time.
func (h *fastHost) sweep() {
	s := h.state.Load()
	if s&fastEvicted != 0 {
		// Only sweep marks a host, and returns when it does; a host
		// marked otherwise (a test does) must not keep its timer going.
		return
	}
	empty := s&fastInUse == 0 && h.hc.ConnsCount() == 0
	if empty && h.empty && s>>32 == h.swept && h.state.CompareAndSwap(s, s|fastEvicted) {
		h.fc.hosts.remove(h.isTLS, h.key, h)
		return
	}
	h.swept, h.empty = s>>32, empty
	time.AfterFunc(h.fc.idle, h.sweep)
}

// Abort closes every connection, failing the requests on them at once
// (fasthttp has no per-request cancellation): the engine's drain calls it
// when the drain timeout is over.
func (fc *FastClient) Abort() { fc.conns.closeAll() }

// CloseIdleConnections closes the keep-alive connections not in use.
func (fc *FastClient) CloseIdleConnections() {
	fc.hosts.each(func(h *fastHost) { h.hc.CloseIdleConnections() })
}

// Do sends an *http.Request through fasthttp, for callers outside the
// engine; it buffers the body. Redirects are followed as in net/http.
func (fc *FastClient) Do(hr *http.Request) (*http.Response, error) {
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.Header.SetMethod(hr.Method)
	req.SetRequestURI(hr.URL.String())
	for k, vs := range hr.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if hr.Body != nil {
		b, err := io.ReadAll(hr.Body)
		hr.Body.Close()
		if err != nil {
			return nil, err
		}
		req.SetBodyRaw(b)
	}
	if _, err := fc.send(hr.Context(), req, resp); err != nil {
		return nil, err
	}
	body, err := readCapped(resp.BodyStream(), nil)
	resp.CloseBodyStream()
	if err != nil {
		return nil, err
	}
	out := &http.Response{
		Status: fmt.Sprintf("%d %s", resp.StatusCode(), http.StatusText(resp.StatusCode())), StatusCode: resp.StatusCode(),
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: http.Header{}, Request: hr,
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
	}
	for k, v := range resp.Header.All() {
		out.Header.Add(string(k), string(v))
	}
	return out, nil
}

// send does req within the client's timeout (or ctx's deadline, when
// sooner), following up to MaxRedirects redirects. It returns how many
// times it resent req after a stale connection (see staleRetry).
func (fc *FastClient) send(ctx context.Context, req *fasthttp.Request, resp *fasthttp.Response) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	deadline := time.Now().Add(fc.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	stale, unsent := 0, 0
	for n := 0; ; n++ {
		h, err := fc.use(req.URI())
		if err != nil {
			return stale, err
		}
		sent := time.Now()
		err = h.hc.DoDeadline(req, resp, deadline)
		h.done()
		if err != nil {
			// The next idle connection may be as dead: try again (n-- keeps
			// the redirect count).
			switch {
			case errors.Is(err, errStaleConn) && unsent < maxUnsent:
				unsent++ // not sent: any method
				n--
				continue
			case stale < maxStale && staleRetry(req.Header.Method(), err, errors.Is(err, fasthttp.ErrConnectionClosed), time.Since(sent)):
				stale++ // written: the server may have read it
				n--
				continue
			}
			return stale, err
		}
		code := resp.StatusCode()
		if !fasthttp.StatusCodeIsRedirect(code) {
			return stale, nil
		}
		loc := resp.Header.Peek("Location")
		if len(loc) == 0 {
			return stale, nil
		}
		if n >= MaxRedirects {
			return stale, errTooManyRedirects
		}
		req.URI().UpdateBytes(loc)
		// drain the redirect's body so its connection goes back to the pool
		if _, err := io.Copy(io.Discard, resp.BodyStream()); err != nil {
			resp.CloseBodyStream()
			return stale, err
		}
		resp.CloseBodyStream()
		if code == 301 || code == 302 || code == 303 {
			if m := string(req.Header.Method()); m != "GET" && m != "HEAD" {
				req.Header.SetMethod("GET")
				req.ResetBody()
				req.Header.Del("Content-Type")
			}
		}
	}
}

// fastScratch is a worker's reusable fasthttp request and response.
type fastScratch struct {
	req  fasthttp.Request
	resp fasthttp.Response
}

// doFast is client.do over fasthttp.
func (c *client) doFast(ctx context.Context, fc *FastClient, req *scenario.Request, env *scenario.Env, sc *scratch) exchange {
	c.abortOnce.Do(func() { context.AfterFunc(ctx, fc.Abort) })
	if sc.fast == nil {
		sc.fast = new(fastScratch)
	}
	fr, resp := &sc.fast.req, &sc.fast.resp
	fr.Reset()
	sc.url = append(sc.url[:0], c.base...)
	sc.url = req.Path.Append(sc.url, env)
	u := sc.url
	if rest := u[len(c.base):]; bytes.HasPrefix(rest, []byte("http://")) || bytes.HasPrefix(rest, []byte("https://")) {
		u = rest // an absolute URL in the scenario wins over the target
	}
	fr.SetRequestURIBytes(u)
	fr.Header.SetMethod(req.Method)
	for _, h := range c.headers {
		sc.hdr = h.Value.Append(sc.hdr[:0], env)
		fr.Header.SetBytesV(h.Name, sc.hdr)
	}
	for _, h := range req.Headers {
		sc.hdr = h.Value.Append(sc.hdr[:0], env)
		fr.Header.SetBytesV(h.Name, sc.hdr)
	}
	if req.Body != nil {
		sc.body = req.Body.Append(sc.body[:0], env)
		fr.SetBodyRaw(sc.body)
	}
	resent, err := fc.send(ctx, fr, resp)
	if err != nil {
		return exchange{kind: classifyFast(err), err: err, resent: resent}
	}
	// The body streams (a 50 MB response does not take 50 MB): keep
	// BodyLimit bytes of it when the request reads it, read the rest to
	// the end.
	var kept []byte
	var arrived time.Time
	if bs := resp.BodyStream(); bs != nil {
		kept, err = sc.readBody(bs, req.ReadsBody())
		// The connection is still this worker's until the stream closes.
		if a, ok := resp.LocalAddr().(*connAddr); ok && err == nil {
			arrived = a.c.rx.arrivedBy(time.Now())
		}
		if cerr := resp.CloseBodyStream(); err == nil {
			err = cerr
		}
	} else if req.ReadsBody() {
		// Not streamed (no body, or fasthttp read it whole): keep the
		// first BodyLimit bytes.
		b := resp.Body()
		sc.resp = append(sc.resp[:0], b[:min(len(b), BodyLimit)]...)
		kept = sc.resp
	}
	ex := exchange{code: resp.StatusCode(), kind: stats.KindForStatus(resp.StatusCode()), body: kept, resent: resent, arrived: arrived}
	if err != nil && ex.kind == stats.KindNone {
		ex.kind, ex.err = classifyFast(err), err
	}
	return ex
}

// classifyFast names the kind of a fasthttp error.
func classifyFast(err error) stats.ErrorKind {
	switch {
	case errors.Is(err, fasthttp.ErrTimeout), errors.Is(err, fasthttp.ErrDialTimeout),
		errors.Is(err, fasthttp.ErrTLSHandshakeTimeout):
		return stats.KindTimeout
	case errors.Is(err, fasthttp.ErrConnectionClosed):
		return stats.KindReset
	case strings.Contains(err.Error(), "tls:"):
		return stats.KindTLS
	}
	return classify(err)
}
