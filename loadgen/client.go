package loadgen

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/trafficgen/trafficgen/scenario"
	"github.com/trafficgen/trafficgen/stats"
)

// Client limits.
const (
	// BodyLimit is how much of a response body is kept (for captures);
	// the rest is read and discarded so the connection is reused.
	BodyLimit = 64 << 10
	// MaxRedirects is how many redirects a request follows.
	MaxRedirects = 5
)

// Doer sends HTTP requests; *http.Client and *FastClient are two. Tests
// inject their own.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// The HTTP clients NewClient knows.
const (
	// ClientH1 is trafficgen's own HTTP/1.1 client (H1Client): HTTP/1.1
	// (and TLS) only, without proxy support, at the least CPU per request.
	ClientH1 = "h1"
	// ClientFastHTTP is github.com/valyala/fasthttp: HTTP/1.1
	// (and TLS) only, without proxy support, at about a third of the CPU per
	// request.
	ClientFastHTTP = "fasthttp"
	// ClientNetHTTP is the standard library's net/http: HTTP/2, proxies
	// from the environment (HTTP_PROXY, HTTPS_PROXY, NO_PROXY).
	ClientNetHTTP = "nethttp"
)

// defaultClient is the client NewClient picks for "": a variable so that a
// benchmark build can change it with -ldflags -X. It is trafficgen's own
// HTTP/1.1 client: 1.26× the closed-loop rate of fasthttp (itself 3.3×
// net/http's) at 0.79× its CPU per request, under half its user CPU
// (BENCHMARKS.md), and it counts as exactly: a kept-alive connection the
// server closed is found before a request is written to it (trackedConn),
// and a request sent again after its connection died is counted as
// resent. ChooseClient falls back to net/http where it would surprise: a
// proxy from the environment that applies to the target.
var defaultClient = ClientH1

// DefaultClient names the client NewClient picks when none is asked for.
func DefaultClient() string { return defaultClient }

// ChooseClient returns the client to use for target when kind was asked
// for ("" for the default), and why, when that is not kind itself: the
// default with a proxy from the environment (HTTP_PROXY, HTTPS_PROXY,
// NO_PROXY) that applies to target is net/http, which honours it.
func ChooseClient(kind, target string) (string, string) {
	if kind != "" {
		return kind, ""
	}
	if defaultClient != ClientNetHTTP {
		if u, err := url.Parse(target); err == nil {
			if p, err := http.ProxyFromEnvironment(&http.Request{URL: u}); err == nil && p != nil {
				return ClientNetHTTP, "a proxy from the environment applies to the target (" + defaultClient + " has no proxy support)"
			}
		}
	}
	return defaultClient, ""
}

// NewClient returns the HTTP client named kind (ClientFastHTTP,
// ClientNetHTTP, or "" for DefaultClient()) sized for maxConns concurrent
// requests to one host, with the given whole-request timeout.
func NewClient(kind string, maxConns int, timeout time.Duration) (Doer, error) {
	if kind == "" {
		kind = defaultClient
	}
	switch kind {
	case ClientH1:
		return NewH1Client(maxConns, timeout), nil
	case ClientFastHTTP:
		return NewFastClient(maxConns, timeout), nil
	case ClientNetHTTP:
		return NewHTTPClient(maxConns, timeout), nil
	}
	return nil, fmt.Errorf("unknown HTTP client %q (want %s, %s or %s)", kind, ClientH1, ClientFastHTTP, ClientNetHTTP)
}

// errTooManyRedirects stops a request after MaxRedirects redirects.
var errTooManyRedirects = fmt.Errorf("stopped after %d redirects", MaxRedirects)

// idleConnTimeout closes a keep-alive connection idle that long: after a
// burst, the extra connections close a few seconds after the workers that
// used them retired (idleRetire), and a rate that comes back within that
// time finds them open.
const idleConnTimeout = 5 * time.Second

// NewHTTPClient returns the client the engine uses by default: one shared
// keep-alive transport sized for maxInFlight concurrent requests to one
// host, with the given whole-request timeout, no compression (the bodies
// are read for captures only) and at most MaxRedirects redirects.
func NewHTTPClient(maxInFlight int, timeout time.Duration) *http.Client {
	tr := &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   min(timeout, 10*time.Second),
			KeepAlive: 30 * time.Second,
		}).DialContext,
		MaxIdleConns:          maxInFlight + 16,
		MaxIdleConnsPerHost:   maxInFlight + 16,
		IdleConnTimeout:       idleConnTimeout,
		TLSHandshakeTimeout:   min(timeout, 10*time.Second),
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true,
		ForceAttemptHTTP2:     true,
		WriteBufferSize:       16 << 10,
		ReadBufferSize:        16 << 10,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= MaxRedirects {
				return errTooManyRedirects
			}
			return nil
		},
	}
}

// client renders scenario requests and sends them to one target.
type client struct {
	doer    Doer
	base    string // target URL without a trailing slash
	headers []scenario.Header

	// abortOnce ties a FastClient's Abort to the engine's request
	// context (every do call gets the same one).
	abortOnce sync.Once
}

// network reports whether requests go over real sockets (and so time is
// real): the scheduler sleeps precisely only then. Tests inject in-process
// transports and run on a fake clock.
func (c *client) network() bool {
	switch d := c.doer.(type) {
	case *H1Client, *FastClient:
		return true
	case *http.Client:
		_, ok := d.Transport.(*http.Transport)
		return ok || d.Transport == nil
	}
	return false
}

// exchange is one request's outcome.
type exchange struct {
	code int
	kind stats.ErrorKind
	err  error
	body []byte // at most BodyLimit bytes, valid until the next exchange on the same buffer
	// resent counts the times the client wrote the request, saw its
	// connection die before a byte of the answer, and sent it again: the
	// server may have read each of those attempts (stats.Result.Resent).
	resent int
	// arrived is when the last byte of the response reached this host
	// (a kernel receive timestamp), when the client knows it; else zero.
	arrived time.Time
}

// doneAt is when the exchange ended: when the response arrived, if
// known and after sent, else now (when the engine had read it). An
// arrival is never later than the clock read that converted it
// (rxReader.arrivedBy), so it needs no second read here.
func (ex *exchange) doneAt(sent time.Time) time.Time {
	if ex.arrived.After(sent) {
		return ex.arrived
	}
	return time.Now()
}

// scratch is a goroutine's reusable buffers.
type scratch struct {
	url   []byte
	body  []byte
	resp  []byte
	hdr   []byte
	h1    *h1Scratch   // H1Client's request and buffers, when used
	fast  *fastScratch // the fasthttp request and response, when used
	trace *attempts    // counts net/http's attempts, when used
}

// attempts follows net/http's attempts at one request through an
// httptrace.ClientTrace. The Transport resends an idempotent request
// whose reused connection dies after the request was written and before
// the answer began; whether the server read the first attempt cannot be
// known from the client (a connection the server closed while idle looks
// the same as one it closed after reading), so each such attempt is
// counted as resent rather than guessed into the totals.
type attempts struct {
	parent  context.Context // the context ctx derives from
	ctx     context.Context // parent with the trace
	written bool            // the current attempt was written, no answer yet
	resent  int
}

// context returns parent with the trace attached, reset for a new request.
func (a *attempts) context(parent context.Context) context.Context {
	if a.parent != parent {
		a.parent = parent
		a.ctx = httptrace.WithClientTrace(parent, &httptrace.ClientTrace{
			GotConn: func(httptrace.GotConnInfo) {
				if a.written {
					a.resent++
				}
				a.written = false
			},
			WroteRequest: func(w httptrace.WroteRequestInfo) {
				if w.Err == nil {
					a.written = true
				}
			},
			GotFirstResponseByte: func() { a.written = false },
		})
	}
	a.written, a.resent = false, 0
	return a.ctx
}

// do sends req as rendered in env and reads the response.
func (c *client) do(ctx context.Context, req *scenario.Request, env *scenario.Env, sc *scratch) exchange {
	switch d := c.doer.(type) {
	case *H1Client:
		return c.doH1(ctx, d, req, env, sc)
	case *FastClient:
		return c.doFast(ctx, d, req, env, sc)
	}
	sc.url = append(sc.url[:0], c.base...)
	sc.url = req.Path.Append(sc.url, env)
	u := string(sc.url)
	if rest := u[len(c.base):]; strings.HasPrefix(rest, "http://") || strings.HasPrefix(rest, "https://") {
		u = rest // an absolute URL in the scenario wins over the target
	}
	var body io.Reader
	if req.Body != nil {
		sc.body = req.Body.Append(sc.body[:0], env)
		body = bytes.NewReader(sc.body)
	}
	if sc.trace == nil {
		sc.trace = new(attempts)
	}
	hr, err := http.NewRequestWithContext(sc.trace.context(ctx), req.Method, u, body)
	if err != nil {
		return exchange{kind: stats.KindOther, err: fmt.Errorf("build request: %w", err)}
	}
	for _, h := range c.headers {
		sc.hdr = h.Value.Append(sc.hdr[:0], env)
		hr.Header.Set(h.Name, string(sc.hdr))
	}
	for _, h := range req.Headers {
		sc.hdr = h.Value.Append(sc.hdr[:0], env)
		hr.Header.Set(h.Name, string(sc.hdr))
	}
	resp, err := c.doer.Do(hr)
	if err != nil {
		return exchange{kind: classify(err), err: err, resent: sc.trace.resent}
	}
	var kept []byte
	kept, err = sc.readBody(resp.Body, req.ReadsBody())
	resp.Body.Close()
	ex := exchange{code: resp.StatusCode, kind: stats.KindForStatus(resp.StatusCode), body: kept, resent: sc.trace.resent}
	if err != nil && ex.kind == stats.KindNone {
		// The status arrived but the body broke off.
		ex.kind, ex.err = classify(err), err
	}
	return ex
}

// readBody reads a response body to the end. It keeps the first
// BodyLimit bytes in sc.resp and returns them when keep is set (the
// request's captures need them); otherwise it holds none of it, so a
// worker's memory does not grow with the largest response it has seen.
func (sc *scratch) readBody(r io.Reader, keep bool) ([]byte, error) {
	if !keep {
		_, err := io.Copy(io.Discard, r)
		return nil, err
	}
	var err error
	sc.resp, err = readCapped(r, sc.resp[:0])
	return sc.resp, err
}

// readCapped reads r to the end, keeping at most BodyLimit bytes in dst.
func readCapped(r io.Reader, dst []byte) ([]byte, error) {
	if cap(dst) == 0 {
		dst = make([]byte, 0, 512) // most captured bodies are one record
	}
	for {
		if len(dst) >= BodyLimit {
			_, err := io.Copy(io.Discard, r)
			return dst, err
		}
		if len(dst) == cap(dst) {
			dst = append(dst, 0)[:len(dst)]
		}
		n, err := r.Read(dst[len(dst):min(cap(dst), BodyLimit)])
		dst = dst[:len(dst)+n]
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
	}
}

// classify names the kind of a transport error.
func classify(err error) stats.ErrorKind {
	var (
		dnsErr  *net.DNSError
		certErr *tls.CertificateVerificationError
		recErr  tls.RecordHeaderError
		alert   tls.AlertError
		unkAuth x509.UnknownAuthorityError
		hostErr x509.HostnameError
		invErr  x509.CertificateInvalidError
		netErr  net.Error
	)
	switch {
	case errors.Is(err, errTooManyRedirects):
		return stats.KindRedirect
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return stats.KindTimeout
	case errors.As(err, &dnsErr):
		return stats.KindDNS
	case errors.Is(err, syscall.ECONNREFUSED):
		return stats.KindRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
		return stats.KindReset
	case errors.As(err, &certErr), errors.As(err, &recErr), errors.As(err, &alert),
		errors.As(err, &unkAuth), errors.As(err, &hostErr), errors.As(err, &invErr):
		return stats.KindTLS
	case errors.As(err, &netErr) && netErr.Timeout():
		return stats.KindTimeout
	}
	var uerr *url.Error
	if errors.As(err, &uerr) && strings.Contains(uerr.Err.Error(), "tls:") {
		return stats.KindTLS
	}
	return stats.KindOther
}
