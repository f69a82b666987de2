// Package transport takes a request to the wire and its answer back: one
// Send call over reusable Request and Response values, implemented by H1,
// trafficgen's own HTTP/1.1 client, and by NetHTTP, a client over Go's
// net/http (HTTP/2, h2c, proxies). Both follow redirects by the same rule
// (redirect.go). It knows nothing of the engine that drives it; why H1
// handles connections as it does is in docs/design.md, "The transport".
package transport

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Client sends requests.
//
// Send sends req, following redirects as the client was built to, and
// reads the final answer into resp. It returns an *Error when no answer
// arrived, or when the answer broke off (resp.Status then holds the
// status that did arrive). Send honours ctx: the request ends by the
// earlier of ctx's deadline and the client's timeout from the call, and a
// cancelled ctx ends a request in flight at once.
//
// A Request and a Response are reused from one Send to the next, by one
// goroutine at a time: resp also holds the buffers the client keeps per
// caller, which is what lets H1 send without allocating.
type Client interface {
	Send(ctx context.Context, req *Request, resp *Response) error
	// CloseIdleConnections closes the kept-alive connections not in use.
	CloseIdleConnections()
}

// The clients New builds.
const (
	// KindH1 is H1: HTTP/1.1 over TCP or TLS, no proxies, the least CPU
	// per request, kernel receive timestamps.
	KindH1 = "h1"
	// KindNetHTTP is NetHTTP: Go's net/http, with HTTP/2, h2c and proxies
	// from the environment.
	KindNetHTTP = "nethttp"
)

// Defaults for the zero values of Options.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultIdleTimeout = 5 * time.Second
)

// userAgent is sent when a request names none.
const userAgent = "trafficgen"

// Options configure New.
type Options struct {
	// Kind picks the client: KindH1 (the default, "") or KindNetHTTP.
	Kind string
	// MaxConnsPerHost bounds the connections H1 opens to one scheme and
	// host (0: no bound but the requests in flight); a request waits for
	// a free one. NetHTTP keeps that many idle.
	MaxConnsPerHost int
	// Timeout bounds a Send, redirects included (DefaultTimeout when 0).
	Timeout time.Duration
	// TLS configures TLS for https; nil verifies against the system's
	// roots. It is cloned.
	TLS *tls.Config
	// HTTP2 asks NetHTTP for HTTP/2: negotiated by ALPN over TLS, and
	// with prior knowledge (h2c) for http:// URLs. H1 refuses it.
	HTTP2 bool
	// MaxRedirects is how many redirects a Send follows; 0 follows none
	// (a 3xx is then the answer). The next one fails with FailRedirects.
	MaxRedirects int
	// IdleTimeout closes a kept-alive connection idle that long
	// (DefaultIdleTimeout when 0).
	IdleTimeout time.Duration
	// Proxy says which proxy a request goes through: NetHTTP sends
	// through it, H1 refuses a host it applies to rather than bypass it.
	// Nil means http.ProxyFromEnvironment (HTTP_PROXY, HTTPS_PROXY,
	// NO_PROXY).
	Proxy func(*http.Request) (*url.URL, error)
	// Log receives net/http's own log lines (NetHTTP), which net/http
	// writes through the standard logger, so New points that logger at
	// Log, for the whole process. With Note nil, Log gets the notes too.
	Log func(line string)
	// Note receives what a server did that no request's result shows:
	// bytes sent on an idle kept-alive connection, which answer no
	// request (the connection is closed). Both clients call it, from any
	// goroutine, once each time.
	Note func(line string)
	// RoundTripper, for NetHTTP, carries requests in place of net/http's
	// own transport: tests serve them in process with it.
	RoundTripper http.RoundTripper
}

// New builds the client o.Kind names.
func New(o Options) (Client, error) {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = DefaultIdleTimeout
	}
	if o.MaxRedirects < 0 {
		return nil, fmt.Errorf("max redirects must not be negative, got %d", o.MaxRedirects)
	}
	if o.Proxy == nil {
		o.Proxy = http.ProxyFromEnvironment
	}
	if o.Note == nil {
		o.Note = o.Log
	}
	switch o.Kind {
	case "", KindH1:
		switch {
		case o.HTTP2:
			return nil, fmt.Errorf("the %s client speaks HTTP/1.1 only; HTTP/2 needs %s", KindH1, KindNetHTTP)
		case o.RoundTripper != nil:
			return nil, fmt.Errorf("the %s client takes no RoundTripper", KindH1)
		}
		return newH1(o), nil
	case KindNetHTTP:
		return newNetHTTP(o), nil
	}
	return nil, fmt.Errorf("unknown HTTP client %q (want %s or %s)", o.Kind, KindH1, KindNetHTTP)
}

// Request is what to send. Its buffers are the caller's, reused from one
// Send to the next.
type Request struct {
	// Method is the HTTP method, as sent.
	Method string
	// URL is absolute: http:// or https://, host, path and query. User
	// info in it is sent as basic authentication.
	URL []byte
	// Header holds the request's header fields. A Host field replaces
	// the URL's host in the Host header; Content-Length and
	// Transfer-Encoding are the client's, from Body.
	Header Header
	// Body is sent with a Content-Length; empty sends none, but
	// Content-Length: 0 for POST, PUT and PATCH.
	Body []byte
	// BodyLimit is how much of the answer's body to keep in
	// Response.Body; the rest is read and dropped, so the connection is
	// reused. 0 keeps none.
	BodyLimit int
	// ErrorBodyLimit, when larger, is how much of the body to keep of an
	// answer whose status is outside 200–399: what a failure said, at no
	// cost to the answers that succeed.
	ErrorBodyLimit int
	// KeepHeaders names the answer's header fields to keep in
	// Response.Header; the others are read and dropped.
	KeepHeaders []string
	// Deadline, when not zero, ends the Send as a context's deadline
	// would: a bound of the request's own without a context per request,
	// which costs H1 a registration where a shared context costs nothing.
	Deadline time.Time
	// Now, when not zero, is the caller's reading of the clock as it
	// sends: the start of the transport's own timeout, and the moment a
	// kept-alive connection's idleness is judged at, so the transport
	// does not read the clock again for them.
	Now time.Time
}

// Response is an answer. Send resets it before filling it; its buffers
// are valid until the next Send with it.
type Response struct {
	// Status is the final answer's status code; 0 when none arrived.
	Status int
	// Body is up to Request.BodyLimit bytes of the final answer's body.
	Body []byte
	// Header holds the final answer's fields named in
	// Request.KeepHeaders, as they came, under the names as asked.
	Header Header
	// Arrived is when the final answer's last byte reached this host (a
	// kernel receive timestamp), where the client knows it; else zero.
	Arrived time.Time
	// Resent counts the times the request was written to a kept-alive
	// connection that died before a byte of the answer came, and sent
	// again: the server may have read each of those attempts.
	Resent int
	// Redirects are the redirects followed, in order: each one a
	// request the server answered.
	Redirects []Redirect

	cs *callerState
}

// Redirect is a redirect followed: a request the server answered with a
// 3xx and a Location, before the final answer.
type Redirect struct {
	// Status is the redirect's status code (301, 302, 303, 307, 308).
	Status int
	// At is when its answer had arrived.
	At time.Time
}

// callerState is what a client keeps for one caller between Sends.
type callerState struct {
	next     Request // the request a redirect leads to
	location []byte  // the last answer's Location
	wire     []byte  // H1: the request as written
	watch    watchedCall
	trace    *attempts // NetHTTP: counts its resends
	now      time.Time // H1: the Send's start, until its first attempt takes it
	origin   origin    // H1: the last hop's URL, split, and its pool
}

// begin resets resp for a Send and returns the caller's state.
func (resp *Response) begin() *callerState {
	resp.Status, resp.Resent, resp.Arrived = 0, 0, time.Time{}
	resp.Body = resp.Body[:0]
	resp.Header.Reset()
	resp.Redirects = resp.Redirects[:0]
	if resp.cs == nil {
		resp.cs = new(callerState)
	}
	return resp.cs
}

// sendTime is req.Now, or the clock when the caller gave none.
func sendTime(req *Request) time.Time {
	if req.Now.IsZero() {
		return time.Now()
	}
	return req.Now
}

// deadline is when a Send of req that starts now must end: timeout from
// now, or ctx's or req's deadline when sooner.
func deadline(ctx context.Context, req *Request, now time.Time, timeout time.Duration) time.Time {
	d := now.Add(timeout)
	if cd, ok := ctx.Deadline(); ok && cd.Before(d) {
		d = cd
	}
	if !req.Deadline.IsZero() && req.Deadline.Before(d) {
		d = req.Deadline
	}
	return d
}

// bodyLimitFor is how much of the body of an answer with status code to
// keep: limit, or errorLimit when the status is a failure's and that is
// larger.
func bodyLimitFor(code, limit, errorLimit int) int {
	if (code < 200 || code >= 400) && errorLimit > limit {
		return errorLimit
	}
	return limit
}
